// SPDX-License-Identifier: Apache-2.0
// schedulerctl's stored login: server URL, how to trust it, and the tokens. Kept in
// ~/.config/schedulerctl/config.json (or $SCHEDULERCTL_CONFIG), written with mode 0600 because
// it holds a refresh token.
#pragma once

#include "api_client.hpp"

#include <optional>
#include <string>

namespace schedulerctl {

/// The stored state of `schedulerctl login`.
struct ctl_config {
    connection_settings connection;
    std::string username;
    std::string token;          ///< the JWT (short-lived)
    std::string refresh_token;  ///< exchanged for a new JWT when the server answers 401
};

/// $SCHEDULERCTL_CONFIG, else $XDG_CONFIG_HOME/schedulerctl/config.json, else
/// $HOME/.config/schedulerctl/config.json.
[[nodiscard]] std::string config_path();

/// The stored config, or nullopt when there is none. Throws std::runtime_error when the file
/// exists but cannot be read or parsed.
[[nodiscard]] std::optional<ctl_config> load_config();

/// Writes the config atomically (temp file + rename), mode 0600, creating the directory (0700).
/// Throws std::runtime_error on failure.
void save_config(ctl_config const& c);

}  // namespace schedulerctl
