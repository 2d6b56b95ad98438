// SPDX-License-Identifier: Apache-2.0
// sqlite_store on disk: migrations and schema versions, reopening, backup, integrity, and
// failures midway through a write leaving nothing behind (fault injection).
#include <scheduler/sqlite_store.hpp>

#include "sqlite_fault.hpp"   // libscheduler/src: the test-only fault point
#include "sqlite_impl.hpp"    // libscheduler/src: row binding, to write rows as v1 did
#include "sqlite_schema.hpp"  // libscheduler/src: migrate to an older version
#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using scheduler::code;
using scheduler::run_status;
using scheduler::sqlite_store;
using store_test::make_config;
using store_test::make_run;
using store_test::temp_db_path;

namespace {

/// Throws at the named fault point for as long as it lives.
class fail_at {
public:
    explicit fail_at(std::string point) {
        scheduler::detail::set_sqlite_fault_hook(
            [p = std::move(point), n = 0](std::string_view reached) mutable {
                // Fail the second time the point is reached, so the write is truly midway.
                if (reached == p && ++n == 2) throw std::runtime_error("injected fault at " + p);
            });
    }
    ~fail_at() { scheduler::detail::set_sqlite_fault_hook({}); }
    fail_at(fail_at const&) = delete;
    fail_at& operator=(fail_at const&) = delete;
};

/// Same as fail_at, but on the first time the point is reached.
class fail_first {
public:
    explicit fail_first(std::string point) {
        scheduler::detail::set_sqlite_fault_hook([p = std::move(point)](std::string_view reached) {
            if (reached == p) throw std::runtime_error("injected fault at " + p);
        });
    }
    ~fail_first() { scheduler::detail::set_sqlite_fault_hook({}); }
    fail_first(fail_first const&) = delete;
    fail_first& operator=(fail_first const&) = delete;
};

}  // namespace

TEST_CASE("a new file is at the latest schema version, in WAL mode", "[store]") {
    temp_db_path path;
    auto db = sqlite_store::open(path.str()).value();
    CHECK(db->schema_version() == 2);
    SQLite::Database raw(path.str(), SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 2);
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("reopening an existing file keeps its data", "[store]") {
    temp_db_path path;
    auto c = make_config("persisted");
    auto r = make_run("run", c.id, run_status::completed);
    {
        auto db = sqlite_store::open(path.str()).value();
        REQUIRE(db->insert_config(c));
        REQUIRE(db->insert_run(r));
    }
    scheduler::sqlite_options full;
    full.sync = scheduler::sqlite_sync::full;
    auto db = sqlite_store::open(path.str(), full).value();
    CHECK(db->schema_version() == 2);
    CHECK(db->get_config(c.id).value() == c);
    CHECK(db->get_run("run").value() == r);
}

TEST_CASE("a file with a newer schema is refused and left untouched", "[store]") {
    temp_db_path path;
    {
        SQLite::Database raw(path.str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("PRAGMA user_version = 99");
    }
    auto db = sqlite_store::open(path.str());
    REQUIRE_FALSE(db);
    CHECK(db.error().error_code() == code::failed_precondition);
    SQLite::Database raw(path.str(), SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 99);
    CHECK_FALSE(raw.tableExists("job_configs"));
}

namespace {

/// Every index and table of a file as (type, name, sql), sorted.
std::vector<std::string> schema_of(std::string const& path) {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    SQLite::Statement q(raw,
                        "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master"
                        " ORDER BY type, name");
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
}

}  // namespace

TEST_CASE("a file left at schema version 1 is migrated on open and keeps its data", "[store]") {
    temp_db_path path;
    auto c = make_config("from v1");
    c.next_run_at = scheduler::parse_rfc3339("2026-03-02T10:05:00Z").value();
    auto r = make_run("run-from-v1", c.id, run_status::completed);
    {
        // The file as release 1 wrote it: schema v1 and rows written with its columns.
        SQLite::Database raw(path.str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        REQUIRE(scheduler::detail::migrate(raw, 1));
        REQUIRE(raw.execAndGet("PRAGMA user_version").getInt() == 1);
        REQUIRE(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'job_runs_started'")
                    .getInt() == 1);
        SQLite::Statement ic(
            raw, scheduler::detail::insert_sql("job_configs", scheduler::detail::config_columns));
        scheduler::detail::bind_config(ic, c);
        ic.exec();
        SQLite::Statement ir(
            raw, scheduler::detail::insert_sql("job_runs", scheduler::detail::run_columns));
        scheduler::detail::bind_run(ir, r);
        ir.exec();
    }
    temp_db_path fresh;
    (void)sqlite_store::open(fresh.str()).value();

    auto db = sqlite_store::open(path.str()).value();
    CHECK(db->schema_version() == 2);
    CHECK(db->get_config(c.id).value() == c);
    CHECK(db->get_run(r.id).value() == r);
    // The due query finds the config through the new index.
    auto due = db->due_configs(scheduler::parse_rfc3339("2026-03-02T11:00:00Z").value(), "any", 10);
    REQUIRE(due);
    REQUIRE(due->size() == 1);
    CHECK(due->front().id == c.id);
    CHECK(db->integrity_check());
    db.reset();
    // Same tables and indexes, with the same definitions, as a file created at version 2.
    CHECK(schema_of(path.str()) == schema_of(fresh.str()));
}

TEST_CASE("a path that cannot be opened is unavailable", "[store]") {
    temp_db_path path;
    auto db = sqlite_store::open(path.str() + "/no/such/dir/db.sqlite");
    REQUIRE_FALSE(db);
    CHECK(db.error().error_code() == code::unavailable);
}

TEST_CASE("integrity_check passes on a used database", "[store]") {
    temp_db_path path;
    auto db = sqlite_store::open(path.str()).value();
    for (int i = 0; i < 50; ++i) {
        REQUIRE(db->insert_config(make_config("c" + std::to_string(i), i)));
    }
    CHECK(db->integrity_check());
}

TEST_CASE("backup_to writes a copy that opens with the same data", "[store]") {
    temp_db_path path;
    temp_db_path copy;
    auto c = make_config("backed-up");
    auto r = make_run("run", c.id, run_status::completed);
    {
        auto db = sqlite_store::open(path.str()).value();
        REQUIRE(db->insert_config(c));
        REQUIRE(db->insert_run(r));
        REQUIRE(db->backup_to(copy.str()));
        // Later writes do not reach the copy.
        REQUIRE(db->insert_config(make_config("after-backup")));
    }
    auto restored = sqlite_store::open(copy.str()).value();
    CHECK(restored->schema_version() == 2);
    CHECK(restored->integrity_check());
    CHECK(restored->get_config(c.id).value() == c);
    CHECK(restored->get_run("run").value() == r);
    CHECK(restored->get_config(make_config("after-backup").id).error().error_code() ==
          code::not_found);
}

TEST_CASE("a claim batch failing midway leaves nothing behind", "[store]") {
    temp_db_path path;
    auto db = sqlite_store::open(path.str()).value();
    auto a = make_config("a");
    auto b = make_config("b");
    REQUIRE(db->insert_config(a));
    REQUIRE(db->insert_config(b));
    std::vector<scheduler::fire_claim> batch(2);
    batch[0].config_id = a.id;
    batch[0].run = make_run("run-a", a.id, run_status::scheduled);
    batch[0].next_run_at = store_test::at("2030-01-01T00:00:00Z");
    batch[1].config_id = b.id;
    batch[1].run = make_run("run-b", b.id, run_status::scheduled);
    batch[1].next_run_at = store_test::at("2030-01-01T00:00:00Z");
    {
        fail_at fault("claim_fires.claim");  // after the second claim is written
        auto r = db->claim_fires(batch);
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == code::internal);
    }
    CHECK(db->get_run("run-a").error().error_code() == code::not_found);
    CHECK(db->get_run("run-b").error().error_code() == code::not_found);
    CHECK(db->get_config(a.id).value() == a);
    CHECK(db->get_config(b.id).value() == b);
    CHECK(db->integrity_check());
    // The store still works, and the same batch now succeeds.
    CHECK(db->claim_fires(batch).value() == std::vector<bool>{true, true});
}

TEST_CASE("a failing config write leaves nothing behind", "[store]") {
    auto db = store_test::memory_store();
    auto c = make_config("faulty");
    {
        fail_first fault("insert_config");  // after the row is written, before commit
        REQUIRE_FALSE(db->insert_config(c));
    }
    CHECK(db->get_config(c.id).error().error_code() == code::not_found);
    REQUIRE(db->insert_config(c));
    auto changed = c;
    changed.description = "never stored";
    {
        fail_first fault("update_config");
        REQUIRE_FALSE(db->update_config(changed));
    }
    CHECK(db->get_config(c.id).value() == c);
}

TEST_CASE("a failing run update leaves the run unchanged", "[store]") {
    auto db = store_test::memory_store();
    auto r = make_run("r", "cfg", run_status::scheduled);
    REQUIRE(db->insert_run(r));
    auto next = r;
    next.status = run_status::in_progress;
    {
        fail_first fault("update_run");
        REQUIRE_FALSE(db->update_run(next));
    }
    CHECK(db->get_run("r").value() == r);
}

TEST_CASE("concurrent writers and readers are serialized safely", "[store]") {
    temp_db_path path;
    auto db = sqlite_store::open(path.str()).value();
    constexpr int threads = 4;
    constexpr int per_thread = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto c = make_config("t" + std::to_string(t) + "-" + std::to_string(i), i);
                if (!db->insert_config(c)) ++failures;
                if (!db->get_config(c.id)) ++failures;
                scheduler::config_query q;
                if (!db->list_configs(q)) ++failures;
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(failures == 0);
    scheduler::config_query q;
    CHECK(db->list_configs(q).value().total == threads * per_thread);
}
