// SPDX-License-Identifier: Apache-2.0
// File: scheduler/sqlite_store.hpp
//
// The built-in `store`: one SQLite file (or ":memory:"), WAL, foreign keys, busy timeout,
// schema versioned with PRAGMA user_version and migrated forward at open in one transaction.
// No SQLite type appears here; the connection lives behind a pimpl.
//
//   auto db = scheduler::sqlite_store::open("data/scheduler.db").value();
//   db->insert_config(cfg).value();
#pragma once

#include <scheduler/store.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace scheduler {

/// Durability setting: `normal` (WAL + synchronous=NORMAL: a power cut may lose the last
/// committed transactions but never corrupts) or `full` (fsync on every commit).
enum class sqlite_sync { normal, full };

struct sqlite_options {
    sqlite_sync sync = sqlite_sync::normal;
    std::chrono::milliseconds busy_timeout{5000};
    /// Bytes of the database file read through a memory map (PRAGMA mmap_size); 0 reads every
    /// page with pread(). Mapped pages are the kernel's page cache: they count in RSS once
    /// touched but are not the process's own memory. Only safe while no other process
    /// truncates the file (this store assumes it is the file's only writer).
    std::uint64_t mmap_bytes = std::uint64_t{1} << 30;
};

/// SQLite implementation of `store`. Thread-safe: calls are serialized on one connection.
class sqlite_store final : public store {
public:
    /// Opens or creates the database at `path` and applies migrations. unavailable when the
    /// file cannot be opened; failed_precondition when its schema is newer than this build.
    [[nodiscard]] static result<std::unique_ptr<sqlite_store>> open(std::string const& path,
                                                                    sqlite_options options = {});
    ~sqlite_store() override;

    /// Writes a consistent copy of the live database to `dest_path` (SQLite online backup).
    [[nodiscard]] result<void> backup_to(std::string const& dest_path);
    /// Runs PRAGMA integrity_check; ok when it answers "ok".
    [[nodiscard]] result<void> integrity_check();
    /// The schema version the file is at.
    [[nodiscard]] int schema_version();

    // store
    [[nodiscard]] result<void> insert_config(job_config const& c) override;
    [[nodiscard]] result<job_config> get_config(std::string_view id) override;
    [[nodiscard]] result<void> update_config(job_config const& c) override;
    [[nodiscard]] result<void> delete_config(std::string_view id) override;
    [[nodiscard]] result<page<job_config>> list_configs(config_query const& q) override;
    [[nodiscard]] result<void> insert_run(job_run const& r) override;
    [[nodiscard]] result<job_run> get_run(std::string_view id) override;
    [[nodiscard]] result<void> update_run(job_run const& r) override;
    /// One IMMEDIATE transaction; refused rows are skipped and reported in their element.
    [[nodiscard]] result<std::vector<status>> update_runs(std::span<job_run const> runs) override;
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

    struct impl;

private:
    explicit sqlite_store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace scheduler
