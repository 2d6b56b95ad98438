// SPDX-License-Identifier: Apache-2.0
// sqlite_store: opening, maintenance (backup, integrity check) and job configurations.
// Runs and the engine's calls are in sqlite_store_runs.cpp, lists in sqlite_query.cpp.
#include <scheduler/sqlite_store.hpp>

#include "sqlite_fault.hpp"
#include "sqlite_impl.hpp"
#include "sqlite_schema.hpp"

#include <string>

namespace scheduler {

namespace {

// The connection is ours alone (serialized by impl::mu), so SQLite's own mutex is redundant.
int const open_flags = SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX;

std::string const& insert_config_sql() {
    static std::string const sql = detail::insert_sql("job_configs", detail::config_columns);
    return sql;
}

std::string const& update_config_sql() {
    static std::string const sql = detail::update_sql("job_configs", detail::config_columns);
    return sql;
}

std::string const& get_config_sql() {
    static std::string const sql =
        "SELECT " + std::string(detail::config_columns) + " FROM job_configs WHERE id = ?1";
    return sql;
}

}  // namespace

namespace detail {

std::optional<job_config> config_cache::find(std::string_view id) const {
    std::shared_lock lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return std::nullopt;
    return it->second;
}

std::uint64_t config_cache::generation() const {
    std::shared_lock lock(mu_);
    return gen_;
}

void config_cache::fill(job_config const& c, std::uint64_t generation) {
    std::unique_lock lock(mu_);
    if (generation != gen_) return;  // a write landed while it was read: it may be stale
    if (map_.size() >= max_entries) map_.clear();
    map_.insert_or_assign(c.id, c);
}

void config_cache::invalidate(std::string_view id) {
    std::unique_lock lock(mu_);
    ++gen_;
    erase_locked(id);
}

void config_cache::erase_locked(std::string_view id) {
    if (auto it = map_.find(id); it != map_.end()) map_.erase(it);
}

}  // namespace detail

sqlite_store::impl::impl(std::string const& path, sqlite_options const& options)
    : db(path, open_flags, static_cast<int>(options.busy_timeout.count())) {
    // journal_mode cannot change inside a transaction, so these run before the migration.
    // ":memory:" answers "memory" to WAL, which is fine: it has nothing to make durable.
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(options.sync == sqlite_sync::full ? "PRAGMA synchronous = FULL"
                                              : "PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // 64 MiB of page cache (the default is 2 MiB): the index pages of a large table stay in
    // memory instead of being re-read for every batch.
    db.exec("PRAGMA cache_size = -65536");
    db.exec("PRAGMA temp_store = MEMORY");
    db.exec("PRAGMA wal_autocheckpoint = 10000");
    // Reads through a memory map instead of pread() into the page cache: no copy and no page
    // allocation per page read. Writes still go through the WAL. A 100k-claim burst used ~20 %
    // less CPU (docs/bench-engine.md). PRAGMA takes no bound parameters; the value is a number.
    db.exec("PRAGMA mmap_size = " + std::to_string(options.mmap_bytes));
}

detail::statement_ref sqlite_store::impl::prepare(std::string const& sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
        it = cache.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first;
    }
    it->second->tryReset();
    it->second->clearBindings();
    return detail::statement_ref(*it->second);
}

detail::statement_ref sqlite_store::impl::prepare_list(std::string const& sql) {
    // Enough for every filter combination a UI sends; a client cycling through sort orders
    // only costs re-preparing.
    constexpr std::size_t max_list_statements = 128;
    auto it = list_cache.find(sql);
    if (it == list_cache.end()) {
        if (list_cache.size() >= max_list_statements) list_cache.clear();
        it = list_cache.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first;
    }
    it->second->tryReset();
    it->second->clearBindings();
    return detail::statement_ref(*it->second);
}

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

sqlite_store::~sqlite_store() = default;

result<std::unique_ptr<sqlite_store>> sqlite_store::open(std::string const& path,
                                                         sqlite_options options) {
    std::unique_ptr<impl> p;
    try {
        p = std::make_unique<impl>(path, options);
    } catch (SQLite::Exception const& e) {
        auto st = detail::from_sqlite(e, "open '" + path + "'");
        return status{code::unavailable, st.message()};
    }
    try {
        if (auto r = detail::migrate(p->db); !r) return r.error();
    } catch (SQLite::Exception const& e) {
        return detail::from_sqlite(e, "migrate '" + path + "'");
    }
    return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(p)));
}

result<void> sqlite_store::backup_to(std::string const& dest_path) {
    return impl_->guarded<void>("backup_to", {}, [&]() -> result<void> {
        SQLite::Database dest(dest_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        SQLite::Backup backup(dest, impl_->db);
        backup.executeStep();  // all pages in one step: the copy is one consistent snapshot
        return {};
    });
}

result<void> sqlite_store::integrity_check() {
    return impl_->guarded<void>("integrity_check", {}, [&]() -> result<void> {
        auto st = impl_->prepare("PRAGMA integrity_check");
        std::string answer;
        while (st->executeStep()) {
            if (!answer.empty()) answer += "; ";
            answer += st->getColumn(0).getString();
        }
        if (answer == "ok") return {};
        return status{code::internal, "integrity_check: " + answer};
    });
}

int sqlite_store::schema_version() {
    auto r = impl_->guarded<int>("schema_version", {}, [&]() -> result<int> {
        return detail::read_user_version(impl_->db);
    });
    return r ? *r : -1;
}

result<void> sqlite_store::insert_config(job_config const& c) {
    return impl_->guarded<void>("insert_config", "name", [&]() -> result<void> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare(insert_config_sql());
        detail::bind_config(*st, c);
        st->exec();
        detail::sqlite_fault_point("insert_config");
        tx.commit();
        return {};
    });
}

result<job_config> sqlite_store::get_config(std::string_view id) {
    if (auto hit = impl_->configs.find(id)) return std::move(*hit);
    auto const generation = impl_->configs.generation();
    auto r = impl_->guarded<job_config>("get_config", {}, [&]() -> result<job_config> {
        auto st = impl_->prepare(get_config_sql());
        st->bind(1, std::string(id));
        if (!st->executeStep()) return not_found("job config '" + std::string(id) + "' not found");
        return detail::read_config(*st);
    });
    if (r) impl_->configs.fill(*r, generation);
    return r;
}

result<void> sqlite_store::update_config(job_config const& c) {
    return impl_->guarded<void>("update_config", "name", [&]() -> result<void> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare(update_config_sql());
        detail::bind_config(*st, c);
        if (st->exec() == 0) return not_found("job config '" + c.id + "' not found");
        detail::sqlite_fault_point("update_config");
        tx.commit();
        impl_->configs.invalidate(c.id);
        return {};
    });
}

result<void> sqlite_store::delete_config(std::string_view id) {
    return impl_->guarded<void>("delete_config", {}, [&]() -> result<void> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare("DELETE FROM job_configs WHERE id = ?1");
        st->bind(1, std::string(id));
        if (st->exec() == 0) return not_found("job config '" + std::string(id) + "' not found");
        tx.commit();
        impl_->configs.invalidate(id);
        return {};
    });
}

}  // namespace scheduler
