// SPDX-License-Identifier: Apache-2.0
#include <cckm/cloud_key.hpp>

#include <array>
#include <string>

namespace cckm {

namespace {
constexpr std::array<std::string_view, 5> state_names = {"enabled", "disabled", "pending_deletion",
                                                         "archived", "deleted"};
}  // namespace

std::string_view to_string(key_state s) noexcept {
    return state_names[static_cast<std::size_t>(s)];
}

scheduler::result<key_state> parse_key_state(std::string_view s, std::string_view field) {
    for (std::size_t i = 0; i < state_names.size(); ++i)
        if (state_names[i] == s) return static_cast<key_state>(i);
    return scheduler::invalid_argument(std::string(field),
                                       "unknown key state '" + std::string(s) + "'");
}

}  // namespace cckm
