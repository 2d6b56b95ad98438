// SPDX-License-Identifier: Apache-2.0
// sqlite_store: configs and runs round-trip every field; conflicts and refused transitions
// change nothing.
#include <scheduler/sqlite_store.hpp>

#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

using namespace std::chrono_literals;
using scheduler::code;
using scheduler::run_status;
using store_test::make_config;
using store_test::make_run;
using store_test::memory_store;

TEST_CASE("a config round-trips every field", "[store]") {
    auto db = memory_store();
    auto c = make_config("rotate");
    REQUIRE(db->insert_config(c));
    auto got = db->get_config(c.id);
    REQUIRE(got);
    CHECK(*got == c);
    // duration equality compares values only; the text the user wrote must survive too.
    CHECK(got->misfire_grace.text() == "90m");
    CHECK(got->timeout->text() == "2h");
    CHECK(got->jitter->text() == "30s");
    CHECK(got->params == c.params);
}

TEST_CASE("a config without optional fields round-trips", "[store]") {
    auto db = memory_store();
    scheduler::job_config c;
    c.id = "plain";
    c.name = "plain";
    c.operation = "database_backup";
    c.run_at = "@daily";
    REQUIRE(db->insert_config(c));
    auto got = db->get_config("plain").value();
    CHECK(got == c);
    CHECK_FALSE(got.start_date);
    CHECK_FALSE(got.end_date);
    CHECK_FALSE(got.timeout);
    CHECK_FALSE(got.jitter);
    CHECK_FALSE(got.next_run_at);
    CHECK_FALSE(got.last_run_at);
    CHECK(got.overlap == scheduler::overlap_policy::skip);
    CHECK(got.misfire == scheduler::misfire_policy::run_once);
}

TEST_CASE("a duplicate config name is already_exists and writes nothing", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(make_config("dup")));
    auto second = make_config("dup");
    second.id = "other-id";
    auto r = db->insert_config(second);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::already_exists);
    CHECK(r.error().field() == "name");
    CHECK(db->get_config("other-id").error().error_code() == code::not_found);
    scheduler::config_query q;
    q.limit = -1;
    CHECK(db->list_configs(q).value().total == 1);
}

TEST_CASE("the same name in another account is allowed", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(make_config("shared")));
    auto other = make_config("shared");
    other.id = "other";
    other.account = "another-account";
    CHECK(db->insert_config(other));
}

TEST_CASE("a duplicate config id is already_exists naming id", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(make_config("a")));
    auto clash = make_config("b");
    clash.id = make_config("a").id;
    auto r = db->insert_config(clash);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::already_exists);
    CHECK(r.error().field() == "id");
}

TEST_CASE("update_config replaces the stored config", "[store]") {
    auto db = memory_store();
    auto c = make_config("upd");
    REQUIRE(db->insert_config(c));
    c.description = "changed";
    c.disabled = true;
    c.params = R"({"cloud_name":"gcp"})";
    c.timeout.reset();
    c.next_run_at.reset();
    c.updated_at += 1h;
    REQUIRE(db->update_config(c));
    CHECK(db->get_config(c.id).value() == c);
}

TEST_CASE("update_config of a missing config is not_found", "[store]") {
    auto db = memory_store();
    CHECK(db->update_config(make_config("ghost")).error().error_code() == code::not_found);
}

TEST_CASE("update_config to a taken name is already_exists and changes nothing", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_config(make_config("one")));
    REQUIRE(db->insert_config(make_config("two")));
    auto two = make_config("two");
    two.name = "one";
    two.description = "should not be stored";
    auto r = db->update_config(two);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::already_exists);
    CHECK(r.error().field() == "name");
    CHECK(db->get_config(two.id).value() == make_config("two"));
}

TEST_CASE("delete_config removes the config but keeps its runs", "[store]") {
    auto db = memory_store();
    auto c = make_config("del");
    REQUIRE(db->insert_config(c));
    REQUIRE(db->insert_run(make_run("r1", c.id, run_status::completed)));
    REQUIRE(db->delete_config(c.id));
    CHECK(db->get_config(c.id).error().error_code() == code::not_found);
    CHECK(db->get_run("r1").value().job_config_id == c.id);
    CHECK(db->delete_config(c.id).error().error_code() == code::not_found);
}

TEST_CASE("a run round-trips every field", "[store]") {
    auto db = memory_store();
    auto r = make_run("run-1", "cfg", run_status::failed);
    r.trigger = scheduler::run_trigger::misfire;
    REQUIRE(db->insert_run(r));
    CHECK(db->get_run("run-1").value() == r);

    auto bare = make_run("run-2", "cfg", run_status::scheduled);
    bare.scheduled_for.reset();
    bare.trigger = scheduler::run_trigger::run_now;
    REQUIRE(db->insert_run(bare));
    auto got = db->get_run("run-2").value();
    CHECK(got == bare);
    CHECK_FALSE(got.started_at);
    CHECK_FALSE(got.completed_at);
    CHECK_FALSE(got.scheduled_for);
}

TEST_CASE("get_run of a missing run is not_found", "[store]") {
    auto db = memory_store();
    CHECK(db->get_run("nope").error().error_code() == code::not_found);
}

TEST_CASE("one run per config and fire instant", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_run(make_run("a", "cfg", run_status::scheduled)));
    auto r = db->insert_run(make_run("b", "cfg", run_status::scheduled));
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::already_exists);
    CHECK(db->get_run("b").error().error_code() == code::not_found);
    // Runs without a fire instant (run-now) never collide.
    auto now1 = make_run("c", "cfg", run_status::scheduled);
    auto now2 = make_run("d", "cfg", run_status::scheduled);
    now1.scheduled_for.reset();
    now2.scheduled_for.reset();
    CHECK(db->insert_run(now1));
    CHECK(db->insert_run(now2));
}

TEST_CASE("update_run accepts forward transitions and the same status", "[store]") {
    auto db = memory_store();
    auto r = make_run("fw", "cfg", run_status::scheduled);
    REQUIRE(db->insert_run(r));
    r.status = run_status::in_progress;
    r.started_at = r.created_at + 5s;
    REQUIRE(db->update_run(r));
    r.details = R"({"total_keys":7})";
    REQUIRE(db->update_run(r));  // progress update: same status
    r.status = run_status::completed;
    r.completed_at = r.created_at + 9s;
    REQUIRE(db->update_run(r));
    CHECK(db->get_run("fw").value() == r);
}

TEST_CASE("update_run refuses backward transitions and changes nothing", "[store]") {
    auto db = memory_store();
    auto const stored = make_run("bw", "cfg", run_status::completed);
    REQUIRE(db->insert_run(stored));
    for (auto to : {run_status::scheduled, run_status::in_progress, run_status::failed}) {
        auto r = stored;
        r.status = to;
        r.details = R"({"changed":true})";
        auto res = db->update_run(r);
        INFO(scheduler::to_string(to));
        REQUIRE_FALSE(res);
        CHECK(res.error().error_code() == code::failed_precondition);
    }
    CHECK(db->get_run("bw").value() == stored);
}

TEST_CASE("update_run of a missing run is not_found", "[store]") {
    auto db = memory_store();
    auto r = make_run("ghost", "cfg", run_status::in_progress);
    CHECK(db->update_run(r).error().error_code() == code::not_found);
}

TEST_CASE("delete_run refuses active runs and deletes finished ones", "[store]") {
    auto db = memory_store();
    auto active = make_run("active", "cfg", run_status::in_progress, 0);
    auto queued = make_run("queued", "cfg", run_status::scheduled, 1);
    auto done = make_run("done", "cfg", run_status::aborted, 2);
    REQUIRE(db->insert_run(active));
    REQUIRE(db->insert_run(queued));
    REQUIRE(db->insert_run(done));
    CHECK(db->delete_run("active").error().error_code() == code::failed_precondition);
    CHECK(db->delete_run("queued").error().error_code() == code::failed_precondition);
    CHECK(db->get_run("active").value() == active);
    CHECK(db->delete_run("done"));
    CHECK(db->get_run("done").error().error_code() == code::not_found);
    CHECK(db->delete_run("done").error().error_code() == code::not_found);
}

TEST_CASE("active_runs lists scheduled and in-progress runs oldest first", "[store]") {
    auto db = memory_store();
    REQUIRE(db->insert_run(make_run("late", "cfg", run_status::scheduled, 5)));
    REQUIRE(db->insert_run(make_run("early", "cfg", run_status::in_progress, 1)));
    REQUIRE(db->insert_run(make_run("finished", "cfg", run_status::completed, 2)));
    REQUIRE(db->insert_run(make_run("elsewhere", "other", run_status::scheduled, 3)));
    auto runs = db->active_runs("cfg").value();
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].id == "early");
    CHECK(runs[1].id == "late");
}
