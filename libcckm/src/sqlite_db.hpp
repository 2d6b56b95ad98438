// SPDX-License-Identifier: Apache-2.0
// The one way libcckm's SQLite stores (keys, bulk jobs, AWS connections) open their connection
// and turn SQLiteCpp exceptions into statuses, so the three agree on pragmas, locking and the
// error mapping. Private to libcckm.
#pragma once

#include <scheduler/errors.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>

namespace cckm::detail {

/// SQLite busy/locked -> unavailable (transient); a unique constraint -> already_exists naming
/// `unique_field`; other constraints -> failed_precondition; anything else internal. SQLite's
/// text and extended code stay in the message, after "<store>: <what>: ".
[[nodiscard]] inline scheduler::status from_sqlite(SQLite::Exception const& e,
                                                   std::string_view store,
                                                   std::string_view what,
                                                   std::string_view unique_field = {}) {
    using scheduler::code;
    std::string message = std::string(store) + ": " + std::string(what) + ": " + e.what() +
                          " (sqlite code " + std::to_string(e.getExtendedErrorCode()) + ")";
    int const primary = e.getErrorCode();
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return {code::unavailable, std::move(message)};
    if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
        return {code::already_exists, std::move(message), std::string(unique_field)};
    if (primary == SQLITE_CONSTRAINT) return {code::failed_precondition, std::move(message)};
    return {code::internal, std::move(message)};
}

/// One SQLite connection of a store, used by one thread at a time through run().
class sqlite_db {
public:
    /// What differs between the stores.
    struct options {
        std::string store;  ///< the message prefix: "key store", "bulk job store", ...
        std::chrono::milliseconds busy_timeout;
        bool foreign_keys;
        std::string unique_field;  ///< named by already_exists (see from_sqlite); may be empty
    };

    /// Opens (creating) `path` in WAL mode with synchronous NORMAL, then runs `schema_sql` in
    /// one IMMEDIATE transaction. Throws SQLite::Exception: open functions catch it.
    sqlite_db(std::string const& path, char const* schema_sql, options o)
        : options_(std::move(o)),
          db_(path,
              SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
              static_cast<int>(options_.busy_timeout.count())) {
        // Before any transaction: journal_mode cannot change inside one. The scheduler store
        // sets the same on the same file, so whichever opens first decides nothing different.
        db_.exec("PRAGMA journal_mode = WAL");
        db_.exec("PRAGMA synchronous = NORMAL");
        if (options_.foreign_keys) db_.exec("PRAGMA foreign_keys = ON");
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        db_.exec(schema_sql);
        tx.commit();
    }

    /// Runs `body()` holding the connection; its SQLiteCpp and other exceptions come back as
    /// statuses naming `what`.
    template <class T, class F>
    scheduler::result<T> run(std::string_view what, F&& body) {
        std::lock_guard lock(mutex_);
        try {
            return body();
        } catch (SQLite::Exception const& e) {
            return error(e, what);
        } catch (std::exception const& e) {
            return scheduler::status{scheduler::code::internal,
                                     options_.store + ": " + std::string(what) + ": " + e.what()};
        }
    }

    /// from_sqlite with this store's prefix and unique field.
    [[nodiscard]] scheduler::status error(SQLite::Exception const& e, std::string_view what) const {
        return from_sqlite(e, options_.store, what, options_.unique_field);
    }

    /// The connection; only inside run().
    [[nodiscard]] SQLite::Database& db() noexcept { return db_; }

private:
    options options_;
    std::mutex mutex_;
    SQLite::Database db_;
};

}  // namespace cckm::detail
