// SPDX-License-Identifier: Apache-2.0
// `schedulerctl cron next EXPR [--tz ZONE] [--from RFC3339] [--count N]` (DESIGN.md §4): the
// next fire instants of a cron expression, computed locally by libscheduler (no server needed).
// Bad input of any kind is one line on stderr naming the field, exit status 2, empty stdout.
#include "commands.hpp"

#include <scheduler/clock.hpp>
#include <scheduler/cron.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <optional>
#include <string_view>

namespace schedulerctl {

namespace {

constexpr char const* cron_usage =
    R"(usage: schedulerctl cron next EXPR [--tz ZONE] [--from RFC3339] [--count N]

Prints the next N fire instants of the cron expression EXPR strictly after --from, one per line,
as RFC 3339 UTC without fraction ("2026-03-29T01:00:00Z"). EXPR is one argument: quote it.

Options:
  --tz ZONE        IANA time zone the expression is evaluated in (default UTC), with cronie's
                   daylight-saving rules (see docs/cron.md)
  --from RFC3339   start instant, any offset, e.g. 2026-03-29T00:00:00+01:00 (default now)
  --count N        how many instants to print, 1-1000 (default 1)
  -h, --help       print this help

Exit status: 0 on success, 2 on invalid input (one line on stderr naming the field).
Example: schedulerctl cron next '0 9 * * MON-FRI' --tz Europe/Berlin --count 5
)";

constexpr int max_count = 1000;

/// One line on stderr, exit status 2 (bad input).
int bad_input(std::string_view field, std::string_view message) {
    std::cerr << "schedulerctl: " << field << ": " << message << '\n';
    return 2;
}

int bad_input(scheduler::status const& s) {
    return bad_input(s.field(), s.message());
}

struct next_options {
    std::optional<std::string> expr;
    std::string tz = "UTC";
    std::optional<std::string> from;
    std::string count = "1";
};

bool is_help_flag(std::string const& arg) {
    return arg == "--help" || arg == "-h";
}

/// Fills `out` from the arguments after "next"; returns an exit status on bad usage.
std::optional<int> parse_next_args(std::vector<std::string> const& args, next_options& out) {
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string const& arg = args[i];
        std::string name = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        std::string* target = name == "--tz"      ? &out.tz
                              : name == "--count" ? &out.count
                              : name == "--from"  ? &out.from.emplace()
                                                  : nullptr;
        if (target != nullptr) {
            if (!value) {
                if (i + 1 >= args.size()) return bad_input(name, "missing value");
                value = args[++i];
            }
            *target = *value;
        } else if (arg.size() > 1 && arg.front() == '-') {
            return bad_input("cron next", "unknown option '" + arg + "'");
        } else if (out.expr) {
            return bad_input("cron next", "unexpected argument '" + arg +
                                              "' (EXPR is one argument: quote the expression)");
        } else {
            out.expr = arg;
        }
    }
    if (!out.expr) return bad_input("cron next", "missing EXPR (try 'schedulerctl cron --help')");
    return std::nullopt;
}

std::optional<int> parse_count(std::string const& text) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size() || n < 1 || n > max_count)
        return std::nullopt;
    return n;
}

int run_next(std::vector<std::string> const& args) {
    next_options opts;
    if (auto exit_status = parse_next_args(args, opts)) return *exit_status;
    auto expr = scheduler::cron_expr::parse(*opts.expr);
    if (!expr) return bad_input(expr.error());
    auto zone = scheduler::locate_zone(opts.tz, "--tz");
    if (!zone) return bad_input(zone.error());
    scheduler::time_point from = scheduler::system_clock_source{}.now();
    if (opts.from) {
        auto parsed = scheduler::parse_rfc3339(*opts.from, "--from");
        if (!parsed) return bad_input(parsed.error());
        from = *parsed;
    }
    std::optional<int> const count = parse_count(opts.count);
    if (!count)
        return bad_input("--count", "'" + opts.count.substr(0, 32) + "' is not an integer in 1-" +
                                        std::to_string(max_count));
    std::string out;
    auto const fires = expr->fire_times(from, *zone);
    int printed = 0;
    for (auto it = fires.begin(); it != fires.end() && printed < *count; ++it, ++printed)
        out += scheduler::format_rfc3339(*it, false) + '\n';
    std::cout << out << std::flush;
    return 0;
}

}  // namespace

int run_cron(std::vector<std::string> const& args) {
    if (!args.empty() && (is_help_flag(args[0]) || args[0] == "help")) {
        std::cout << cron_usage;
        return 0;
    }
    if (args.empty())
        return bad_input("cron", "missing subcommand (try 'schedulerctl cron --help')");
    if (args[0] != "next")
        return bad_input("cron", "unknown subcommand '" + args[0] + "' (expected 'next')");
    if (std::any_of(args.begin() + 1, args.end(), is_help_flag)) {
        std::cout << cron_usage;
        return 0;
    }
    return run_next(args);
}

}  // namespace schedulerctl
