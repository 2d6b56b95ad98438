// SPDX-License-Identifier: Apache-2.0
// File: support/in_memory_store.hpp
//
// A complete `scheduler::store` over std containers and one mutex, for engine and server tests.
// It honours every documented behaviour of the interface (unique names per account, the unique
// (job_config_id, scheduled_for) key, forward-only run transitions, filters, the sort allow-lists,
// paging, claim batches, crash recovery, retention), so a test passing here means the engine
// relies only on the contract, and the same test can run against sqlite_store.
//
//   scheduler::test::in_memory_store store;
//   scheduler::engine eng{store, registry, clock, options};
#pragma once

#include <scheduler/store.hpp>

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace scheduler::test {

/// In-memory store. Thread-safe: every call holds one mutex (so each call is "one transaction").
class in_memory_store final : public store {
public:
    in_memory_store() = default;

    [[nodiscard]] result<void> insert_config(job_config const& c) override;
    [[nodiscard]] result<job_config> get_config(std::string_view id) override;
    [[nodiscard]] result<void> update_config(job_config const& c) override;
    [[nodiscard]] result<void> delete_config(std::string_view id) override;
    [[nodiscard]] result<page<job_config>> list_configs(config_query const& q) override;
    [[nodiscard]] result<void> insert_run(job_run const& r) override;
    [[nodiscard]] result<job_run> get_run(std::string_view id) override;
    [[nodiscard]] result<void> update_run(job_run const& r) override;
    [[nodiscard]] result<void> delete_run(std::string_view id) override;
    [[nodiscard]] result<page<job_run>> list_runs(run_query const& q) override;
    [[nodiscard]] result<std::vector<job_config>> due_configs(time_point due_by,
                                                              std::string_view node,
                                                              std::size_t limit) override;
    [[nodiscard]] result<std::optional<time_point>> earliest_next_run(
        std::string_view node) override;
    [[nodiscard]] result<std::vector<bool>> claim_fires(
        std::span<fire_claim const> claims) override;
    [[nodiscard]] result<std::vector<job_run>> active_runs(std::string_view config_id) override;
    [[nodiscard]] result<std::int64_t> fail_interrupted_runs(std::string_view node,
                                                             time_point now) override;
    [[nodiscard]] result<std::int64_t> prune_runs(std::size_t keep_per_config,
                                                  time_point older_than) override;

    /// Test helpers (not part of `store`): counts without paging.
    [[nodiscard]] std::size_t config_count() const;
    [[nodiscard]] std::size_t run_count() const;

private:
    [[nodiscard]] bool name_taken(job_config const& c) const;  // caller holds mutex_
    [[nodiscard]] result<void> insert_run_locked(job_run const& r);

    mutable std::mutex mutex_;
    std::map<std::string, job_config, std::less<>> configs_;
    std::map<std::string, job_run, std::less<>> runs_;
    std::set<std::pair<std::string, time_point>> fires_;  ///< (job_config_id, scheduled_for)
};

}  // namespace scheduler::test
