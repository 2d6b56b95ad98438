// SPDX-License-Identifier: Apache-2.0
// File: scheduler/job.hpp
//
// A job run: one execution of a job configuration, with its status and details (DESIGN.md §3).
// Status moves only forwards: scheduled -> in_progress -> completed | failed | aborted
// (scheduled may also go straight to failed/aborted, e.g. interrupted or cancelled).
//
//   if (scheduler::can_transition(run.status, scheduler::run_status::in_progress)) ...
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/job_config.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace scheduler {

/// Lifecycle of a run.
enum class run_status { scheduled, in_progress, completed, failed, aborted };
/// Why a run exists.
enum class run_trigger { schedule, run_now, misfire };

[[nodiscard]] std::string_view to_string(run_status s) noexcept;
[[nodiscard]] std::string_view to_string(run_trigger t) noexcept;
[[nodiscard]] result<run_status> parse_run_status(std::string_view s,
                                                  std::string_view field = "status");
[[nodiscard]] result<run_trigger> parse_run_trigger(std::string_view s,
                                                    std::string_view field = "trigger");
/// True for completed, failed, aborted.
[[nodiscard]] bool is_terminal(run_status s) noexcept;
/// True when `from -> to` is an allowed forward transition.
[[nodiscard]] bool can_transition(run_status from, run_status to) noexcept;

/// One run. Value type; not synchronized.
struct job_run {
    std::string id;  ///< UUID
    std::string account{default_account};
    std::string job_config_id;
    std::string name;  ///< the config's name at enqueue time
    std::string description;
    std::string operation;
    std::string params = "{}";  ///< snapshot of the config's params at enqueue time (JSON text)
    run_status status = run_status::scheduled;
    run_trigger trigger = run_trigger::schedule;
    std::string processing_node;
    std::string details = "{}";  ///< operation-specific details (JSON object text)
    std::string error;           ///< set when failed/aborted
    time_point created_at{};
    time_point updated_at{};
    time_point enqueued_at{};
    std::optional<time_point> started_at;
    std::optional<time_point> completed_at;
    std::optional<time_point> scheduled_for;  ///< the fire instant served (scheduled/misfire runs)

    friend bool operator==(job_run const&, job_run const&) = default;
};

}  // namespace scheduler
