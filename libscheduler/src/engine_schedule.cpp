// SPDX-License-Identifier: Apache-2.0
#include "engine_schedule.hpp"

#include <algorithm>
#include <cstdint>

namespace scheduler::detail {

namespace {

constexpr std::chrono::microseconds one_us{1};
/// Guards the loops against an expression whose fires the jitter or window keep rejecting.
constexpr int max_candidates = 100'000;

/// FNV-1a: stable across platforms and releases, unlike std::hash.
std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    return h;
}

}  // namespace

std::chrono::microseconds jitter_offset(std::string_view id,
                                        std::optional<duration> const& jitter) {
    if (!jitter) return std::chrono::microseconds{0};
    auto const span =
        std::chrono::duration_cast<std::chrono::microseconds>(jitter->value()).count();
    if (span <= 0) return std::chrono::microseconds{0};
    return std::chrono::microseconds{
        static_cast<std::int64_t>(stable_hash(id) % static_cast<std::uint64_t>(span))};
}

std::optional<time_point> schedule::next_fire(time_point after) const {
    if (!expr) return std::nullopt;
    // Fires at or after start: "strictly after start - 1us".
    if (start && *start - one_us > after) after = *start - one_us;
    // A jittered fire f + o can only exceed `after` when the cron instant f exceeds after - o.
    auto fire = expr->next_after(after - offset, zone);
    for (int i = 0; fire && i < max_candidates; ++i) {
        auto actual = *fire;
        auto following = expr->next_after(*fire, zone);
        if (offset.count() > 0) {
            auto room = following ? *following - *fire - one_us : offset;
            actual += std::min(offset, room);
        }
        if (actual > after) {
            if (end && actual > *end) return std::nullopt;
            return actual;
        }
        fire = following;
    }
    return std::nullopt;
}

result<schedule> schedule_cache::get(job_config const& c) {
    schedule s;
    s.start = c.start_date;
    s.end = c.end_date;
    s.offset = jitter_offset(c.id, c.jitter);
    std::lock_guard lock(mutex_);
    if (exprs_.size() >= max_entries) exprs_.clear();
    auto it = exprs_.find(c.run_at);
    if (it == exprs_.end()) {
        auto parsed = cron_expr::parse(c.run_at);
        if (!parsed) return parsed.error();
        it = exprs_.emplace(c.run_at, std::make_shared<cron_expr const>(std::move(*parsed))).first;
    }
    s.expr = it->second;
    auto zit = zones_.find(c.time_zone);
    if (zit == zones_.end()) {
        auto zone = locate_zone(c.time_zone.empty() ? "UTC" : c.time_zone);
        if (!zone) return zone.error();
        zit = zones_.emplace(c.time_zone, *zone).first;
    }
    s.zone = zit->second;
    return s;
}

due_scan scan_due(schedule const& s,
                  time_point first,
                  time_point now,
                  std::chrono::microseconds window) {
    due_scan out;
    out.first = first;
    std::optional<time_point> cur = first;
    if (first < now - window) {
        // Everything before the window is past saving: count the first one, jump to the window.
        out.latest = first;
        out.count = 1;
        cur = s.next_fire(std::max(first, now - window - one_us));
    }
    for (int i = 0; cur && *cur <= now; ++i) {
        out.latest = cur;
        ++out.count;
        if (i == max_candidates) {
            // A per-second expression with a month-long grace: stop walking, resume at now.
            cur = s.next_fire(now);
            break;
        }
        cur = s.next_fire(*cur);
    }
    out.next = cur;
    return out;
}

}  // namespace scheduler::detail
