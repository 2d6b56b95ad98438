// SPDX-License-Identifier: Apache-2.0
#include <scheduler/job.hpp>

#include <array>
#include <utility>

namespace scheduler {

namespace {

// One table per enum keeps to_string and parse from drifting apart.
constexpr std::array<std::pair<run_status, std::string_view>, 5> status_names{{
    {run_status::scheduled, "scheduled"},
    {run_status::in_progress, "in_progress"},
    {run_status::completed, "completed"},
    {run_status::failed, "failed"},
    {run_status::aborted, "aborted"},
}};

constexpr std::array<std::pair<run_trigger, std::string_view>, 3> trigger_names{{
    {run_trigger::schedule, "schedule"},
    {run_trigger::run_now, "run_now"},
    {run_trigger::misfire, "misfire"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(std::array<std::pair<Enum, std::string_view>, N> const& table, Enum v) {
    for (auto const& [value, name] : table) {
        if (value == v) return name;
    }
    return "unknown";
}

template <class Enum, std::size_t N>
result<Enum> parse_name(std::array<std::pair<Enum, std::string_view>, N> const& table,
                        std::string_view s,
                        std::string_view field) {
    for (auto const& [value, name] : table) {
        if (name == s) return value;
    }
    // Built with append: GCC 12 -O2 warns (-Wrestrict, a false positive) on "'" + string.
    std::string message = "'";
    message.append(s.substr(0, 64));
    message.append("' is not one of ");
    bool first = true;
    for (auto const& entry : table) {
        if (!first) message.append(", ");
        message.append(entry.second);
        first = false;
    }
    return invalid_argument(std::string(field), std::move(message));
}

}  // namespace

std::string_view to_string(run_status s) noexcept {
    return name_of(status_names, s);
}
std::string_view to_string(run_trigger t) noexcept {
    return name_of(trigger_names, t);
}

result<run_status> parse_run_status(std::string_view s, std::string_view field) {
    return parse_name(status_names, s, field);
}

result<run_trigger> parse_run_trigger(std::string_view s, std::string_view field) {
    return parse_name(trigger_names, s, field);
}

bool is_terminal(run_status s) noexcept {
    return s == run_status::completed || s == run_status::failed || s == run_status::aborted;
}

bool can_transition(run_status from, run_status to) noexcept {
    // Only forward moves; staying in the same status is a store-level decision (update_run).
    switch (from) {
        case run_status::scheduled:
            return to == run_status::in_progress || to == run_status::failed ||
                   to == run_status::aborted;
        case run_status::in_progress:
            return to == run_status::completed || to == run_status::failed ||
                   to == run_status::aborted;
        case run_status::completed:
        case run_status::failed:
        case run_status::aborted:
            return false;
    }
    return false;
}

}  // namespace scheduler
