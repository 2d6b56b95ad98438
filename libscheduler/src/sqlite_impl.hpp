// SPDX-License-Identifier: Apache-2.0
// Private: the state behind sqlite_store's pimpl (one connection, its mutex and its cache of
// prepared statements) and the helpers shared by the sqlite_*.cpp files: time and row
// conversions and the one seam where SQLiteCpp exceptions become `status` values.
#pragma once

#include <scheduler/sqlite_store.hpp>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace scheduler {

namespace detail {

/// A cached statement in use; resets it on scope exit so no read snapshot stays open (an open
/// snapshot would keep WAL checkpoints from completing) and the next user starts clean.
class statement_ref {
public:
    explicit statement_ref(SQLite::Statement& s) noexcept : s_(&s) {}
    ~statement_ref() { s_->tryReset(); }
    statement_ref(statement_ref const&) = delete;
    statement_ref& operator=(statement_ref const&) = delete;
    SQLite::Statement* operator->() const noexcept { return s_; }
    SQLite::Statement& operator*() const noexcept { return *s_; }

private:
    SQLite::Statement* s_;
};

/// Microseconds since the epoch: the unit every time column holds.
[[nodiscard]] inline std::int64_t to_micros(time_point t) noexcept {
    return t.time_since_epoch().count();
}
[[nodiscard]] inline time_point from_micros(std::int64_t us) noexcept {
    return time_point{std::chrono::microseconds{us}};
}

/// Binds a time or NULL.
void bind_time(SQLite::Statement& s, int index, std::optional<time_point> t);
/// Reads a time column that may be NULL.
[[nodiscard]] std::optional<time_point> column_time(SQLite::Statement& s, int index);

/// Column lists in binding order; the first column is always `id`.
extern std::string_view const config_columns;
extern std::string_view const run_columns;

/// Binds every column of `c` (parameters 1..N in config_columns order).
void bind_config(SQLite::Statement& s, job_config const& c);
/// Reads a row selected with config_columns. Throws std::runtime_error on a corrupt value.
[[nodiscard]] job_config read_config(SQLite::Statement& s);
/// Binds every column of `r` (parameters 1..N in run_columns order). Its strings are not
/// copied: execute the statement before `r` changes or goes away.
void bind_run(SQLite::Statement& s, job_run const& r);
/// Reads a row selected with run_columns. Throws std::runtime_error on a corrupt value.
[[nodiscard]] job_run read_run(SQLite::Statement& s);

/// "INSERT INTO t (cols) VALUES (?1, ...)" and "UPDATE t SET c2 = ?2, ... WHERE id = ?1".
[[nodiscard]] std::string insert_sql(std::string_view table, std::string_view columns);
[[nodiscard]] std::string update_sql(std::string_view table, std::string_view columns);

/// Maps a SQLiteCpp exception: busy/locked -> unavailable, unique/primary key ->
/// already_exists (naming `field`), other constraints -> failed_precondition, else internal.
/// The message keeps SQLite's text and extended code.
[[nodiscard]] status from_sqlite(SQLite::Exception const& e,
                                 std::string_view what,
                                 std::string field = {});

/// Configs recently read by id, so a hot `GET /job-configs/{id}` skips SQLite and the
/// connection's mutex. Every write path that changes a config row erases it after its commit;
/// a reader only fills an entry if no such erase happened since it began reading (the
/// generation), so a value read before a commit can never be cached after it. Only this
/// process writes the file (DESIGN.md §6), so in-process invalidation is complete.
class config_cache {
public:
    /// The cached config, or nullopt.
    [[nodiscard]] std::optional<job_config> find(std::string_view id) const;
    /// Read before the database, passed to fill().
    [[nodiscard]] std::uint64_t generation() const;
    /// Caches `c`, unless a config was invalidated after `generation` was read.
    void fill(job_config const& c, std::uint64_t generation);
    /// Forgets the configs with these ids; call after the write that changed them committed.
    void invalidate(std::string_view id);
    template <class Range, class Proj>
    void invalidate_all(Range const& items, Proj proj) {
        std::unique_lock lock(mu_);
        ++gen_;
        for (auto const& item : items) erase_locked(proj(item));
    }

private:
    void erase_locked(std::string_view id);
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    // Bounded: a client reading a million configs at random must not grow it without limit.
    static constexpr std::size_t max_entries = 16384;
    mutable std::shared_mutex mu_;
    std::uint64_t gen_ = 0;
    std::unordered_map<std::string, job_config, string_hash, std::equal_to<>> map_;
};

}  // namespace detail

/// One connection serialized by a mutex: SQLite connections must not be used by two threads
/// at once, and a single writer is all SQLite allows anyway.
struct sqlite_store::impl {
    impl(std::string const& path, sqlite_options const& options);

    /// The cached prepared statement for `sql`, reset and with bindings cleared. `sql` must be
    /// built from constants only (every value is a bound parameter), so the cache stays small.
    [[nodiscard]] detail::statement_ref prepare(std::string const& sql);

    /// Like prepare(), for list queries: their SQL varies with the filters and sort keys a
    /// client sends, so this cache is bounded and emptied when full. Hold at most one
    /// reference from it at a time (emptying it invalidates earlier ones).
    [[nodiscard]] detail::statement_ref prepare_list(std::string const& sql);

    /// Runs `f` under the mutex, converting every exception into a status (the seam of
    /// STYLE.md point 9). `field` names the field a unique-key clash refers to.
    template <class T, class F>
    [[nodiscard]] result<T> guarded(std::string_view what, std::string const& field, F&& f) {
        std::lock_guard lock(mu);
        try {
            return f();
        } catch (SQLite::Exception const& e) {
            return detail::from_sqlite(e, what, field);
        } catch (std::exception const& e) {
            return status{code::internal, std::string(what) + ": " + e.what()};
        }
    }

    SQLite::Database db;
    std::mutex mu;
    detail::config_cache configs;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> list_cache;
};

}  // namespace scheduler
