// SPDX-License-Identifier: Apache-2.0
// Private: a cloud_key as JSON text, the form the SQLite key store keeps in its `body` column
// (the indexed columns beside it are copies of fields, for filters and order), and the one rule
// for merging a provider's view of a key into the inventory.
#pragma once

#include <cckm/cloud_key.hpp>
#include <scheduler/errors.hpp>

#include <string>
#include <string_view>

namespace cckm::detail {

/// The whole key as one JSON object.
[[nodiscard]] std::string encode_key(cloud_key const& key);
/// The inverse; invalid_argument when the text is not a key.
[[nodiscard]] scheduler::result<cloud_key> decode_key(std::string_view json);

/// Copies what the cloud owns (everything but id, labels and the rotated_from/rotated_to links,
/// which are inventory ids there) from the provider's view of a key into the inventory's record,
/// and marks it seen at `now`.
void absorb(cloud_key& inventory_key, cloud_key const& from_cloud, scheduler::time_point now);

/// The job config a key is attached to (its `job_config_id` label), or "".
[[nodiscard]] std::string attached_config(cloud_key const& key);

}  // namespace cckm::detail
