// SPDX-License-Identifier: Apache-2.0
// File: scheduler/duration.hpp
//
// Durations as users write them in job configurations: "6d", "12h", "30m", "45s".
// `expire_in`, `expiration` and `rotation_after` accept only days/hours (the reference API);
// engine settings (`misfire_grace`, `timeout`, `jitter`) accept all four units.
//
//   auto d = scheduler::duration::parse("6d", "expire_in",
//   scheduler::duration::days_hours).value(); d.value() == std::chrono::hours(144); d.text() ==
//   "6d";
#pragma once

#include <scheduler/errors.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace scheduler {

/// A non-negative whole number of seconds together with the text it was written as, so that
/// responses echo exactly what the user sent. Value type.
class duration {
public:
    /// Which unit suffixes a field accepts.
    enum units : unsigned {
        days = 1,
        hours = 2,
        minutes = 4,
        seconds = 8,
        days_hours = days | hours,
        all = days | hours | minutes | seconds
    };

    duration() = default;

    /// Parses "<n><unit>" with n a decimal integer (no sign, no spaces, at most 10 digits) and
    /// unit one of the allowed suffixes. Errors are `invalid_argument` naming `field`.
    [[nodiscard]] static result<duration> parse(std::string_view text,
                                                std::string_view field,
                                                units allowed = all);

    /// Builds from seconds; text() renders the largest exact unit ("90m", "2d").
    [[nodiscard]] static duration from(std::chrono::seconds s);

    [[nodiscard]] std::chrono::seconds value() const noexcept { return value_; }
    [[nodiscard]] std::string const& text() const noexcept { return text_; }
    friend bool operator==(duration const& a, duration const& b) noexcept {
        return a.value_ == b.value_;
    }

private:
    std::chrono::seconds value_{0};
    std::string text_ = "0s";
};

}  // namespace scheduler
