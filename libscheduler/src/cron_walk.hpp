// SPDX-License-Identifier: Apache-2.0
// Private to libscheduler: the bitmask walker behind cron_expr. It finds the first civil
// (wall-clock) second at or after a given one whose fields all match, jumping over months, days,
// hours and minutes with bit scans rather than stepping. Time zones are not its business: it
// works on "local seconds" (seconds since 1970-01-01T00:00 of the wall clock), and cron.cpp maps
// them to and from UTC. Inline because it is the hot path of next_after.
#pragma once

#include <scheduler/cron.hpp>

#include "cron_calendar.hpp"

#include <bit>
#include <cstdint>
#include <optional>

namespace scheduler::cron_internal {

using fields = cron_expr::fields;

/// Bits 1..len set: the days of a month of `len` days (28..31).
constexpr std::uint32_t month_days(unsigned len) noexcept {
    return (0xFFFFFFFFu >> (31 - len)) & ~1u;
}

/// Day-of-month field alone, for a month of `len` days starting on weekday `w1` (0 = Sunday).
inline std::uint32_t dom_days(fields const& f, unsigned len, unsigned w1) noexcept {
    if (f.dom_last) return 1u << len;
    if (f.dom_last_weekday) {
        unsigned const wl = (w1 + len - 1) % 7;  // weekday of the last day
        return 1u << (wl == 6 ? len - 1 : wl == 0 ? len - 2 : len);
    }
    if (f.dom_nearest_weekday > 0) {
        auto const n = static_cast<unsigned>(f.dom_nearest_weekday);
        if (n > len) return 0;  // "31W" in a 30-day month: never this month
        unsigned const w = (w1 + n - 1) % 7;
        unsigned d = n;
        if (w == 6) d = n == 1 ? 3 : n - 1;        // Saturday: Friday, or Monday the 3rd
        if (w == 0) d = n == len ? n - 2 : n + 1;  // Sunday: Monday, or Friday before the last
        return 1u << d;
    }
    return f.days_of_month & month_days(len);
}

/// Day-of-week field alone, as days of a month of `len` days starting on weekday `w1`.
inline std::uint32_t dow_days(fields const& f, unsigned len, unsigned w1) noexcept {
    if (f.dow_last >= 0) {
        unsigned const wl = (w1 + len - 1) % 7;
        return 1u << (len - (wl + 7 - static_cast<unsigned>(f.dow_last)) % 7);
    }
    if (f.dow_nth_weekday >= 0) {
        unsigned const d = 1 + (static_cast<unsigned>(f.dow_nth_weekday) + 7 - w1) % 7 +
                           7 * static_cast<unsigned>(f.dow_nth - 1);
        return d <= len ? 1u << d : 0;  // a 5th that does not exist is skipped
    }
    // Rotate the 7 weekday bits so bit i is day i+1's weekday, then repeat the week 5 times.
    unsigned const dow = f.days_of_week;
    unsigned const week = ((dow >> w1) | (dow << (7 - w1))) & 0x7Fu;
    auto const repeated = static_cast<std::uint32_t>((std::uint64_t{week} * 0x10204081u) << 1);
    return repeated & month_days(len);
}

/// Matching days (bit d) of a month of `len` days starting on weekday `w1`, by cronie's day rule:
/// when both day fields are restricted either may match, otherwise both must.
inline std::uint32_t day_mask(fields const& f, unsigned len, unsigned w1) noexcept {
    std::uint32_t const dom = dom_days(f, len, w1);
    std::uint32_t const dow = dow_days(f, len, w1);
    return f.dom_restricted && f.dow_restricted ? dom | dow : dom & dow;
}

/// True when some month the expression allows has a matching day, i.e. it fires at all. Exact:
/// a month's matching days depend only on its length and the weekday of its 1st, and every
/// (month, length, weekday) combination occurs in the 400-year Gregorian cycle.
inline bool can_fire(fields const& f) noexcept {
    for (unsigned m = 1; m <= 12; ++m) {
        if (!(f.months >> m & 1u)) continue;
        unsigned const lo = m == 2 ? 28 : days_in_month(2001, m);
        unsigned const hi = m == 2 ? 29 : lo;
        for (unsigned len = lo; len <= hi; ++len)
            for (unsigned w1 = 0; w1 < 7; ++w1)
                if (day_mask(f, len, w1) != 0) return true;
    }
    return false;
}

/// First matching second of the day at or after `sod` (0..86399), or -1 if none is left today.
inline std::int64_t next_time_of_day(fields const& f, std::int64_t sod) noexcept {
    auto h = static_cast<unsigned>(sod / 3600);
    auto m = static_cast<unsigned>(sod / 60 % 60);
    auto s = static_cast<unsigned>(sod % 60);
    for (;;) {
        std::uint32_t const hours = f.hours & (~0u << h);
        if (hours == 0) return -1;
        auto const hh = static_cast<unsigned>(std::countr_zero(hours));
        if (hh != h) m = s = 0;
        std::uint64_t minutes = f.minutes & (~std::uint64_t{0} << m);
        if (minutes != 0) {
            auto const mm = static_cast<unsigned>(std::countr_zero(minutes));
            if (mm != m) s = 0;
            std::uint64_t const seconds = f.seconds & (~std::uint64_t{0} << s);
            if (seconds != 0) return hh * 3600 + mm * 60 + std::countr_zero(seconds);
            minutes &= minutes - 1;  // no second left in this minute: the next minute's first
            if (minutes != 0)
                return hh * 3600 + std::countr_zero(minutes) * 60 + std::countr_zero(f.seconds);
        }
        if (hh == 23) return -1;
        h = hh + 1;
        m = s = 0;
    }
}

/// Years the walker searches before giving up. Every valid expression fires within one
/// 400-year Gregorian cycle, so this only bounds the search for a default-constructed one.
constexpr std::int64_t horizon_years = 401;

/// First matching local second at or after `from`, or nullopt past the horizon.
inline std::optional<std::int64_t> next_local(fields const& f, std::int64_t from) noexcept {
    std::int64_t const first_day = floor_div(from, seconds_per_day);
    std::int64_t sod = from - first_day * seconds_per_day;
    civil_date const start = civil_from_days(first_day);
    std::int64_t y = start.year;
    unsigned m = start.month;
    unsigned d = start.day;
    std::int64_t const last_year = y + horizon_years;
    for (;;) {
        if (!(f.months >> m & 1u)) {
            // Jump to the next allowed month, possibly in the next year.
            std::uint32_t const later = f.months & (~0u << (m + 1)) & 0x1FFEu;
            if (later != 0) {
                m = static_cast<unsigned>(std::countr_zero(later));
            } else {
                m = static_cast<unsigned>(std::countr_zero(f.months & 0x1FFEu));
                if (++y > last_year || m > 12) return std::nullopt;
            }
            d = 1;
            sod = 0;
        }
        unsigned const len = days_in_month(y, m);
        std::int64_t const day1 = days_from_civil(y, m, 1);
        std::uint32_t days = day_mask(f, len, weekday_from_days(day1)) & (~0u << d);
        while (days != 0) {
            auto const dd = static_cast<unsigned>(std::countr_zero(days));
            if (dd != d) sod = 0;
            std::int64_t const tod = next_time_of_day(f, sod);
            if (tod >= 0) return (day1 + dd - 1) * seconds_per_day + tod;
            days &= days - 1;
            d = dd + 1;
            sod = 0;
        }
        d = 1;
        sod = 0;
        if (++m > 12) {
            m = 1;
            if (++y > last_year) return std::nullopt;
        }
    }
}

}  // namespace scheduler::cron_internal
