// SPDX-License-Identifier: Apache-2.0
// End-to-end: the built `schedulerctl cron next` (DESIGN.md §4). Success prints the instants on
// stdout, exit 0, nothing on stderr; every kind of bad input prints exactly one line on stderr
// naming the field, exit 2, nothing on stdout.
#include "support/catch.hpp"

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct run_result {
    int exit_status = -1;
    std::string out;
    std::string err;
};

/// Runs schedulerctl with `args` (no shell), capturing stdout and stderr separately.
run_result run_ctl(std::vector<std::string> const& args) {
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    if (pipe(out_pipe.data()) != 0 || pipe(err_pipe.data()) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
        posix_spawn_file_actions_addclose(&actions, fd);
    std::vector<std::string> argv_storage{SCHEDULERCTL_PATH};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int const rc = posix_spawn(&pid, SCHEDULERCTL_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    run_result r;
    std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
    std::array<std::string*, 2> sinks{&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds.data(), fds.size(), 10000) <= 0) throw std::runtime_error("schedulerctl hung");
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            std::array<char, 4096> buf{};
            ssize_t const n = read(fds[i].fd, buf.data(), buf.size());
            if (n > 0) {
                sinks[i]->append(buf.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::size_t count_lines(std::string const& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n' ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("schedulerctl cron next prints instants in UTC", "[e2e][cron]") {
    struct row {
        std::vector<std::string> args;
        std::string expected;
    };
    std::vector<row> const rows = {
        {{"cron", "next", "*/5 * * * *", "--from", "2026-01-01T00:00:00Z"},
         "2026-01-01T00:05:00Z\n"},
        {{"cron", "next", "*/5 * * * *", "--from", "2026-01-01T00:00:00+01:00", "--count", "3"},
         "2025-12-31T23:05:00Z\n2025-12-31T23:10:00Z\n2025-12-31T23:15:00Z\n"},
        // the DST gap: a fixed-time job fires once at 03:00 CEST
        {{"cron", "next", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T12:00:00.5Z",
          "--count", "2"},
         "2026-03-29T01:00:00Z\n2026-03-30T00:30:00Z\n"},
        {{"cron", "next", "0 0 29 2 *", "--from=2026-01-01T00:00:00Z", "--count=2"},
         "2028-02-29T00:00:00Z\n2032-02-29T00:00:00Z\n"},
        {{"cron", "next", "@daily", "--tz=Asia/Kolkata", "--from", "2026-01-01T00:00:00Z"},
         "2026-01-01T18:30:00Z\n"},
        {{"cron", "next", "--from", "2026-01-01T00:00:00Z", "0 9 * * MON"},
         "2026-01-05T09:00:00Z\n"},
    };
    for (auto const& r : rows) {
        std::string joined;
        for (auto const& a : r.args) joined += " '" + a + "'";
        INFO("schedulerctl" << joined);
        run_result const got = run_ctl(r.args);
        CHECK(got.exit_status == 0);
        CHECK(got.out == r.expected);
        CHECK(got.err.empty());
    }
}

TEST_CASE("schedulerctl cron next --count 1000 and the default of now", "[e2e][cron]") {
    auto const many = run_ctl({"cron", "next", "* * * * *", "--count", "1000"});
    CHECK(many.exit_status == 0);
    CHECK(count_lines(many.out) == 1000);
    auto const one = run_ctl({"cron", "next", "* * * * *"});
    CHECK(one.exit_status == 0);
    REQUIRE(count_lines(one.out) == 1);
    auto const t = scheduler::parse_rfc3339(one.out.substr(0, one.out.size() - 1));
    REQUIRE(t);
    auto const now = std::chrono::system_clock::now();
    CHECK(*t > now - std::chrono::minutes(1));
    CHECK(*t <= now + std::chrono::minutes(2));
}

TEST_CASE("schedulerctl cron next refuses bad input with one line naming the field",
          "[e2e][cron]") {
    struct row {
        std::vector<std::string> args;
        std::string expected_err;
    };
    std::vector<row> const rows = {
        {{"cron", "next", "0 0 32 * *"},
         "schedulerctl: run_at: day-of-month: '32' is out of range 1-31\n"},
        {{"cron", "next", "0 0 * *"},
         "schedulerctl: run_at: expected 5 or 6 fields (or a macro such as @daily), got 4\n"},
        {{"cron", "next", "0 0 30 2 *"},
         "schedulerctl: run_at: day-of-month '30' and day-of-week '*' match no day of month "
         "'2': the expression can never fire\n"},
        {{"cron", "next", "0 0 * * *", "--tz", "Mars/Base"},
         "schedulerctl: --tz: unknown time zone 'Mars/Base'\n"},
        {{"cron", "next", "0 0 * * *", "--from", "yesterday"},
         "schedulerctl: --from: 'yesterday' is not an RFC 3339 time\n"},
        {{"cron", "next", "0 0 * * *", "--count", "0"},
         "schedulerctl: --count: '0' is not an integer in 1-1000\n"},
        {{"cron", "next", "0 0 * * *", "--count", "1001"},
         "schedulerctl: --count: '1001' is not an integer in 1-1000\n"},
        {{"cron", "next", "0 0 * * *", "--count", "5x"},
         "schedulerctl: --count: '5x' is not an integer in 1-1000\n"},
        {{"cron", "next", "0 0 * * *", "--tz"}, "schedulerctl: --tz: missing value\n"},
        {{"cron", "next", "0 0 * * *", "--bogus"},
         "schedulerctl: cron next: unknown option '--bogus'\n"},
        {{"cron", "next"},
         "schedulerctl: cron next: missing EXPR (try 'schedulerctl cron --help')\n"},
        {{"cron", "next", "0", "0", "*", "*", "*"},
         "schedulerctl: cron next: unexpected argument '0' (EXPR is one argument: quote the "
         "expression)\n"},
        {{"cron"}, "schedulerctl: cron: missing subcommand (try 'schedulerctl cron --help')\n"},
        {{"cron", "list"}, "schedulerctl: cron: unknown subcommand 'list' (expected 'next')\n"},
    };
    for (auto const& r : rows) {
        std::string joined;
        for (auto const& a : r.args) joined += " '" + a + "'";
        INFO("schedulerctl" << joined);
        run_result const got = run_ctl(r.args);
        CHECK(got.exit_status == 2);
        CHECK(got.out.empty());
        CHECK(got.err == r.expected_err);
        CHECK(count_lines(got.err) == 1);
    }
}

TEST_CASE("schedulerctl cron next --help prints usage on stdout", "[e2e][cron]") {
    for (auto const& args : std::vector<std::vector<std::string>>{
             {"cron", "next", "--help"}, {"cron", "--help"}, {"cron", "next", "-h"}}) {
        run_result const got = run_ctl(args);
        CHECK(got.exit_status == 0);
        CHECK_THAT(got.out, Catch::StartsWith("usage: schedulerctl cron next EXPR"));
        CHECK_THAT(got.out, Catch::Contains("--count N"));
        CHECK(got.err.empty());
    }
}
