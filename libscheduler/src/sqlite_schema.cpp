// SPDX-License-Identifier: Apache-2.0
#include "sqlite_schema.hpp"

#include <algorithm>

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <string>

namespace scheduler::detail {

namespace {

/// One forward step: running `sql` moves a file from version - 1 to `version`. Steps are never
/// edited once released; a change to the schema is a new step appended to the list.
struct migration {
    int version;
    char const* sql;
};

// Times are INTEGER microseconds since the Unix epoch, UTC. Durations are kept as the text the
// user wrote ("6d"), so responses echo it. cloud_name/expire_in are copies of params fields,
// extracted at write time so list filters can use an index instead of parsing JSON per row.
constexpr char const* schema_v1 = R"sql(
CREATE TABLE job_configs (
    id             TEXT    NOT NULL PRIMARY KEY,
    account        TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    operation      TEXT    NOT NULL,
    run_at         TEXT    NOT NULL,
    run_on         TEXT    NOT NULL,
    time_zone      TEXT    NOT NULL,
    start_date     INTEGER,
    end_date       INTEGER,
    disabled       INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    params         TEXT    NOT NULL,
    cloud_name     TEXT,
    expire_in      TEXT,
    overlap_policy TEXT    NOT NULL,
    misfire_policy TEXT    NOT NULL,
    misfire_grace  TEXT    NOT NULL,
    timeout        TEXT,
    jitter         TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    next_run_at    INTEGER,
    last_run_at    INTEGER,
    UNIQUE (account, name)
);
CREATE INDEX job_configs_due        ON job_configs (disabled, next_run_at);
CREATE INDEX job_configs_name       ON job_configs (name);
CREATE INDEX job_configs_created    ON job_configs (created_at, id);
CREATE INDEX job_configs_updated    ON job_configs (updated_at);
CREATE INDEX job_configs_operation  ON job_configs (operation, created_at);
CREATE INDEX job_configs_cloud      ON job_configs (cloud_name) WHERE cloud_name IS NOT NULL;
CREATE INDEX job_configs_expire_in  ON job_configs (expire_in) WHERE expire_in IS NOT NULL;
CREATE INDEX job_configs_run_at     ON job_configs (run_at);
CREATE INDEX job_configs_next_run   ON job_configs (next_run_at);
CREATE INDEX job_configs_last_run   ON job_configs (last_run_at);

-- No foreign key to job_configs: a run outlives its config (DESIGN.md §2).
CREATE TABLE job_runs (
    id              TEXT    NOT NULL PRIMARY KEY,
    account         TEXT    NOT NULL,
    job_config_id   TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    params          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN
                        ('scheduled', 'in_progress', 'completed', 'failed', 'aborted')),
    trigger         TEXT    NOT NULL,
    processing_node TEXT    NOT NULL,
    details         TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    enqueued_at     INTEGER NOT NULL,
    started_at      INTEGER,
    completed_at    INTEGER,
    scheduled_for   INTEGER
);
-- Exactly once: at most one run per config and fire instant, ever (DESIGN.md §5).
CREATE UNIQUE INDEX job_runs_fire ON job_runs (job_config_id, scheduled_for)
    WHERE scheduled_for IS NOT NULL;
CREATE INDEX job_runs_config     ON job_runs (job_config_id, created_at, id);
CREATE INDEX job_runs_active     ON job_runs (job_config_id, created_at)
    WHERE status IN ('scheduled', 'in_progress');
CREATE INDEX job_runs_node       ON job_runs (processing_node, status);
CREATE INDEX job_runs_created    ON job_runs (created_at, id);
CREATE INDEX job_runs_updated    ON job_runs (updated_at);
CREATE INDEX job_runs_name       ON job_runs (name);
CREATE INDEX job_runs_status     ON job_runs (status, created_at);
CREATE INDEX job_runs_operation  ON job_runs (operation, created_at);
CREATE INDEX job_runs_enqueued   ON job_runs (enqueued_at);
CREATE INDEX job_runs_started    ON job_runs (started_at);
CREATE INDEX job_runs_completed  ON job_runs (completed_at);
)sql";

// v2: write cost of the engine's hot path (docs/storage.md "Indexes and why").
// - job_configs_due gains `id`, so due_configs (ORDER BY next_run_at, id LIMIT n) reads the
//   index in order and stops after n rows instead of sorting every config due at one instant.
// - job_runs loses the indexes that only served sorts by updated/enqueued/started/completed
//   time: each run is updated twice (in_progress, then finished), and those indexes were
//   rewritten on both. Sorting a list by these keys now scans and top-N sorts the matches.
// - job_runs_active goes too: active_runs is served by job_runs_config (the planner already
//   chose it), and the partial index cost an insert at claim and a delete at finish.
constexpr char const* schema_v2 = R"sql(
DROP INDEX job_configs_due;
CREATE INDEX job_configs_due ON job_configs (disabled, next_run_at, id);
DROP INDEX job_runs_updated;
DROP INDEX job_runs_enqueued;
DROP INDEX job_runs_started;
DROP INDEX job_runs_completed;
DROP INDEX job_runs_active;
)sql";

constexpr std::array<migration, 2> migrations{{
    {1, schema_v1},
    {2, schema_v2},
}};

}  // namespace

int latest_schema_version() noexcept {
    return migrations.back().version;
}

int read_user_version(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

result<void> migrate(SQLite::Database& db) {
    return migrate(db, latest_schema_version());
}

result<void> migrate(SQLite::Database& db, int target) {
    target = std::min(target, latest_schema_version());
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the
    // same new file cannot both run step 1.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    int const current = read_user_version(db);
    if (current > latest_schema_version()) {
        return status{code::failed_precondition, "database schema version " +
                                                     std::to_string(current) +
                                                     " is newer than this build supports (" +
                                                     std::to_string(latest_schema_version()) + ")"};
    }
    for (auto const& step : migrations) {
        if (step.version <= current || step.version > target) continue;
        db.exec(step.sql);
    }
    if (current < target) {
        // PRAGMA takes no bound parameters; the value is our own constant, not input.
        db.exec("PRAGMA user_version = " + std::to_string(target));
    }
    tx.commit();
    return {};
}

}  // namespace scheduler::detail
