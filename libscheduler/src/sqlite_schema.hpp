// SPDX-License-Identifier: Apache-2.0
// Private: the schema of sqlite_store and its forward-only migrations.
#pragma once

#include <scheduler/errors.hpp>

namespace SQLite {
class Database;
}  // namespace SQLite

namespace scheduler::detail {

/// The schema version this build writes; files at a higher version are refused.
[[nodiscard]] int latest_schema_version() noexcept;

/// Brings `db` from its PRAGMA user_version to latest_schema_version() in one IMMEDIATE
/// transaction. failed_precondition when the file is newer than this build. May throw
/// SQLite::Exception (the caller converts).
[[nodiscard]] result<void> migrate(SQLite::Database& db);

/// Same, but stops at `target` (at most latest_schema_version()): lets tests build a file as an
/// older release left it and check that opening it migrates the data.
[[nodiscard]] result<void> migrate(SQLite::Database& db, int target);

/// Reads PRAGMA user_version.
[[nodiscard]] int read_user_version(SQLite::Database& db);

}  // namespace scheduler::detail
