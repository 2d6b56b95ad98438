// SPDX-License-Identifier: Apache-2.0
// cron_expr::next_after and parse (DESIGN.md §9: next fire <= 250 ns median for common
// expressions, in UTC and in a DST zone alike). Each iteration starts from the next of 4096
// instants spread over 2026-2027 (fixed seed), so the figures are not one cached path.
// Results and the command line: docs/bench-cron.md.
#include <scheduler/cron.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <random>

namespace {

using scheduler::cron_expr;
using scheduler::time_point;

constexpr std::size_t start_count = 4096;

std::array<time_point, start_count> const& starts() {
    static std::array<time_point, start_count> const instants = [] {
        std::array<time_point, start_count> out{};
        std::mt19937_64 rng(20260329);
        // 2026-01-01T00:00:00Z .. 2028-01-01T00:00:00Z, microsecond resolution
        std::uniform_int_distribution<std::int64_t> dist(1767225600'000000, 1830297600'000000);
        for (auto& t : out) t = time_point{std::chrono::microseconds{dist(rng)}};
        return out;
    }();
    return instants;
}

void next_after(benchmark::State& state, char const* text, char const* zone_name) {
    auto const expr = cron_expr::parse(text).value();
    date::time_zone const* zone = zone_name ? scheduler::locate_zone(zone_name).value() : nullptr;
    auto const& from = starts();
    std::size_t i = 0;
    for (auto _ : state) {
        auto next = expr.next_after(from[i++ % start_count], zone);
        benchmark::DoNotOptimize(next);
    }
}

/// Walking a fire sequence (the engine's pattern: next from the previous fire).
void successive(benchmark::State& state, char const* text, char const* zone_name) {
    auto const expr = cron_expr::parse(text).value();
    date::time_zone const* zone = zone_name ? scheduler::locate_zone(zone_name).value() : nullptr;
    time_point const start = starts()[0];
    time_point t = start;
    for (auto _ : state) {
        auto next = expr.next_after(t, zone);
        t = next ? *next : start;
        benchmark::DoNotOptimize(t);
    }
}

void parse(benchmark::State& state, char const* text) {
    for (auto _ : state) {
        auto r = cron_expr::parse(text);
        benchmark::DoNotOptimize(r);
    }
}

}  // namespace

// Common expressions, UTC (null zone) and Europe/Berlin.
BENCHMARK_CAPTURE(next_after, every_5_min_utc, "*/5 * * * *", nullptr);
BENCHMARK_CAPTURE(next_after, every_5_min_berlin, "*/5 * * * *", "Europe/Berlin");
BENCHMARK_CAPTURE(next_after, weekdays_midnight_utc, "0 0 * * MON-FRI", nullptr);
BENCHMARK_CAPTURE(next_after, weekdays_midnight_berlin, "0 0 * * MON-FRI", "Europe/Berlin");
BENCHMARK_CAPTURE(next_after, first_week_or_monday_utc, "0 9 1-7 * MON", nullptr);
BENCHMARK_CAPTURE(next_after, first_week_or_monday_berlin, "0 9 1-7 * MON", "Europe/Berlin");
// Rare: a leap day, up to 8 years away.
BENCHMARK_CAPTURE(next_after, leap_day_utc, "0 0 29 2 *", nullptr);
BENCHMARK_CAPTURE(next_after, leap_day_berlin, "0 0 29 2 *", "Europe/Berlin");
// Others worth watching: seconds, extensions, a zone through the "UTC" entry, New York.
BENCHMARK_CAPTURE(next_after, every_5_min_utc_zone, "*/5 * * * *", "UTC");
BENCHMARK_CAPTURE(next_after, every_10_s_berlin, "*/10 * * * * *", "Europe/Berlin");
BENCHMARK_CAPTURE(next_after, last_friday_berlin, "30 2 * * 5L", "Europe/Berlin");
BENCHMARK_CAPTURE(next_after, nearest_weekday_new_york, "0 8 15W * *", "America/New_York");
BENCHMARK_CAPTURE(successive, every_5_min_berlin, "*/5 * * * *", "Europe/Berlin");
BENCHMARK_CAPTURE(successive, hourly_wildcard_berlin, "0 * * * *", "Europe/Berlin");

BENCHMARK_CAPTURE(parse, every_5_min, "*/5 * * * *");
BENCHMARK_CAPTURE(parse, first_week_or_monday, "0 9 1-7 * MON");
BENCHMARK_CAPTURE(parse, lists_and_names, "0,15,30,45 8-18/2 1,15,28-31 JAN-JUN MON-FRI");
BENCHMARK_CAPTURE(parse, six_fields, "*/10 0 9 ? JAN-MAR,OCT-DEC 1#2");
BENCHMARK_CAPTURE(parse, macro, "@daily");

BENCHMARK_MAIN();
