// SPDX-License-Identifier: Apache-2.0
// cron_expr: parsing (every error class, names, macros, steps, extensions) and evaluation in UTC
// over explicit instants. DST nights are in cron_dst_test.cpp; the randomized cross-check against
// a brute-force evaluator is in cron_reference_test.cpp.
#include <scheduler/cron.hpp>

#include "support/catch.hpp"

#include <initializer_list>
#include <string>
#include <vector>

#if !defined(__clang__) || __clang_major__ >= 15
#include <ranges>
#define SCHEDULER_TEST_HAS_RANGES 1  // clang 14 cannot compile libstdc++ 12's <ranges>
#endif

using scheduler::cron_expr;
using scheduler::format_rfc3339;
using scheduler::parse_rfc3339;
using scheduler::time_point;

namespace {

time_point at(char const* rfc3339) {
    return parse_rfc3339(rfc3339).value();
}

/// The next `n` fire instants after `from` in UTC (null zone), formatted without fraction.
std::vector<std::string> next_n(std::string const& expr, char const* from, int n) {
    auto parsed = cron_expr::parse(expr);
    INFO(expr << ": " << (parsed ? std::string("ok") : parsed.error().to_string()));
    REQUIRE(parsed);
    std::vector<std::string> out;
    time_point t = at(from);
    for (int i = 0; i < n; ++i) {
        auto next = parsed->next_after(t, nullptr);
        if (!next) break;
        out.push_back(format_rfc3339(*next, false));
        t = *next;
    }
    return out;
}

std::uint64_t bits(std::initializer_list<int> values) {
    std::uint64_t b = 0;
    for (int v : values) b |= std::uint64_t{1} << v;
    return b;
}

std::uint64_t bit_range(int lo, int hi) {
    std::uint64_t b = 0;
    for (int v = lo; v <= hi; ++v) b |= std::uint64_t{1} << v;
    return b;
}

}  // namespace

TEST_CASE("cron parse errors name the cron field and the token", "[cron]") {
    struct row {
        char const* expr;
        char const* message_part;
    };
    row const rows[] = {
        // wrong field count
        {"", "expected 5 or 6 fields"},
        {"* * * *", "got 4"},
        {"* * * * * * *", "got 7"},
        {"0 0 1 * * extra junk", "got 7"},
        // reversed ranges
        {"30-10 * * * *", "minute: range '30-10' is reversed"},
        {"0 20-4 * * *", "hour: range '20-4' is reversed"},
        {"0 0 * DEC-JAN *", "month: range 'DEC-JAN' is reversed"},
        {"0 0 * * FRI-MON", "day-of-week: range 'FRI-MON' is reversed"},
        // step 0, bad or missing steps
        {"*/0 * * * *", "minute: step '0' in '*/0' must be at least 1"},
        {"0 0 1-10/0 * *", "day-of-month: step '0'"},
        {"*/61 * * * *", "minute: '61' is out of range 1-60"},
        {"*/ * * * *", "minute: missing step in '*/'"},
        {"*/x * * * *", "minute: step 'x' in '*/x' is not a number"},
        // empty list items
        {"1,,2 * * * *", "minute: empty list item in '1,,2'"},
        {"0 1, * * *", "hour: empty list item in '1,'"},
        {"0 0 ,1 * *", "day-of-month: empty list item in ',1'"},
        // out of range
        {"60 * * * *", "minute: '60' is out of range 0-59"},
        {"0 24 * * *", "hour: '24' is out of range 0-23"},
        {"0 0 0 * *", "day-of-month: '0' is out of range 1-31"},
        {"0 0 32 * *", "day-of-month: '32' is out of range 1-31"},
        {"0 0 * 0 *", "month: '0' is out of range 1-12"},
        {"0 0 * 13 *", "month: '13' is out of range 1-12"},
        {"0 0 * * 8", "day-of-week: '8' is out of range 0-7"},
        {"60 0 0 * * *", "second: '60' is out of range 0-59"},
        {"0 0 1-99999999999 * *", "day-of-month: '99999999999' is out of range 1-31"},
        // junk
        {"x * * * *", "minute: 'x' is not a valid value"},
        {"0 0 MON * *", "day-of-month: 'MON' is not a valid value"},
        {"0 0 * JANUARY *", "month: 'JANUARY' is not a valid value"},
        {"0 0 * * MON!", "day-of-week: 'MON!' is not a valid value"},
        {"0 0 * * ALL", "day-of-week: 'ALL' is not a valid value"},
        {"0 0 * * 5W", "day-of-week: '5W' is not a valid value"},
        {"0 0 LAST * *", "day-of-month: 'LAST' is not a valid value"},
        {"0 0 1- * *", "day-of-month: missing value in '1-'"},
        {"-5 * * * *", "minute: missing value in '-5'"},
        {"1-2-3 * * * *", "minute: '2-3' is not a valid value"},
        {"0 0 * JAN *-", "day-of-week: '*' is not a valid value"},
        // `L` alone in day-of-week
        {"0 0 * * L", "day-of-week: 'L' alone is not allowed"},
        {"0 0 * * l", "day-of-week: 'L' alone is not allowed"},
        // W, L, # in lists or ranges
        {"0 0 L,1 * *", "day-of-month: 'L' must stand alone"},
        {"0 0 1,15W * *", "day-of-month: '15W' must stand alone"},
        {"0 0 1-LW * *", "day-of-month: '1-LW' must stand alone"},
        {"0 0 1-5W * *", "day-of-month: '1-5W' must stand alone"},
        {"0 0 1W/2 * *", "day-of-month: '1W/2' must stand alone"},
        {"0 0 * * 1#2,3", "day-of-week: '1#2' must stand alone"},
        {"0 0 * * 1,5L", "day-of-week: '5L' must stand alone"},
        {"0 0 * * 1-5L", "day-of-week: '1-5L' must stand alone"},
        {"0 0 * * 5L/2", "day-of-week: '5L/2' must stand alone"},
        {"0 0 * * L-2", "day-of-week: 'L-2' must stand alone"},
        // extension values
        {"0 0 32W * *", "day-of-month: '32' is out of range 1-31"},
        {"0 0 0W * *", "day-of-month: '0' is out of range 1-31"},
        {"0 0 * * 1#0", "day-of-week: occurrence '0' in '1#0' is out of range 1-5"},
        {"0 0 * * 1#6", "day-of-week: occurrence '6' in '1#6' is out of range 1-5"},
        {"0 0 * * 1#", "day-of-week: occurrence '' in '1#' is out of range 1-5"},
        {"0 0 * * 8#1", "day-of-week: '8' is out of range 0-7"},
        {"0 0 * * 9L", "day-of-week: '9' is out of range 0-7"},
        {"0 0 * * #2", "day-of-week: '#2' is not a valid value"},
        // macros
        {"@reboot", "unknown macro '@reboot'"},
        {"@daily 5", "unknown macro '@daily 5'"},
        {"@", "unknown macro '@'"},
        // never fires
        {"0 0 30 2 *", "day-of-month '30' and day-of-week '*' match no day of month '2'"},
        {"0 0 31 4,6,9,11 *", "can never fire"},
        {"0 0 31 APR-JUN/2 *", "can never fire"},
        {"0 0 31W 2 *", "day-of-month '31W'"},
        {"0 0 30W FEB *", "can never fire"},
        {"0 0 31 2,4 ?", "can never fire"},
        {"0 0 30,31 2 */2", "can never fire"},
    };
    for (auto const& r : rows) {
        auto parsed = cron_expr::parse(r.expr);
        INFO("expression: '" << r.expr << "'");
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().error_code() == scheduler::code::invalid_argument);
        CHECK(parsed.error().field() == "run_at");
        CHECK_THAT(parsed.error().message(), Catch::Contains(r.message_part));
    }
}

TEST_CASE("cron parse accepts lists, ranges, steps, names and '?'", "[cron]") {
    auto f = [](char const* expr) {
        auto parsed = cron_expr::parse(expr);
        INFO(expr << ": " << (parsed ? std::string("ok") : parsed.error().to_string()));
        REQUIRE(parsed);
        return parsed->parsed();
    };
    CHECK(f("*/15 * * * *").minutes == bits({0, 15, 30, 45}));
    CHECK(f("5/20 * * * *").minutes == bits({5, 25, 45}));
    CHECK(f("10-20/5 * * * *").minutes == bits({10, 15, 20}));
    CHECK(f("1,3,5-7 * * * *").minutes == bits({1, 3, 5, 6, 7}));
    CHECK(f("0 */6 * * *").hours == bits({0, 6, 12, 18}));
    CHECK(f("0 22/1 * * *").hours == bits({22, 23}));
    CHECK(f("0 0 */10 * *").days_of_month == bits({1, 11, 21, 31}));
    CHECK(f("0 0 * * *").days_of_month == bit_range(1, 31));
    CHECK(f("0 0 * jan-MAR,Dec *").months == bits({1, 2, 3, 12}));
    CHECK(f("0 0 * */4 *").months == bits({1, 5, 9}));
    CHECK(f("0 0 * * mon-FRI").days_of_week == bit_range(1, 5));
    CHECK(f("0 0 * * SAT-SUN").days_of_week == bits({0, 6}));
    CHECK(f("0 0 * * 7").days_of_week == bits({0}));
    CHECK(f("0 0 * * 0").days_of_week == bits({0}));
    CHECK(f("0 0 * * 5-7").days_of_week == bits({0, 5, 6}));
    CHECK(f("0 0 * * */2").days_of_week == bits({0, 2, 4, 6}));
    CHECK(f("0 0 * * 1/2").days_of_week == bits({1, 3, 5}));
    CHECK(f("0 0 * * SUN,sat").days_of_week == bits({0, 6}));
    CHECK(f("0 0 * * *").days_of_week == bit_range(0, 6));
    CHECK(f("*/10 * * * * *").seconds == bits({0, 10, 20, 30, 40, 50}));
    CHECK(f("* * * * *").seconds == bits({0}));
    CHECK(f("  0\t0  * * *  ").hours == bits({0}));
    // '?' is '*'
    CHECK(f("0 0 ? * MON").days_of_month == bit_range(1, 31));
    CHECK(f("? ? ? ? ?") == f("* * * * *"));
}

TEST_CASE("cron day fields: restricted unless they start with '*' or '?'", "[cron]") {
    struct row {
        char const* expr;
        bool dom_restricted;
        bool dow_restricted;
    };
    row const rows[] = {
        {"0 0 * * *", false, false},   {"0 0 ? * ?", false, false},   {"0 0 */2 * *", false, false},
        {"0 0 1-31 * *", true, false}, {"0 0 * * 0-7", false, true},  {"0 0 L * *", true, false},
        {"0 0 * * 5L", false, true},   {"0 0 15W * 1#2", true, true}, {"0 0 *,1 * *", false, false},
        {"0 0 1,* * *", true, false},
    };
    for (auto const& r : rows) {
        INFO(r.expr);
        auto f = cron_expr::parse(r.expr).value().parsed();
        CHECK(f.dom_restricted == r.dom_restricted);
        CHECK(f.dow_restricted == r.dow_restricted);
    }
}

TEST_CASE("cron wildcard jobs: minute or hour field starts with '*'", "[cron]") {
    struct row {
        char const* expr;
        bool wildcard;
    };
    row const rows[] = {
        {"* 2 * * *", true},   {"0 * * * *", true},    {"*/5 1 * * *", true},
        {"0 */2 * * *", true}, {"0 2 * * *", false},   {"0-59 0-23 * * *", false},
        {"30 2 * * *", false}, {"* 0 2 * * *", false}, {"0 * 2 * * *", true},
        {"0 0 * * * *", true}, {"@hourly", true},      {"@daily", false},
        {"? 2 * * *", true},   {"1,* 2 * * *", false},
    };
    for (auto const& r : rows) {
        INFO(r.expr);
        CHECK(cron_expr::parse(r.expr).value().is_wildcard() == r.wildcard);
    }
}

TEST_CASE("cron macros expand, in any case", "[cron]") {
    struct row {
        char const* macro;
        char const* expansion;
    };
    row const rows[] = {
        {"@yearly", "0 0 1 1 *"}, {"@ANNUALLY", "0 0 1 1 *"}, {"@Monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}, {" @daily ", "0 0 * * *"},
    };
    for (auto const& r : rows) {
        INFO(r.macro);
        auto m = cron_expr::parse(r.macro).value();
        CHECK(m.parsed() == cron_expr::parse(r.expansion).value().parsed());
        CHECK(m.text() == r.macro);
    }
    CHECK(next_n("@weekly", "2026-01-01T00:00:00Z", 2) ==
          std::vector<std::string>{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"});
}

TEST_CASE("cron next_after in UTC", "[cron]") {
    struct row {
        char const* expr;
        char const* from;
        std::vector<std::string> expected;
    };
    std::vector<row> const rows = {
        // strictly after; fractions of a second
        {"*/5 * * * *", "2026-01-01T00:00:00Z", {"2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z"}},
        {"*/5 * * * *", "2026-01-01T00:04:59.999999Z", {"2026-01-01T00:05:00Z"}},
        {"*/5 * * * *", "2026-12-31T23:57:00Z", {"2027-01-01T00:00:00Z"}},
        {"0 0 * * MON-FRI",
         "2026-01-02T00:00:00Z",  // a Friday
         {"2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"}},
        {"0 9 * * SAT-SUN",
         "2026-01-01T00:00:00Z",
         {"2026-01-03T09:00:00Z", "2026-01-04T09:00:00Z", "2026-01-10T09:00:00Z"}},
        {"15 10 * * 7", "2026-01-01T00:00:00Z", {"2026-01-04T10:15:00Z"}},
        {"0 12 * JUN *", "2026-07-01T00:00:00Z", {"2027-06-01T12:00:00Z", "2027-06-02T12:00:00Z"}},
        {"0 0 1 */3 *", "2026-02-15T00:00:00Z", {"2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"}},
        {"@yearly", "2026-06-01T00:00:00Z", {"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
        // leap days
        {"0 0 29 2 *", "2026-01-01T00:00:00Z", {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
        {"0 0 29 2 *", "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00Z"}},
        {"0 0 29 2 *", "2399-03-01T00:00:00Z", {"2400-02-29T00:00:00Z"}},
        {"0 0 L 2 *", "2027-01-01T00:00:00Z", {"2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z"}},
        // L: last day
        {"0 0 L * *",
         "2026-01-31T00:00:00Z",
         {"2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"}},
        // LW: last weekday (Jan 31 2026 a Saturday, May 31 a Sunday)
        {"0 0 LW * *",
         "2026-01-01T00:00:00Z",
         {"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-31T00:00:00Z",
          "2026-04-30T00:00:00Z", "2026-05-29T00:00:00Z"}},
        // nW: Feb 1 and Mar 1 2026 are Sundays, Aug 1 a Saturday (-> Monday 3rd, never July)
        {"0 0 1W * *",
         "2026-01-31T00:00:00Z",
         {"2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z"}},
        {"0 0 1W 8 *", "2026-01-01T00:00:00Z", {"2026-08-03T00:00:00Z"}},
        // Aug 15 2026 a Saturday -> Friday 14th; Nov 15 a Sunday -> Monday 16th
        {"0 0 15W 8,11 *",
         "2026-01-01T00:00:00Z",
         {"2026-08-14T00:00:00Z", "2026-11-16T00:00:00Z"}},
        // 31W: May 31 2026 a Sunday -> Friday 29th (never leaves the month); April has no 31st
        {"0 0 31W 4,5 *", "2026-01-01T00:00:00Z", {"2026-05-29T00:00:00Z", "2027-05-31T00:00:00Z"}},
        // 30W: Feb never; Nov 30 2026 a Monday; May 30 2026 a Saturday -> Friday 29th
        {"0 0 30W 2,5,11 *",
         "2026-01-01T00:00:00Z",
         {"2026-05-29T00:00:00Z", "2026-11-30T00:00:00Z", "2027-05-31T00:00:00Z"}},
        // nL: last Friday; last Sunday by number 7 and by name
        {"0 0 * * 5L",
         "2026-01-01T00:00:00Z",
         {"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-27T00:00:00Z"}},
        {"0 0 * * 7L", "2026-01-01T00:00:00Z", {"2026-01-25T00:00:00Z", "2026-02-22T00:00:00Z"}},
        {"0 0 * * sunL", "2026-01-01T00:00:00Z", {"2026-01-25T00:00:00Z"}},
        // n#k: first Monday; 5th Friday where it exists (skipped elsewhere)
        {"0 0 * * MON#1", "2026-01-01T00:00:00Z", {"2026-01-05T00:00:00Z", "2026-02-02T00:00:00Z"}},
        {"0 0 * * 5#5",
         "2026-01-01T00:00:00Z",
         {"2026-01-30T00:00:00Z", "2026-05-29T00:00:00Z", "2026-07-31T00:00:00Z",
          "2026-10-30T00:00:00Z"}},
        {"0 0 ? 2 1#5", "2026-01-01T00:00:00Z", {"2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z"}},
        // day rule: both restricted -> either matches (the 13th or a Monday)
        {"0 0 13 * MON",
         "2026-04-01T00:00:00Z",
         {"2026-04-06T00:00:00Z", "2026-04-13T00:00:00Z", "2026-04-20T00:00:00Z",
          "2026-04-27T00:00:00Z", "2026-05-04T00:00:00Z", "2026-05-11T00:00:00Z",
          "2026-05-13T00:00:00Z"}},
        {"0 9 1-7 * MON",
         "2026-01-08T00:00:00Z",
         {"2026-01-12T09:00:00Z", "2026-01-19T09:00:00Z", "2026-01-26T09:00:00Z",
          "2026-02-01T09:00:00Z"}},
        // ... one unrestricted -> both must match: '*/2' counts as unrestricted
        {"0 0 */2 * MON",
         "2026-01-01T00:00:00Z",
         {"2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"}},
        {"0 0 13 * ?", "2026-01-01T00:00:00Z", {"2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"}},
        {"0 0 ? * FRI", "2026-02-01T00:00:00Z", {"2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z"}},
        // 6 fields: leading seconds
        {"*/20 0 0 1 1 *",
         "2026-01-01T00:00:00Z",
         {"2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2027-01-01T00:00:00Z"}},
        {"30 * * * * *", "2026-01-01T10:00:30Z", {"2026-01-01T10:01:30Z"}},
        {"58-59 59 23 31 12 *",
         "2026-06-01T00:00:00Z",
         {"2026-12-31T23:59:58Z", "2026-12-31T23:59:59Z", "2027-12-31T23:59:58Z"}},
        // before 1970
        {"0 0 1 1 *", "1960-06-01T00:00:00Z", {"1961-01-01T00:00:00Z"}},
        {"0 12 * * SUN", "1969-12-25T00:00:00Z", {"1969-12-28T12:00:00Z", "1970-01-04T12:00:00Z"}},
    };
    for (auto const& r : rows) {
        INFO(r.expr << " after " << r.from);
        CHECK(next_n(r.expr, r.from, static_cast<int>(r.expected.size())) == r.expected);
    }
}

TEST_CASE("cron next_after: a null zone and the UTC zone agree", "[cron]") {
    auto const utc = scheduler::locate_zone("UTC").value();
    auto const expr = cron_expr::parse("7 */3 1-10,20 * MON-FRI").value();
    time_point t = at("2026-01-01T00:00:00Z");
    for (int i = 0; i < 200; ++i) {
        auto a = expr.next_after(t, nullptr);
        auto b = expr.next_after(t, utc);
        REQUIRE(a);
        REQUIRE(a == b);
        t = *a;
    }
}

TEST_CASE("cron fire_times is a lazy range", "[cron]") {
    auto const expr = cron_expr::parse("0 0 * * MON").value();
    std::vector<std::string> seen;
    for (auto t : expr.fire_times(at("2026-01-01T00:00:00Z"))) {
        seen.push_back(format_rfc3339(t, false));
        if (seen.size() == 3) break;
    }
    CHECK(seen == std::vector<std::string>{"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z",
                                           "2026-01-19T00:00:00Z"});
    auto range = expr.fire_times(at("2026-01-01T00:00:00Z"));
    auto it = range.begin();
    CHECK(it != range.end());
    auto old = it++;
    CHECK(format_rfc3339(*old, false) == "2026-01-05T00:00:00Z");
    CHECK(format_rfc3339(*it, false) == "2026-01-12T00:00:00Z");
    // A default-constructed expression never fires: its range is empty.
    cron_expr const empty;
    CHECK(empty.fire_times(at("2026-01-01T00:00:00Z")).begin() == cron_expr::iterator{});
    CHECK_FALSE(empty.next_after(at("2026-01-01T00:00:00Z")));
#ifdef SCHEDULER_TEST_HAS_RANGES
    static_assert(std::input_iterator<cron_expr::iterator>);
    static_assert(std::ranges::input_range<cron_expr::range>);
    std::vector<std::string> taken;
    for (auto t : expr.fire_times(at("2026-01-01T00:00:00Z")) | std::views::take(2))
        taken.push_back(format_rfc3339(t, false));
    CHECK(taken == std::vector<std::string>{"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"});
#endif
}

TEST_CASE("cron next_after near the ends of time", "[cron]") {
    auto const expr = cron_expr::parse("0 0 1 1 *").value();
    CHECK(expr.next_after(at("1000-06-01T00:00:00Z")) == at("1001-01-01T00:00:00Z"));
    CHECK(expr.next_after(at("9999-06-01T00:00:00Z")).has_value());
    auto const far = time_point{std::chrono::microseconds{INT64_MAX - 1}};
    CHECK_FALSE(expr.next_after(far));
}

TEST_CASE("locate_zone resolves IANA names and refuses others, naming the field", "[cron]") {
    CHECK(scheduler::locate_zone("Europe/Berlin"));
    CHECK(scheduler::locate_zone("UTC"));
    auto bad = scheduler::locate_zone("Mars/Base", "time_zone");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field() == "time_zone");
    CHECK(bad.error().message() == "unknown time zone 'Mars/Base'");
    auto empty = scheduler::locate_zone("", "tz");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().field() == "tz");
}
