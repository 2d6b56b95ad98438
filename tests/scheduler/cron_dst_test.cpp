// SPDX-License-Identifier: Apache-2.0
// cron_expr on DST nights and odd offsets, with cronie's rules (DESIGN.md §4): a fixed-time job
// whose wall time falls in a gap fires once at the first instant after the gap (several missing
// times collapse into it), and once, at the first occurrence, in an overlap; a wildcard job
// skips missing wall times and fires in both passes of an overlap. All instants are explicit.
#include <scheduler/cron.hpp>

#include "support/catch.hpp"

#include <string>
#include <vector>

using scheduler::cron_expr;
using scheduler::format_rfc3339;
using scheduler::parse_rfc3339;
using scheduler::time_point;

namespace {

struct row {
    char const* expr;
    char const* zone;
    char const* from;
    std::vector<std::string> expected;  // the next fires, UTC
};

std::vector<std::string> next_n(row const& r) {
    auto expr = cron_expr::parse(r.expr).value();
    auto zone = scheduler::locate_zone(r.zone).value();
    std::vector<std::string> out;
    for (auto t : expr.fire_times(parse_rfc3339(r.from).value(), zone)) {
        out.push_back(format_rfc3339(t, false));
        if (out.size() == r.expected.size()) break;
    }
    return out;
}

void check_rows(std::vector<row> const& rows) {
    for (auto const& r : rows) {
        INFO(r.expr << " in " << r.zone << " after " << r.from);
        CHECK(next_n(r) == r.expected);
    }
}

}  // namespace

// Europe/Berlin 2026-03-29: 02:00 CET (01:00Z) jumps to 03:00 CEST; 02:xx does not exist.
TEST_CASE("cron Berlin spring forward", "[cron][dst]") {
    check_rows({
        // fixed-time in the gap: once, at 03:00 CEST, the first instant after the gap
        {"30 2 * * *",
         "Europe/Berlin",
         "2026-03-28T12:00:00Z",
         {"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
        // several missing times collapse into that one fire
        {"0,15,30,45 2 * * *",
         "Europe/Berlin",
         "2026-03-29T00:00:00Z",
         {"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"}},
        // ... and coincide with a 03:00 fire rather than doubling it
        {"0,30 2,3 * * *",
         "Europe/Berlin",
         "2026-03-29T00:30:00Z",
         {"2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:00:00Z"}},
        // the search may start exactly at the transition (the gap fires at that instant)
        {"30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59.999999Z", {"2026-03-29T01:00:00Z"}},
        {"30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", {"2026-03-30T00:30:00Z"}},
        // 6 fields: missing seconds collapse too
        {"*/10 30 2 * * *",
         "Europe/Berlin",
         "2026-03-28T23:00:00Z",
         {"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
        // fixed-time outside the gap: nothing special
        {"30 1 * * *",
         "Europe/Berlin",
         "2026-03-28T12:00:00Z",
         {"2026-03-29T00:30:00Z", "2026-03-29T23:30:00Z"}},
        // wildcard: the missing minutes are skipped
        {"15 * * * *",
         "Europe/Berlin",
         "2026-03-29T00:00:00Z",
         {"2026-03-29T00:15:00Z", "2026-03-29T01:15:00Z"}},
        {"*/30 * * * *",
         "Europe/Berlin",
         "2026-03-29T00:00:00Z",
         {"2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"}},
        {"* 2 * * *", "Europe/Berlin", "2026-03-28T23:00:00Z", {"2026-03-30T00:00:00Z"}},
    });
}

// Europe/Berlin 2026-10-25: 03:00 CEST (01:00Z) falls back to 02:00 CET; 02:xx happens twice.
TEST_CASE("cron Berlin fall back", "[cron][dst]") {
    check_rows({
        // fixed-time: once, at the first occurrence
        {"30 2 * * *",
         "Europe/Berlin",
         "2026-10-24T12:00:00Z",
         {"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
        {"30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", {"2026-10-26T01:30:00Z"}},
        // starting inside the second pass: the repeated wall time already fired
        {"30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", {"2026-10-26T01:30:00Z"}},
        {"0-59/20 2 * * *",
         "Europe/Berlin",
         "2026-10-24T23:50:00Z",
         {"2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z",
          "2026-10-26T01:00:00Z"}},
        // wildcard: every real instant whose wall time matches, in both passes
        {"30 * * * *",
         "Europe/Berlin",
         "2026-10-24T23:45:00Z",
         {"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00Z"}},
        {"*/30 2 * * *",
         "Europe/Berlin",
         "2026-10-24T23:45:00Z",
         {"2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z",
          "2026-10-25T01:30:00Z", "2026-10-26T01:00:00Z"}},
        {"30 * * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", {"2026-10-25T01:30:00Z"}},
        {"30 * * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", {"2026-10-25T01:30:00Z"}},
    });
}

// America/New_York 2026-03-08: 02:00 EST (07:00Z) -> 03:00 EDT; 2026-11-01: 02:00 EDT (06:00Z)
// -> 01:00 EST, so 01:xx happens twice.
TEST_CASE("cron New York DST nights", "[cron][dst]") {
    check_rows({
        {"30 2 * * *",
         "America/New_York",
         "2026-03-07T00:00:00Z",
         {"2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
        {"30 * * * *",
         "America/New_York",
         "2026-03-08T06:00:00Z",
         {"2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"}},
        {"30 1 * * *",
         "America/New_York",
         "2026-10-31T12:00:00Z",
         {"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
        {"30 * * * *",
         "America/New_York",
         "2026-11-01T05:00:00Z",
         {"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"}},
        {"0 9 * * MON-FRI",
         "America/New_York",
         "2026-03-06T15:00:00Z",
         {"2026-03-09T13:00:00Z", "2026-03-10T13:00:00Z"}},
    });
}

// Australia/Lord_Howe shifts by 30 minutes. 2026-04-05: 02:00 (+11, 15:00Z) -> 01:30 (+10:30),
// 01:30-01:59 twice. 2026-10-04: 02:00 (+10:30, 15:30Z) -> 02:30 (+11), 02:00-02:29 missing.
TEST_CASE("cron Lord Howe half-hour DST", "[cron][dst]") {
    check_rows({
        {"45 1 * * *",
         "Australia/Lord_Howe",
         "2026-04-04T00:00:00Z",
         {"2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},
        {"45 * * * *",
         "Australia/Lord_Howe",
         "2026-04-04T14:00:00Z",
         {"2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-04T16:15:00Z"}},
        {"15 2 * * *",
         "Australia/Lord_Howe",
         "2026-10-03T00:00:00Z",
         {"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
        {"0,10,20 2 * * *",
         "Australia/Lord_Howe",
         "2026-10-03T00:00:00Z",
         {"2026-10-03T15:30:00Z", "2026-10-04T15:00:00Z"}},
        {"*/10 2 * * *",
         "Australia/Lord_Howe",
         "2026-10-03T15:00:00Z",
         {"2026-10-03T15:30:00Z", "2026-10-03T15:40:00Z", "2026-10-03T15:50:00Z",
          "2026-10-04T15:00:00Z"}},
    });
}

// Odd offsets: Asia/Kolkata +05:30 (no DST); Pacific/Chatham +12:45/+13:45, whose DST starts
// 2026-09-27 02:45 -> 03:45 (14:00Z) and ends 2026-04-05 03:45 -> 02:45 (14:00Z).
TEST_CASE("cron odd offsets: Kolkata and Chatham", "[cron][dst]") {
    check_rows({
        {"0 9 * * *",
         "Asia/Kolkata",
         "2026-01-01T00:00:00Z",
         {"2026-01-01T03:30:00Z", "2026-01-02T03:30:00Z"}},
        {"30 2 * * *",
         "Asia/Kolkata",
         "2026-01-01T00:00:00Z",
         {"2026-01-01T21:00:00Z", "2026-01-02T21:00:00Z"}},
        {"0 9 * * *",
         "Pacific/Chatham",
         "2026-01-01T00:00:00Z",
         {"2026-01-01T19:15:00Z", "2026-01-02T19:15:00Z"}},
        {"0 3 * * *",
         "Pacific/Chatham",
         "2026-09-26T00:00:00Z",
         {"2026-09-26T14:00:00Z", "2026-09-27T13:15:00Z"}},
        {"0 3 * * *",
         "Pacific/Chatham",
         "2026-04-04T00:00:00Z",
         {"2026-04-04T13:15:00Z", "2026-04-05T14:15:00Z"}},
        {"0 * * * *",
         "Pacific/Chatham",
         "2026-04-04T13:00:00Z",
         {"2026-04-04T13:15:00Z", "2026-04-04T14:15:00Z", "2026-04-04T15:15:00Z"}},
        {"*/30 3 * * *",
         "Pacific/Chatham",
         "2026-04-04T13:00:00Z",
         {"2026-04-04T13:15:00Z", "2026-04-04T13:45:00Z", "2026-04-04T14:15:00Z",
          "2026-04-04T14:45:00Z", "2026-04-05T14:15:00Z"}},
    });
}

// Pacific/Apia skipped 2011-12-30 entirely (-10 -> +14 at 10:00Z).
TEST_CASE("cron a skipped day", "[cron][dst]") {
    check_rows({
        {"0 12 * * *",
         "Pacific/Apia",
         "2011-12-29T12:00:00Z",
         {"2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z"}},
        {"0 */12 * * *",
         "Pacific/Apia",
         "2011-12-29T12:00:00Z",
         {"2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z"}},
        {"0 12 30 12 *",
         "Pacific/Apia",
         "2011-12-01T00:00:00Z",
         {"2011-12-30T10:00:00Z", "2012-12-29T22:00:00Z"}},
    });
}
