// SPDX-License-Identifier: Apache-2.0
// File: cckm/rotation_jobs.hpp
//
// Attaching inventory keys to a scheduled rotation (DESIGN.md §8, seeds/004): enabling writes
// the rotation config's id and the `auto_rotate_*` options into the key's `labels`, which is
// how a `cckm_key_rotation` run finds its keys; disabling removes them. Each is one
// read-modify-write of the key in the inventory (key_store::update).
//
//   cckm::rotation_job_request req{.job_config_id = config.id,
//                                  .options = {{"auto_rotate_key_source", "local"}}};
//   auto key = cckm::enable_rotation_job(inventory, store, "aws", key_id, req, clock.now());
//   // key->labels["job_config_id"] == config.id
//   key = cckm::disable_rotation_job(inventory, "aws", key_id, clock.now());
#pragma once

#include <cckm/cloud_key.hpp>
#include <cckm/key_store.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/store.hpp>

#include <map>
#include <string>
#include <string_view>

namespace cckm {

/// What enable-rotation-job asks for: the rotation config, and options as text ("true" and
/// "false" for booleans, JSON text for objects) under their API names (`auto_rotate_*`).
struct rotation_job_request {
    std::string job_config_id;
    std::map<std::string, std::string> options;
};

/// Attaches key (cloud, id) of `inventory` to the rotation config `request.job_config_id`,
/// which `configs` must hold with operation `cckm_key_rotation` and the key's cloud as its
/// `cloud_name`. Options the cloud does not know are ignored (as unknown JSON fields are);
/// known ones are checked (`auto_rotate_key_source` one of local, ciphertrust, native, dsm,
/// hsm-luna, external-cm; booleans "true"/"false"; AWS's two disable-encrypt options not both).
/// Labels of a previous attachment are replaced. not_found for an unknown key (checked first);
/// invalid_argument naming `job_config_id` or the option otherwise. Nothing is written on error.
[[nodiscard]] scheduler::result<cloud_key> enable_rotation_job(key_store& inventory,
                                                               scheduler::store& configs,
                                                               std::string_view cloud,
                                                               std::string_view id,
                                                               rotation_job_request const& request,
                                                               scheduler::time_point now);

/// Detaches key (cloud, id): removes `job_config_id` and every `auto_rotate_*` label. A key that
/// is not attached is answered as it is. not_found for an unknown key.
[[nodiscard]] scheduler::result<cloud_key> disable_rotation_job(key_store& inventory,
                                                                std::string_view cloud,
                                                                std::string_view id,
                                                                scheduler::time_point now);

}  // namespace cckm
