// SPDX-License-Identifier: Apache-2.0
// sqlite_store: the calls the engine relies on (due configs, exactly-once claims, crash
// recovery, retention).
#include <scheduler/sqlite_store.hpp>

#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

using namespace std::chrono_literals;
using scheduler::code;
using scheduler::fire_claim;
using scheduler::run_status;
using store_test::at;
using store_test::make_config;
using store_test::make_run;
using store_test::memory_store;

namespace {

scheduler::job_config due_config(std::string const& name,
                                 std::string const& next,
                                 std::string run_on = "any",
                                 bool disabled = false) {
    auto c = make_config(name);
    c.next_run_at = at(next);
    c.run_on = std::move(run_on);
    c.disabled = disabled;
    return c;
}

fire_claim claim_for(scheduler::job_config const& c,
                     scheduler::time_point fire,
                     std::string const& run_id) {
    fire_claim f;
    f.config_id = c.id;
    auto r = make_run(run_id, c.id, run_status::scheduled);
    r.scheduled_for = fire;
    f.run = r;
    f.next_run_at = fire + 24h;
    f.last_run_at = fire;
    return f;
}

std::vector<std::string> ids(std::vector<scheduler::job_config> const& configs) {
    std::vector<std::string> out;
    for (auto const& c : configs) out.push_back(c.name);
    return out;
}

}  // namespace

TEST_CASE("due_configs returns enabled configs due on this node, earliest first", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(due_config("later", "2026-01-01T10:00:00Z")));
    REQUIRE(db->insert_config(due_config("earlier", "2026-01-01T09:00:00Z")));
    REQUIRE(db->insert_config(due_config("exact", "2026-01-01T11:00:00Z")));
    REQUIRE(db->insert_config(due_config("future", "2026-01-01T11:00:01Z")));
    REQUIRE(db->insert_config(due_config("off", "2026-01-01T08:00:00Z", "any", true)));
    REQUIRE(db->insert_config(due_config("mine", "2026-01-01T09:30:00Z", "node-a")));
    REQUIRE(db->insert_config(due_config("theirs", "2026-01-01T09:30:00Z", "node-b")));
    auto never = make_config("never");
    never.next_run_at.reset();
    REQUIRE(db->insert_config(never));

    auto due = db->due_configs(at("2026-01-01T11:00:00Z"), "node-a", 100).value();
    CHECK(ids(due) == std::vector<std::string>{"earlier", "mine", "later", "exact"});
    CHECK(ids(db->due_configs(at("2026-01-01T11:00:00Z"), "node-a", 2).value()) ==
          std::vector<std::string>{"earlier", "mine"});
    CHECK(db->earliest_next_run("node-a").value() == at("2026-01-01T09:00:00Z"));
    CHECK(db->earliest_next_run("node-b").value() == at("2026-01-01T09:00:00Z"));
}

TEST_CASE("earliest_next_run is empty when nothing is scheduled", "[store]") {
    auto db = memory_store();
    CHECK_FALSE(db->earliest_next_run("local-node").value());
    REQUIRE(db->insert_config(due_config("off", "2026-01-01T08:00:00Z", "any", true)));
    REQUIRE(db->insert_config(due_config("other", "2026-01-01T08:00:00Z", "node-b")));
    CHECK_FALSE(db->earliest_next_run("local-node").value());
}

TEST_CASE("claim_fires inserts the run and advances the config", "[store]") {
    auto db = memory_store();
    auto c = due_config("claimed", "2026-01-02T01:00:00Z");
    REQUIRE(db->insert_config(c));
    auto fire = at("2026-01-02T01:00:00Z");
    std::vector<fire_claim> claims{claim_for(c, fire, "run-1")};
    auto res = db->claim_fires(claims).value();
    CHECK(res == std::vector<bool>{true});
    auto stored = db->get_config(c.id).value();
    CHECK(stored.next_run_at == fire + 24h);
    CHECK(stored.last_run_at == fire);
    CHECK(stored.updated_at == c.updated_at);  // the schedule is not a user edit
    CHECK(db->get_run("run-1").value() == *claims[0].run);
}

TEST_CASE("claim_fires is exactly once per config and fire instant", "[store]") {
    auto db = memory_store();
    auto c = due_config("once", "2026-01-02T01:00:00Z");
    REQUIRE(db->insert_config(c));
    auto fire = at("2026-01-02T01:00:00Z");
    REQUIRE(db->claim_fires(std::vector{claim_for(c, fire, "first")}).value() ==
            std::vector<bool>{true});
    auto second = claim_for(c, fire, "second");
    second.next_run_at = fire + 48h;
    CHECK(db->claim_fires(std::vector{second}).value() == std::vector<bool>{false});
    CHECK(db->get_run("second").error().error_code() == code::not_found);
    // The refused claim changed nothing, not even the schedule.
    CHECK(db->get_config(c.id).value().next_run_at == fire + 24h);
}

TEST_CASE("a batch with one colliding claim still applies the others", "[store]") {
    auto db = memory_store();
    auto a = due_config("a", "2026-01-02T01:00:00Z");
    auto b = due_config("b", "2026-01-02T01:00:00Z");
    REQUIRE(db->insert_config(a));
    REQUIRE(db->insert_config(b));
    auto fire = at("2026-01-02T01:00:00Z");
    REQUIRE(db->insert_run(claim_for(a, fire, "existing").run.value()));
    std::vector<fire_claim> batch{claim_for(a, fire, "dup"), claim_for(b, fire, "fresh"),
                                  claim_for(a, fire + 24h, "next-day")};
    CHECK(db->claim_fires(batch).value() == std::vector<bool>{false, true, true});
    CHECK(db->get_run("dup").error().error_code() == code::not_found);
    CHECK(db->get_run("fresh"));
    CHECK(db->get_run("next-day"));
    CHECK(db->get_config(b.id).value().next_run_at == fire + 24h);
    CHECK(db->get_config(a.id).value().next_run_at == fire + 48h);
}

TEST_CASE("claim_fires skips a deleted config and leaves no run behind", "[store]") {
    auto db = memory_store();
    auto gone = due_config("gone", "2026-01-02T01:00:00Z");
    auto fire = at("2026-01-02T01:00:00Z");
    CHECK(db->claim_fires(std::vector{claim_for(gone, fire, "orphan")}).value() ==
          std::vector<bool>{false});
    CHECK(db->get_run("orphan").error().error_code() == code::not_found);
}

TEST_CASE("a claim without a run only advances the schedule", "[store]") {
    auto db = memory_store();
    auto c = due_config("skip", "2026-01-02T01:00:00Z");
    REQUIRE(db->insert_config(c));
    fire_claim f;
    f.config_id = c.id;
    f.next_run_at.reset();  // no further fire
    CHECK(db->claim_fires(std::vector{f}).value() == std::vector<bool>{true});
    auto stored = db->get_config(c.id).value();
    CHECK_FALSE(stored.next_run_at);
    CHECK(stored.last_run_at == c.last_run_at);  // nullopt keeps the stored value
    scheduler::run_query q;
    CHECK(db->list_runs(q).value().total == 0);
}

TEST_CASE("a failing claim batch rolls back as a whole", "[store]") {
    auto db = memory_store();
    auto a = due_config("a", "2026-01-02T01:00:00Z");
    auto b = due_config("b", "2026-01-02T01:00:00Z");
    REQUIRE(db->insert_config(a));
    REQUIRE(db->insert_config(b));
    auto fire = at("2026-01-02T01:00:00Z");
    // The second claim reuses the first run's id: a primary-key violation midway.
    auto bad = claim_for(b, fire, "same-id");
    std::vector<fire_claim> batch{claim_for(a, fire, "same-id"), bad};
    auto r = db->claim_fires(batch);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::already_exists);
    CHECK(db->get_run("same-id").error().error_code() == code::not_found);
    CHECK(db->get_config(a.id).value().next_run_at == a.next_run_at);
    CHECK(db->get_config(b.id).value().next_run_at == b.next_run_at);
}

TEST_CASE("fail_interrupted_runs fails this node's active runs only", "[store]") {
    auto db = memory_store();
    auto queued = make_run("queued", "cfg", run_status::scheduled, 0);
    auto running = make_run("running", "cfg", run_status::in_progress, 1);
    auto done = make_run("done", "cfg", run_status::completed, 2);
    auto other = make_run("other", "cfg", run_status::in_progress, 3);
    other.processing_node = "node-b";
    for (auto const& r : {queued, running, done, other}) REQUIRE(db->insert_run(r));
    auto now = at("2026-02-01T00:00:00Z");
    CHECK(db->fail_interrupted_runs("node-a", now).value() == 2);
    for (auto const* id : {"queued", "running"}) {
        auto r = db->get_run(id).value();
        CHECK(r.status == run_status::failed);
        CHECK(r.error == "interrupted");
        CHECK(r.completed_at == now);
    }
    CHECK(db->get_run("done").value() == done);
    CHECK(db->get_run("other").value() == other);
    CHECK(db->fail_interrupted_runs("node-a", now).value() == 0);
}

TEST_CASE("prune_runs keeps the newest N per config and everything recent", "[store]") {
    auto db = memory_store();
    // Config "x": 6 finished runs at minutes 0..5 and one active run at minute 6.
    for (int i = 0; i < 6; ++i) {
        auto r = make_run("x" + std::to_string(i), "x", run_status::completed, i);
        REQUIRE(db->insert_run(r));
    }
    auto old_active = make_run("x-active", "x", run_status::in_progress, -100);
    REQUIRE(db->insert_run(old_active));
    // Config "y": 2 old finished runs, below the keep count.
    REQUIRE(db->insert_run(make_run("y0", "y", run_status::failed, 0)));
    REQUIRE(db->insert_run(make_run("y1", "y", run_status::failed, 1)));

    // Keep 3 per config; everything created before minute 2 is old.
    auto cutoff = store_test::base_time() + 2min;
    CHECK(db->prune_runs(3, cutoff).value() == 2);
    // x0, x1: old and beyond the newest 3 (x5, x4, x3) -> gone. x2 is not older than the cutoff.
    CHECK(db->get_run("x0").error().error_code() == code::not_found);
    CHECK(db->get_run("x1").error().error_code() == code::not_found);
    for (auto const* id : {"x2", "x3", "x4", "x5", "x-active", "y0", "y1"}) {
        INFO(id);
        CHECK(db->get_run(id));
    }
    CHECK(db->prune_runs(3, cutoff).value() == 0);
}
