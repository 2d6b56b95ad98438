// SPDX-License-Identifier: Apache-2.0
// Private: the JSON shapes of the plugin calls (cckm/plugin_abi.h, docs/cckm.md "Plugins").
// Encoders build requests; decoders read a plugin's answers and throw std::invalid_argument
// naming the member on a wrong shape (plugin_loader.cpp turns that into `internal`). Decoders
// are lenient about absent optional members and strict about types: an absent "name" is "",
// a "name" that is a number is a broken plugin.
#pragma once

#include <cckm/cloud_provider.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cckm::detail {

[[nodiscard]] boost::json::object encode_spec(key_spec const& spec);
[[nodiscard]] boost::json::object encode_rotate(rotate_request const& request);
[[nodiscard]] boost::json::value encode_policy(std::optional<rotation_policy> const& policy);

/// A key; `cloud` is the plugin's cloud (whatever the plugin says). native_id is required.
[[nodiscard]] cloud_key decode_key(boost::json::object const& o, std::string const& cloud);
[[nodiscard]] key_page decode_page(boost::json::object const& o, std::string const& cloud);
[[nodiscard]] rotation_outcome decode_rotation(boost::json::object const& o,
                                               std::string const& cloud);
[[nodiscard]] std::vector<key_backup> decode_backups(boost::json::object const& o);
[[nodiscard]] xks_credential decode_xks(boost::json::object const& o);
[[nodiscard]] std::vector<custom_key_store> decode_key_stores(boost::json::object const& o);

}  // namespace cckm::detail
