// SPDX-License-Identifier: Apache-2.0
// Placeholder until the API subcommands land (issue 4); replaced by the server work.
#include "commands.hpp"

#include <iostream>

namespace schedulerctl {

int run_api(std::string const& command, std::vector<std::string> const&) {
    std::cerr << "schedulerctl: unknown command '" << command << "' (see --help)\n";
    return 2;
}

}  // namespace schedulerctl
