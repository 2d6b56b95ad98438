// SPDX-License-Identifier: Apache-2.0
// sqlite_store keeps recently read configs in memory: a read after any write that changed the
// config (update, delete, a claim advancing its schedule) must see the write, and concurrent
// readers must never see a config go back to an older version.
#include <scheduler/sqlite_store.hpp>

#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using scheduler::code;
using store_test::at;
using store_test::make_config;
using store_test::make_run;
using store_test::memory_store;

TEST_CASE("a config read before an update is read again after it", "[store][cache]") {
    auto db = memory_store();
    auto c = make_config("cached");
    REQUIRE(db->insert_config(c));
    REQUIRE(db->get_config(c.id).value() == c);  // now cached
    c.description = "changed";
    c.updated_at += 1h;
    REQUIRE(db->update_config(c));
    CHECK(db->get_config(c.id).value() == c);
}

TEST_CASE("a refused update leaves the cached config as stored", "[store][cache]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(make_config("one")));
    auto two = make_config("two");
    REQUIRE(db->insert_config(two));
    REQUIRE(db->get_config(two.id).value() == two);
    auto clash = two;
    clash.name = "one";
    REQUIRE(db->update_config(clash).error().error_code() == code::already_exists);
    CHECK(db->get_config(two.id).value() == two);
}

TEST_CASE("a config read before a delete is gone after it", "[store][cache]") {
    auto db = memory_store();
    auto c = make_config("doomed");
    REQUIRE(db->insert_config(c));
    REQUIRE(db->get_config(c.id));
    REQUIRE(db->delete_config(c.id));
    CHECK(db->get_config(c.id).error().error_code() == code::not_found);
}

TEST_CASE("a config read before a claim shows the advanced schedule", "[store][cache]") {
    auto db = memory_store();
    auto c = make_config("claimed");
    auto const fire = at("2026-01-02T01:00:00Z");
    c.next_run_at = fire;
    REQUIRE(db->insert_config(c));
    REQUIRE(db->get_config(c.id).value().next_run_at == fire);
    scheduler::fire_claim claim;
    claim.config_id = c.id;
    auto run = make_run("run-1", c.id, scheduler::run_status::scheduled);
    run.scheduled_for = fire;
    claim.run = run;
    claim.next_run_at = fire + 24h;
    claim.last_run_at = fire;
    REQUIRE(db->claim_fires(std::vector{claim}).value() == std::vector<bool>{true});
    auto const stored = db->get_config(c.id).value();
    CHECK(stored.next_run_at == fire + 24h);
    CHECK(stored.last_run_at == fire);
}

TEST_CASE("concurrent readers never see a config go back to an older version", "[store][cache]") {
    auto db = memory_store();
    auto c = make_config("hot");
    c.description = "0";
    REQUIRE(db->insert_config(c));
    constexpr int versions = 300;
    std::atomic<bool> done{false};
    std::atomic<int> regressions{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            int seen = 0;
            while (!done.load()) {
                auto got = db->get_config(c.id);
                if (!got) {
                    ++failures;
                    continue;
                }
                int const v = std::stoi(got->description);
                if (v < seen) ++regressions;
                seen = v;
            }
        });
    }
    int stale_own_reads = 0;
    for (int v = 1; v <= versions; ++v) {
        c.description = std::to_string(v);
        if (!db->update_config(c)) ++failures;
        // What the writer itself reads right after its acknowledged write is that write.
        auto const own = db->get_config(c.id);
        if (!own || own->description != c.description) ++stale_own_reads;
    }
    done = true;
    for (auto& t : readers) t.join();  // before any assertion: a throw would leave them running
    CHECK(stale_own_reads == 0);
    CHECK(regressions.load() == 0);
    CHECK(failures.load() == 0);
    CHECK(db->get_config(c.id).value().description == std::to_string(versions));
}
