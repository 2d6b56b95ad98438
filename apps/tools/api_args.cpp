// SPDX-License-Identifier: Apache-2.0
#include "api_args.hpp"

#include <algorithm>

namespace schedulerctl {

std::vector<option_spec> common_options() {
    return {{"url"}, {"insecure", false}, {"cacert"}, {"output"}};
}

std::optional<parsed_args> parse_args(std::vector<std::string> const& args,
                                      std::vector<option_spec> const& specs,
                                      std::string& error) {
    parsed_args out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string const& arg = args[i];
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            continue;
        }
        if (arg == "--") {
            out.positional.insert(out.positional.end(), args.begin() + static_cast<long>(i) + 1,
                                  args.end());
            break;
        }
        std::string name;
        std::optional<std::string> inline_value;
        if (arg == "-o") {
            name = "output";
        } else if (arg.starts_with("--") && arg.size() > 2) {
            name = arg.substr(2);
            if (auto eq = name.find('='); eq != std::string::npos) {
                inline_value = name.substr(eq + 1);
                name.resize(eq);
            }
        } else if (arg.starts_with("-") && arg.size() > 1 && !(arg[1] >= '0' && arg[1] <= '9')) {
            error = "unknown option '" + arg + "'";
            return std::nullopt;
        } else {
            out.positional.push_back(arg);
            continue;
        }
        auto spec = std::find_if(specs.begin(), specs.end(),
                                 [&](option_spec const& s) { return s.name == name; });
        if (spec == specs.end()) {
            error = "unknown option '--" + name + "'";
            return std::nullopt;
        }
        if (!spec->value) {
            if (inline_value) {
                error = "option '--" + name + "' takes no value";
                return std::nullopt;
            }
            out.flags.insert(name);
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= args.size()) {
                error = "option '--" + name + "' needs a value";
                return std::nullopt;
            }
            inline_value = args[++i];
        }
        out.values[name] = *inline_value;
        out.repeated[name].push_back(*inline_value);
    }
    return out;
}

}  // namespace schedulerctl
