// SPDX-License-Identifier: Apache-2.0
// File: scheduler/cron.hpp
//
// Cron expressions (DESIGN.md §4): 5 or 6 fields, names, steps, macros, L/W/# extensions, and
// exact evaluation in any IANA time zone with cronie's DST rules. Parsing validates everything,
// including that the expression can ever fire; evaluation is a pure function of (expr, zone, t).
//
//   auto expr = scheduler::cron_expr::parse("0 9 1-7 * MON").value();
//   auto zone = scheduler::locate_zone("Europe/Berlin").value();
//   std::optional<scheduler::time_point> next = expr.next_after(now, zone);
//   for (auto t : expr.fire_times(now, zone) | std::views::take(5)) print(t);
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}  // namespace date

namespace scheduler {

/// Resolves an IANA zone name ("Europe/Berlin", "UTC") through date's tz database. Unknown or
/// empty names are `invalid_argument` naming `field`. The pointer lives as long as the process.
[[nodiscard]] result<date::time_zone const*> locate_zone(std::string_view name,
                                                         std::string_view field = "time_zone");

/// A parsed, validated cron expression. Immutable value type; safe to share across threads.
class cron_expr {
public:
    class iterator;
    class range;

    /// Parses `text`. Errors are `invalid_argument` with field "run_at" and a message naming the
    /// cron field and the token ("day-of-month: '32' is out of range 1-31"). An expression that
    /// can never fire (e.g. "0 0 30 2 *") is refused. The dialect: docs/cron.md.
    [[nodiscard]] static result<cron_expr> parse(std::string_view text);

    /// The first fire instant strictly after `after`, evaluated in `zone` (UTC when null), with
    /// cronie's DST rules (see is_wildcard). Fire instants are whole seconds. Returns nullopt
    /// only for a default-constructed expression or past the end of representable time.
    [[nodiscard]] std::optional<time_point> next_after(time_point after,
                                                       date::time_zone const* zone = nullptr) const;

    /// Lazy, endless sequence of fire instants strictly after `after`.
    [[nodiscard]] range fire_times(time_point after, date::time_zone const* zone = nullptr) const;

    /// The text this expression was parsed from.
    [[nodiscard]] std::string const& text() const noexcept { return text_; }

    /// True when the minute or hour field starts with '*' (or '?', which is '*'): cronie's DST
    /// "wildcard" jobs, which skip wall times missing in a gap and fire in both passes of an
    /// overlap. Other ("fixed-time") jobs fire once at the end of a gap for missing wall times
    /// and once, at the first occurrence, in an overlap.
    [[nodiscard]] bool is_wildcard() const noexcept { return wildcard_; }

    /// Parsed representation; public so the implementation and tests can share it, not API.
    struct fields {
        std::uint64_t seconds = 0;  // bit s set when second s matches
        std::uint64_t minutes = 0;
        std::uint32_t hours = 0;
        std::uint32_t days_of_month = 0;  // bit d (1..31)
        std::uint16_t months = 0;         // bit m (1..12)
        std::uint8_t days_of_week = 0;    // bit w (0..6, 0 = Sunday)
        bool dom_restricted = false;
        bool dow_restricted = false;
        // Extensions; each stands alone in its field.
        bool dom_last = false;          // L
        bool dom_last_weekday = false;  // LW
        int dom_nearest_weekday = 0;    // nW (1..31), 0 = unused
        int dow_last = -1;              // nL: last weekday n (0..6), -1 = unused
        int dow_nth_weekday = -1;       // n#k: weekday n ...
        int dow_nth = 0;                // ... k-th (1..5)
        friend bool operator==(fields const&, fields const&) = default;
    };
    [[nodiscard]] fields const& parsed() const noexcept { return fields_; }

private:
    std::string text_;
    fields fields_;
    bool wildcard_ = false;
};

/// Input iterator over fire instants; equal to the default-constructed end when exhausted.
class cron_expr::iterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = time_point;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(cron_expr const* expr, date::time_zone const* zone, time_point after);
    time_point operator*() const { return *current_; }
    iterator& operator++();
    iterator operator++(int) {
        auto old = *this;
        ++*this;
        return old;
    }
    friend bool operator==(iterator const& a, iterator const& b) {
        return a.current_ == b.current_;
    }

private:
    cron_expr const* expr_ = nullptr;
    date::time_zone const* zone_ = nullptr;
    std::optional<time_point> current_;
};

/// A begin/end pair over `cron_expr::iterator`; usable with range-for and, with GCC 12's
/// libstdc++, with std::views (`expr.fire_times(t, z) | std::views::take(5)`). It refers to the
/// expression, which must outlive it. (<ranges> is not included here: clang 14 cannot compile
/// libstdc++ 12's.)
class cron_expr::range {
public:
    range(cron_expr const* expr, date::time_zone const* zone, time_point after)
        : expr_(expr), zone_(zone), after_(after) {}
    [[nodiscard]] iterator begin() const { return {expr_, zone_, after_}; }
    [[nodiscard]] iterator end() const { return {}; }

private:
    cron_expr const* expr_;
    date::time_zone const* zone_;
    time_point after_;
};

}  // namespace scheduler
