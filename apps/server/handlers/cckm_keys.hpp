// SPDX-License-Identifier: Apache-2.0
// The handlers of the key inventory (/api/v1/cckm/{cloud}/keys) and of attaching keys to a
// rotation job (DESIGN.md §8, seeds/004, cckm-api-notes §6). Each parses the request, makes one
// libcckm call and renders the key resource; the rules live in cckm/rotation_jobs.hpp.
// Registered by register_cckm_key_routes.
#pragma once

#include "http_types.hpp"
#include "services.hpp"

namespace schedulerd::cckm_api {

/// GET /cckm/{cloud}/keys -> 200 {skip, limit, total, resources}.
[[nodiscard]] response list_keys(services& s, request_context& ctx);
/// GET /cckm/{cloud}/keys/{id} -> 200 with the key.
[[nodiscard]] response get_key(services& s, request_context& ctx);
/// POST /cckm/{cloud}/keys/{id}/enable-rotation-job (and the enable-auto-rotation spelling)
/// {job_config_id, auto_rotate_*} -> 200 with the key.
[[nodiscard]] response enable_rotation_job(services& s, request_context& ctx);
/// POST /cckm/{cloud}/keys/{id}/disable-rotation-job (bodyless) -> 200 with the key.
[[nodiscard]] response disable_rotation_job(services& s, request_context& ctx);

}  // namespace schedulerd::cckm_api
