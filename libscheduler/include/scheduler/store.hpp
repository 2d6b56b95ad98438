// SPDX-License-Identifier: Apache-2.0
// File: scheduler/store.hpp
//
// Persistence interface for job configurations and runs (DESIGN.md §6). Every method is one
// logical write or read: implementations run each write in a single transaction, so a failure
// leaves nothing behind. Lists page, filter and sort in the store, never in memory.
// `sqlite_store` (scheduler/sqlite_store.hpp) is the built-in implementation; the interface is
// kept free of SQLite so a shared database (PostgreSQL, many nodes) can implement it later.
//
//   scheduler::config_query q;
//   q.operation = "cckm_key_rotation";
//   q.sort = {{"createdAt", true}};
//   auto page = store.list_configs(q).value();  // page.items, page.total
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/job.hpp>
#include <scheduler/job_config.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scheduler {

/// One sort key of a list query; `field` must be in the allow-list of the list.
struct sort_key {
    std::string field;
    bool descending = false;
    friend bool operator==(sort_key const&, sort_key const&) = default;
};

/// Paging and sorting common to all lists.
struct page_request {
    std::int64_t skip = 0;       ///< >= 0
    std::int64_t limit = 10;     ///< -1 = all; otherwise 0..max_page_limit
    std::vector<sort_key> sort;  ///< empty: newest first (createdAt desc, id)
};

/// Largest page a list returns when a limit is given (DESIGN.md §7).
inline constexpr std::int64_t max_page_limit = 1000;

/// Sort fields accepted by list_configs / list_runs (API names).
[[nodiscard]] std::span<std::string_view const> config_sort_fields() noexcept;
[[nodiscard]] std::span<std::string_view const> run_sort_fields() noexcept;

/// Filters of GET /scheduler/job-configs. Absent members do not filter. Time bounds inclusive.
struct config_query : page_request {
    std::optional<std::string> id;
    std::optional<std::string> name;  ///< exact match
    std::optional<std::string> account;
    std::optional<std::string> operation;
    std::optional<bool> disabled;
    std::optional<std::string> cloud_name;  ///< params.cloud_name
    std::optional<std::string> expire_in;   ///< params.expire_in
    std::optional<time_point> created_before;
    std::optional<time_point> created_after;
};

/// Filters of GET /scheduler/jobs.
struct run_query : page_request {
    std::optional<std::string> id;
    std::optional<std::string> name;
    std::optional<std::string> account;
    std::optional<std::string> job_config_id;
    std::optional<std::string> operation;
    std::optional<run_status> status;
    std::optional<std::string> processing_node;
    std::optional<time_point> created_before;
    std::optional<time_point> created_after;
};

/// One page of a list plus the total number of matches.
template <class T>
struct page {
    std::vector<T> items;
    std::int64_t total = 0;
    std::int64_t skip = 0;
    std::int64_t limit = 0;
};

/// One fire claimed by the engine: optionally a run to insert, and the config's new schedule
/// state. A claim whose run collides with an existing (job_config_id, scheduled_for) is refused
/// without affecting the other claims of the batch.
struct fire_claim {
    std::string config_id;
    std::optional<job_run> run;             ///< nullopt: advance the schedule only (skip)
    std::optional<time_point> next_run_at;  ///< nullopt: no further fire
    std::optional<time_point> last_run_at;  ///< nullopt: keep the stored value
};

/// Persistence of configs and runs. Implementations must be safe to call from several threads.
class store {
public:
    virtual ~store() = default;
    store() = default;
    store(store const&) = delete;
    store& operator=(store const&) = delete;

    // ---- job configurations
    /// already_exists when (account, name) is taken (field "name").
    [[nodiscard]] virtual result<void> insert_config(job_config const& c) = 0;
    [[nodiscard]] virtual result<job_config> get_config(std::string_view id) = 0;
    /// Replaces the stored config with the same id. not_found; already_exists on a name clash.
    [[nodiscard]] virtual result<void> update_config(job_config const& c) = 0;
    /// Deletes the config; its past runs stay. not_found.
    [[nodiscard]] virtual result<void> delete_config(std::string_view id) = 0;
    /// invalid_argument (field "sort"/"skip"/"limit") on a bad page request.
    [[nodiscard]] virtual result<page<job_config>> list_configs(config_query const& q) = 0;

    // ---- job runs
    /// already_exists when a run for (job_config_id, scheduled_for) exists.
    [[nodiscard]] virtual result<void> insert_run(job_run const& r) = 0;
    [[nodiscard]] virtual result<job_run> get_run(std::string_view id) = 0;
    /// Replaces the stored run. failed_precondition when the status change is not a forward
    /// transition (scheduler/job.hpp can_transition; same status is allowed). not_found.
    [[nodiscard]] virtual result<void> update_run(job_run const& r) = 0;
    /// Group commit of update_run: writes every run with the same per-row checks, in one
    /// transaction where the store has them. Element i of the answer is run i's own outcome
    /// (ok, or what update_run would have returned); a refused row is not written and does not
    /// stop the others. The call itself fails only when nothing could be written (then nothing
    /// was). The default loops over update_run, so every store has it.
    [[nodiscard]] virtual result<std::vector<status>> update_runs(std::span<job_run const> runs) {
        std::vector<status> out;
        out.reserve(runs.size());
        for (auto const& r : runs) {
            auto written = update_run(r);
            out.push_back(written ? status{} : written.error());
        }
        return out;
    }
    /// failed_precondition when the run is scheduled or in progress; not_found.
    [[nodiscard]] virtual result<void> delete_run(std::string_view id) = 0;
    [[nodiscard]] virtual result<page<job_run>> list_runs(run_query const& q) = 0;

    // ---- engine support
    /// Enabled configs whose next_run_at <= due_by and whose run_on is "any" or `node`,
    /// earliest first, at most `limit`.
    [[nodiscard]] virtual result<std::vector<job_config>> due_configs(time_point due_by,
                                                                      std::string_view node,
                                                                      std::size_t limit) = 0;
    /// The earliest next_run_at among enabled configs runnable on `node`, if any.
    [[nodiscard]] virtual result<std::optional<time_point>> earliest_next_run(
        std::string_view node) = 0;
    /// Applies all claims in one transaction; element i of the answer is false when claim i's
    /// run already existed (that claim changes nothing). A config deleted meanwhile is skipped
    /// (false) as well.
    [[nodiscard]] virtual result<std::vector<bool>> claim_fires(
        std::span<fire_claim const> claims) = 0;
    /// Runs of the config that are scheduled or in progress, oldest first.
    [[nodiscard]] virtual result<std::vector<job_run>> active_runs(std::string_view config_id) = 0;
    /// Crash recovery: every scheduled/in_progress run whose processing_node is `node` becomes
    /// failed with error "interrupted" and completed_at = now. Returns how many.
    [[nodiscard]] virtual result<std::int64_t> fail_interrupted_runs(std::string_view node,
                                                                     time_point now) = 0;
    /// Retention: deletes finished runs that are both older than `older_than` and beyond the
    /// newest `keep_per_config` of their config. Returns how many were deleted.
    [[nodiscard]] virtual result<std::int64_t> prune_runs(std::size_t keep_per_config,
                                                          time_point older_than) = 0;
};

}  // namespace scheduler
