// SPDX-License-Identifier: Apache-2.0
// File: scheduler/clock.hpp
//
// Time as an injected dependency. Every component that needs "now" takes a `clock&`; production
// code passes `system_clock_source`, tests pass `manual_clock` and move time explicitly, so no
// test ever sleeps. Every time-dependent call also has an overload taking `now` directly.
//
//   scheduler::manual_clock clk{scheduler::parse_rfc3339("2026-03-29T00:30:00Z").value()};
//   scheduler::engine eng{store, registry, clk, options};
//   clk.advance(std::chrono::minutes(30));
//   eng.run_due(clk.now());
#pragma once

#include <scheduler/errors.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace scheduler {

/// An instant in UTC with microsecond precision: the unit the store keeps.
using time_point = std::chrono::sys_time<std::chrono::microseconds>;

/// Source of the current instant. Implementations must be thread-safe.
class clock {
public:
    virtual ~clock() = default;
    /// The current instant.
    [[nodiscard]] virtual time_point now() const = 0;
    /// For code that must wait `d` of this clock's time (a backoff, a retry): a simulated
    /// clock lets the time pass at once by advancing itself and returns true; a real clock
    /// returns false and the caller waits for real (usually on a condition variable, so a
    /// cancellation can cut the wait short).
    [[nodiscard]] virtual bool pass(std::chrono::microseconds /*d*/) { return false; }
};

/// The real wall clock (std::chrono::system_clock).
class system_clock_source final : public clock {
public:
    [[nodiscard]] time_point now() const override;
};

/// A clock that moves only when told to; for tests and simulations. Thread-safe.
class manual_clock final : public clock {
public:
    explicit manual_clock(time_point start = time_point{})
        : now_(start.time_since_epoch().count()) {}
    [[nodiscard]] time_point now() const override {
        return time_point{std::chrono::microseconds{now_.load(std::memory_order_acquire)}};
    }
    /// Jump to `t` (forwards or backwards: tests of clock jumps need both).
    void set(time_point t) { now_.store(t.time_since_epoch().count(), std::memory_order_release); }
    /// Move forward by `d`.
    void advance(std::chrono::microseconds d) {
        now_.fetch_add(d.count(), std::memory_order_acq_rel);
    }
    /// Waiting on a manual clock is simulated time passing: advances by `d`.
    [[nodiscard]] bool pass(std::chrono::microseconds d) override {
        advance(d);
        return true;
    }

private:
    std::atomic<std::int64_t> now_;
};

/// Parses RFC 3339 ("2026-03-29T01:30:00Z", "...T03:30:00.5+02:00", lower-case t/z accepted)
/// into UTC; fractions beyond microseconds are truncated. Errors name `field`.
[[nodiscard]] result<time_point> parse_rfc3339(std::string_view text,
                                               std::string_view field = "time");

/// Formats as RFC 3339 UTC with 'Z': "2026-03-29T01:30:00.123456Z"; without the fraction
/// when `with_fraction` is false ("2026-03-29T01:30:00Z").
[[nodiscard]] std::string format_rfc3339(time_point t, bool with_fraction = true);

}  // namespace scheduler
