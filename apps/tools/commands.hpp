// SPDX-License-Identifier: Apache-2.0
// Subcommands of schedulerctl. Each returns the process exit status: 0 success, 1 a failure
// reported by the server or the system, 2 bad usage or bad input.
#pragma once

#include <string>
#include <vector>

namespace schedulerctl {

/// `schedulerctl cron next EXPR [--tz ZONE] [--from RFC3339] [--count N]` (DESIGN.md §4).
int run_cron(std::vector<std::string> const& args);

/// API subcommands: login, configs ..., jobs ... (talks to schedulerd).
int run_api(std::string const& command, std::vector<std::string> const& args);

}  // namespace schedulerctl
