// SPDX-License-Identifier: Apache-2.0
// The key resource of /api/v1/cckm/{cloud}/keys (seeds/004): the CCKM envelope, the fields
// every cloud shares, and the cloud's own block (`aws_param` exactly as seeds/004 shows it;
// `<cloud>_param` with what the inventory holds for the others).
#pragma once

#include <cckm/cloud_key.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

namespace schedulerd::cckm_api {

/// One cloud as the API paths name it ("aws", "azure", "google", ...) and as libcckm names it
/// ("aws", "AzureCloud", "gcp", ...).
struct cloud_segment {
    std::string_view segment;
    std::string_view cloud;
};

/// The cloud of a path segment; nullopt for a segment that names none.
[[nodiscard]] std::optional<cloud_segment> cloud_of_segment(std::string_view segment) noexcept;

/// The API resource of one inventory key of the cloud `c`.
[[nodiscard]] boost::json::object key_resource(cckm::cloud_key const& key, cloud_segment c);

}  // namespace schedulerd::cckm_api
