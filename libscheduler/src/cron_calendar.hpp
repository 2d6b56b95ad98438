// SPDX-License-Identifier: Apache-2.0
// Private to libscheduler: proleptic Gregorian calendar arithmetic on plain integers, used by the
// cron walker on its hot path. These are Howard Hinnant's public-domain algorithms
// (https://howardhinnant.github.io/date_algorithms.html), written out so the walker works on
// int64 seconds without chrono conversions; date's own types are used at the boundaries.
#pragma once

#include <cstdint>

namespace scheduler::cron_internal {

constexpr std::int64_t seconds_per_day = 86400;

/// Floor division (rounds towards negative infinity), for instants before 1970.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct civil_date {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

/// Days since 1970-01-01 of a civil date.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    std::int64_t const era = floor_div(y, 400);
    auto const yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
    unsigned const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
    unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Civil date of a day count since 1970-01-01.
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    std::int64_t const era = floor_div(z, 146097);
    auto const doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
    unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
    unsigned const mp = (5 * doy + 2) / 153;                                     // [0, 11]
    unsigned const d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
    unsigned const m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
    std::int64_t const y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
    return {y, m, d};
}

constexpr bool is_leap(std::int64_t y) noexcept {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned char lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : lengths[m - 1];
}

/// Day of the week of a day count since 1970-01-01: 0 = Sunday (1970-01-01 was a Thursday).
constexpr unsigned weekday_from_days(std::int64_t z) noexcept {
    return static_cast<unsigned>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);
static_assert(weekday_from_days(days_from_civil(2026, 3, 29)) == 0);  // a Sunday
static_assert(weekday_from_days(-5) == 6);                            // 1969-12-27, a Saturday

}  // namespace scheduler::cron_internal
