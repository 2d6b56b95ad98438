// SPDX-License-Identifier: Apache-2.0
// Private: a config's schedule as the engine evaluates it. The cron expression, the zone, the
// start/end window and the fixed jitter offset, and the pure "next fire strictly after t".
#pragma once

#include <scheduler/cron.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/job_config.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace scheduler::detail {

/// Everything that decides when a config fires. Cheap to copy (the expression is shared).
struct schedule {
    std::shared_ptr<cron_expr const> expr;
    date::time_zone const* zone = nullptr;
    std::optional<time_point> start;
    std::optional<time_point> end;
    std::chrono::microseconds offset{0};  ///< jitter offset, derived from the config id

    /// The first fire strictly after `after` that lies in [start, end], jitter applied. A
    /// jittered fire never passes the next cron instant, so fires keep their order.
    [[nodiscard]] std::optional<time_point> next_fire(time_point after) const;
};

/// The fixed per-config offset in [0, jitter): a hash of the id, so every node computes the
/// same instant and a config's fires do not wander between runs.
[[nodiscard]] std::chrono::microseconds jitter_offset(std::string_view id,
                                                      std::optional<duration> const& jitter);

/// Parses expressions and resolves zones once per distinct text; 100,000 configs sharing a few
/// expressions then cost a hash lookup each. Thread-safe.
class schedule_cache {
public:
    /// The schedule of `c`; invalid_argument naming run_at / time_zone when they do not parse.
    [[nodiscard]] result<schedule> get(job_config const& c);

private:
    /// Bounds memory when users write many distinct expressions; a full cache is just cleared.
    static constexpr std::size_t max_entries = 10'000;
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<cron_expr const>> exprs_;
    std::unordered_map<std::string, date::time_zone const*> zones_;
};

/// Result of scanning a config's due fires at `now`.
struct due_scan {
    std::optional<time_point> first;   ///< the stored next fire (the earliest missed one)
    std::optional<time_point> latest;  ///< the latest fire <= now
    std::size_t count = 0;             ///< fires <= now seen (a lower bound after a long outage)
    std::optional<time_point> next;    ///< first fire after `latest` (and so after now)
};

/// Walks from the stored next fire `first` (<= now) to the first fire after `now`. Fires older
/// than `window` before now are jumped over, so a year-long outage costs no more than an hour.
[[nodiscard]] due_scan scan_due(schedule const& s,
                                time_point first,
                                time_point now,
                                std::chrono::microseconds window);

}  // namespace scheduler::detail
