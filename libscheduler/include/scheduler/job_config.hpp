// SPDX-License-Identifier: Apache-2.0
// File: scheduler/job_config.hpp
//
// A job configuration: what operation to run, with which params, on which cron schedule, in
// which zone, within which window, on which node (DESIGN.md §2). Plain value type; validation
// is a separate function so callers can build one field by field.
//
//   scheduler::job_config c;
//   c.name = "rotate aws keys"; c.operation = "cckm_key_rotation"; c.run_at = "0 1 * * *";
//   c.params = R"({"cloud_name":"aws"})";
//   if (auto st = scheduler::validate(c); !st) report(st.error());
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/duration.hpp>
#include <scheduler/errors.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace scheduler {

/// What to do when a fire comes while an earlier run of the same config is still active
/// (names after Temporal's schedule overlap policies).
enum class overlap_policy { skip, buffer_one, cancel_other, allow_all };
/// What to do with fires missed while the process was down or the loop was late.
enum class misfire_policy { run_once, skip };

[[nodiscard]] std::string_view to_string(overlap_policy p) noexcept;
[[nodiscard]] std::string_view to_string(misfire_policy p) noexcept;
[[nodiscard]] result<overlap_policy> parse_overlap_policy(
    std::string_view s, std::string_view field = "overlap_policy");
[[nodiscard]] result<misfire_policy> parse_misfire_policy(
    std::string_view s, std::string_view field = "misfire_policy");

/// The account every resource belongs to until multi-tenancy exists (the reference's value).
inline constexpr std::string_view default_account = "kylo:kylo:admin:accounts:kylo";

/// Limits on user-supplied text, each with its reason.
inline constexpr std::size_t max_name_length = 256;          // DESIGN.md §2
inline constexpr std::size_t max_description_length = 4096;  // keeps rows and logs bounded
inline constexpr std::size_t max_params_bytes =
    64 * 1024;  // a params block is configuration, not data

/// One job configuration. Value type; not synchronized.
struct job_config {
    std::string id;  ///< UUID, assigned by the engine on create
    std::string account{default_account};
    std::string name;
    std::string description;
    std::string operation;
    std::string run_at;          ///< cron expression (scheduler/cron.hpp)
    std::string run_on = "any";  ///< "any" or a node id
    std::string time_zone = "UTC";
    std::optional<time_point> start_date;
    std::optional<time_point> end_date;
    bool disabled = false;
    std::string params = "{}";  ///< the operation's params as a JSON object text
    overlap_policy overlap = overlap_policy::skip;
    misfire_policy misfire = misfire_policy::run_once;
    duration misfire_grace = duration::from(std::chrono::hours{1});
    std::optional<duration> timeout;  ///< unset: no timeout
    std::optional<duration> jitter;   ///< fixed per-config offset, derived from the id
    time_point created_at{};
    time_point updated_at{};
    std::optional<time_point> next_run_at;  ///< read-only; maintained by the engine
    std::optional<time_point> last_run_at;  ///< read-only; maintained by the engine

    friend bool operator==(job_config const&, job_config const&) = default;
};

/// A partial update (PATCH). Absent members keep their value. For the two dates, a present
/// member holding nullopt clears the date. `params` is a JSON object merged key by key into
/// the stored one (a key set to "" clears expiration/expire_in/rotation_after).
struct job_config_patch {
    std::optional<std::string> name;  ///< immutable: must be empty or equal
    std::optional<std::string> description;
    std::optional<std::string> operation;  ///< immutable: must be empty or equal
    std::optional<std::string> run_at;
    std::optional<std::string> run_on;
    std::optional<std::string> time_zone;
    std::optional<std::optional<time_point>> start_date;
    std::optional<std::optional<time_point>> end_date;
    std::optional<bool> disabled;
    std::optional<std::string> params;
    std::optional<overlap_policy> overlap;
    std::optional<misfire_policy> misfire;
    std::optional<duration> misfire_grace;
    std::optional<std::optional<duration>> timeout;
    std::optional<std::optional<duration>> jitter;
};

/// Checks the fields libscheduler owns: name (1–256 chars), description length, operation
/// non-empty, run_at (parses and can fire), time_zone (IANA), run_on non-empty, end_date after
/// start_date, params a JSON object within size. Operation params are checked by the registry.
/// The error names the field ("run_at", "end_date", ...).
[[nodiscard]] result<void> validate(job_config const& c);

}  // namespace scheduler
