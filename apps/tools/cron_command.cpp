// SPDX-License-Identifier: Apache-2.0
// Placeholder: replaced by the cron work.
#include "commands.hpp"

#include <iostream>

namespace schedulerctl {

int run_cron(std::vector<std::string> const&) {
    std::cerr << "schedulerctl: cron: not built yet\n";
    return 2;
}

}  // namespace schedulerctl
