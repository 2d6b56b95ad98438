// SPDX-License-Identifier: Apache-2.0
// Option parsing for schedulerctl's API commands: `--name value`, `--name=value`, boolean
// flags, `-o json`, positionals; unknown options are usage errors (exit status 2).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace schedulerctl {

/// One accepted option. `value` false: a flag (`--insecure`).
struct option_spec {
    std::string_view name;  ///< without dashes: "url"
    bool value = true;
};

/// The parsed command line of one subcommand.
struct parsed_args {
    std::vector<std::string> positional;
    std::map<std::string, std::string, std::less<>> values;  ///< last value of each option
    std::map<std::string, std::vector<std::string>, std::less<>> repeated;  ///< every value
    std::set<std::string, std::less<>> flags;
    bool help = false;

    [[nodiscard]] std::optional<std::string> get(std::string_view name) const {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
    /// Every value of an option given more than once ("--region a --region b"), in order.
    [[nodiscard]] std::vector<std::string> all(std::string_view name) const {
        auto it = repeated.find(name);
        return it == repeated.end() ? std::vector<std::string>{} : it->second;
    }
    [[nodiscard]] bool has(std::string_view name) const { return flags.contains(name); }
};

/// Options every API subcommand takes (connection and output).
[[nodiscard]] std::vector<option_spec> common_options();

/// Parses `args` against `specs` (plus -h/--help and -o as --output). On a usage error returns
/// nullopt and sets `error`.
[[nodiscard]] std::optional<parsed_args> parse_args(std::vector<std::string> const& args,
                                                    std::vector<option_spec> const& specs,
                                                    std::string& error);

}  // namespace schedulerctl
