// SPDX-License-Identifier: Apache-2.0
// schedulerctl: command-line tool for the scheduler library and the schedulerd REST API.
#include "commands.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr char const* usage = R"(usage: schedulerctl <command> [args]

Commands:
  cron next EXPR [--tz ZONE] [--from RFC3339] [--count N]
                     print the next N fire instants of a cron expression (UTC, RFC 3339)
  login              obtain a token from schedulerd and store it for later commands
  configs list|get|create|patch|delete|run-now|next-runs
                     manage job configurations
  jobs list|get|delete
                     inspect job runs
  aws-kms add|list|get|delete
                     manage AWS connections (accounts, regions, credentials)

Run 'schedulerctl <command> --help' for the options of a command.
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? std::cerr : std::cout) << usage;
        return args.empty() ? 2 : 0;
    }
    std::string const command = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "cron") return schedulerctl::run_cron(rest);
        return schedulerctl::run_api(command, rest);
    } catch (std::exception const& e) {
        std::cerr << "schedulerctl: " << e.what() << '\n';
        return 1;
    }
}
