// SPDX-License-Identifier: Apache-2.0
// cron_expr evaluation: the first fire instant after a given one, in a time zone, with cronie's
// DST rules (DESIGN.md §4). The bitmask walker (cron_walk.hpp) searches wall-clock time; this
// file maps wall-clock candidates to UTC through one cached `date::sys_info` (the offset interval
// that contains the search start) and asks the zone again only when a candidate falls outside it.
//
// The rules, as a fire set: a candidate is a wall-clock second whose fields all match.
//  - fixed-time job (minute and hour fields do not start with '*'): each candidate fires at
//    `zone->to_sys(local, choose::earliest)`: once, at the first occurrence in an overlap, and
//    at the end of the gap (the first instant after it) when the wall time does not exist, so
//    several missing times collapse into that one instant;
//  - wildcard job: each candidate fires at every real instant that shows that wall time (twice
//    in an overlap, never in a gap).
#include <scheduler/cron.hpp>

#include "cron_walk.hpp"

#include <date/tz.h>

namespace scheduler {

result<date::time_zone const*> locate_zone(std::string_view name, std::string_view field) {
    try {
        if (name.empty()) return invalid_argument(std::string(field), "time zone is empty");
        return date::locate_zone(name);
    } catch (std::exception const&) {
        return invalid_argument(std::string(field),
                                "unknown time zone '" + std::string(name.substr(0, 64)) + "'");
    }
}

namespace {

using cron_internal::fields;
using cron_internal::next_local;
using std::chrono::seconds;

/// How far before its interval's start a search may begin and still need the previous offset:
/// more than any offset change in the tz database (Samoa skipped a whole day in 2011).
constexpr std::int64_t transition_reach = 3 * cron_internal::seconds_per_day;

/// Offset intervals a wildcard search may cross before giving up (a few per year for 401 years).
constexpr int max_intervals = 4000;

/// Latest instant whose microseconds fit `time_point`.
constexpr std::int64_t max_fire_seconds = INT64_MAX / 1'000'000 - 1;

struct interval {
    std::int64_t begin;   // UTC seconds, inclusive
    std::int64_t end;     // UTC seconds, exclusive
    std::int64_t offset;  // local = UTC + offset
};

interval interval_at(date::time_zone const* zone, std::int64_t utc) {
    date::sys_info const info = zone->get_info(date::sys_seconds{seconds{utc}});
    return {info.begin.time_since_epoch().count(), info.end.time_since_epoch().count(),
            info.offset.count()};
}

/// Fixed-time jobs: the first fire at or after `s` (UTC seconds). Fires are
/// `to_sys(candidate, earliest)`, non-decreasing in the candidate, so it suffices to start at
/// the smallest wall time whose fire is not before `s` and take the first candidate from there.
std::optional<std::int64_t> next_fixed(fields const& f,
                                       date::time_zone const* zone,
                                       std::int64_t s) {
    interval const cur = interval_at(zone, s);
    std::int64_t from = s + cur.offset;
    if (s - cur.begin < transition_reach) {
        std::int64_t const prev = interval_at(zone, cur.begin - 1).offset;
        bool const gap_fires_now = prev < cur.offset && s == cur.begin;
        bool const in_second_pass = prev > cur.offset && s < cur.begin + (prev - cur.offset);
        // Gap: its missing wall times fire at cur.begin. Overlap: the repeated wall times
        // already fired in their first pass.
        if (gap_fires_now || in_second_pass) from = cur.begin + prev;
    }
    std::optional<std::int64_t> const local = next_local(f, from);
    if (!local) return std::nullopt;
    if (*local >= cur.begin + cur.offset && *local < cur.end + cur.offset)
        return *local - cur.offset;  // inside the cached interval: no tz lookup
    auto const sys = zone->to_sys(date::local_seconds{seconds{*local}}, date::choose::earliest);
    return sys.time_since_epoch().count();
}

/// Wildcard jobs: the first fire at or after `s`. Each offset interval maps its wall times
/// one-to-one; walk the intervals, searching each one's wall-time range.
std::optional<std::int64_t> next_wildcard(fields const& f,
                                          date::time_zone const* zone,
                                          std::int64_t s) {
    interval cur = interval_at(zone, s);
    std::optional<std::int64_t> local = next_local(f, s + cur.offset);
    for (int i = 0; i < max_intervals && local; ++i) {
        if (*local < cur.end + cur.offset) return *local - cur.offset;
        interval const next = interval_at(zone, cur.end);
        if (next.end <= cur.end) return std::nullopt;  // end of the tz database's range
        std::int64_t const from = cur.end + next.offset;
        // The candidate found stays the first one unless the clock went back (the repeated
        // wall times may match again) or it fell into the gap.
        if (next.offset < cur.offset || from > *local) local = next_local(f, from);
        cur = next;
    }
    return std::nullopt;
}

bool fires_at_all(fields const& f) noexcept {
    return f.seconds != 0 && f.minutes != 0 && f.hours != 0 && f.months != 0;
}

}  // namespace

std::optional<time_point> cron_expr::next_after(time_point after,
                                                date::time_zone const* zone) const {
    if (!fires_at_all(fields_)) return std::nullopt;  // default-constructed
    std::int64_t const s =
        std::chrono::floor<seconds>(after).time_since_epoch().count() + 1;  // strictly after
    std::optional<std::int64_t> fire;
    if (zone == nullptr)
        fire = next_local(fields_, s);
    else if (wildcard_)
        fire = next_wildcard(fields_, zone, s);
    else
        fire = next_fixed(fields_, zone, s);
    if (!fire || *fire > max_fire_seconds) return std::nullopt;
    return time_point{seconds{*fire}};
}

cron_expr::range cron_expr::fire_times(time_point after, date::time_zone const* zone) const {
    return {this, zone, after};
}

cron_expr::iterator::iterator(cron_expr const* expr, date::time_zone const* zone, time_point after)
    : expr_(expr), zone_(zone), current_(expr->next_after(after, zone)) {}

cron_expr::iterator& cron_expr::iterator::operator++() {
    current_ = expr_->next_after(*current_, zone_);
    return *this;
}

}  // namespace scheduler
