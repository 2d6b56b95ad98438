// SPDX-License-Identifier: Apache-2.0
// The scheduler API without sockets: router + handlers + engine over a store (in-memory and
// SQLite ":memory:"). Every bad input must answer the right status with a JSON error naming the
// field, and leave nothing created or changed.
#include "route_call.hpp"
#include "support/catch.hpp"
#include "support/in_memory_store.hpp"
#include "support/manual_executor.hpp"

#include "handlers/handlers.hpp"

#include <cckm/operations.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <string>

namespace json = boost::json;
using schedulerd::http::verb;

namespace {

scheduler::time_point at(char const* s) {
    return scheduler::parse_rfc3339(s).value();
}

using route_test::reply;

struct api {
    explicit api(std::string const& store_kind = "memory") : clock(at("2026-03-02T10:00:00Z")) {
        if (store_kind == "sqlite") {
            store = scheduler::sqlite_store::open(":memory:").value();
        } else {
            store = std::make_unique<scheduler::test::in_memory_store>();
        }
        cckm::register_operations(ops).value();
        scheduler::engine_options o;
        o.executor = exec.executor();
        eng = std::make_unique<scheduler::engine>(*store, ops, clock, o);
        svc = std::make_unique<schedulerd::services>(
            schedulerd::services{*eng, ops, *store, "local-node", nullptr, nullptr});
        schedulerd::register_scheduler_routes(routes, *svc);
        user.username = "admin";
        user.groups = {"admin"};
    }

    reply call(verb method,
               std::string const& path,
               std::string const& body = {},
               route_test::query query = {},
               std::string const& content_type = "application/json") {
        return route_test::call(routes, user, method, path, body, std::move(query), content_type);
    }
    reply get(std::string const& path, std::map<std::string, std::string, std::less<>> q = {}) {
        return call(verb::get, path, {}, std::move(q));
    }
    reply create(std::string const& body) {
        return call(verb::post, "/api/v1/scheduler/job-configs", body);
    }
    std::int64_t config_total() {
        return get("/api/v1/scheduler/job-configs").body.at("total").as_int64();
    }
    std::string create_rotation(std::string const& name, std::string const& cloud = "aws") {
        auto r = create(R"({"name":")" + name +
                        R"(","operation":"cckm_key_rotation","run_at":"0 1 * * *",
                           "cckm_key_rotation_params":{"cloud_name":")" +
                        cloud + R"("}})");
        REQUIRE(r.status == 201);
        return r.str("id");
    }

    scheduler::manual_clock clock;
    std::unique_ptr<scheduler::store> store;
    scheduler::operation_registry ops;
    scheduler::test::manual_executor exec;
    std::unique_ptr<scheduler::engine> eng;
    std::unique_ptr<schedulerd::services> svc;
    schedulerd::router routes;
    schedulerd::principal user;
};

std::string const configs = "/api/v1/scheduler/job-configs";
std::string const jobs = "/api/v1/scheduler/jobs";

}  // namespace

TEST_CASE("job config lifecycle", "[handlers]") {
    api a(GENERATE(as<std::string>{}, "memory", "sqlite"));

    auto created = a.create(R"({"name":"rotate AWS keys","operation":"cckm_key_rotation",
        "description":"This is to rotate AWS keys","run_on":"any","run_at":"0 1 * * *",
        "cckm_key_rotation_params":{"cloud_name":"aws"}})");
    REQUIRE(created.status == 201);
    std::string const id = created.str("id");
    CHECK(created.str("uri") == "kylo:kylo:scheduler:job_configs:" + id);
    CHECK(created.body.at("job_config_params") == json::object{{"cloud_name", "aws"}});
    CHECK(created.str("next_run_at") == "2026-03-03T01:00:00.000000Z");

    auto got = a.get(configs + "/" + id);
    REQUIRE(got.status == 200);
    CHECK(got.body == created.body);
    // A trailing slash is the same resource.
    CHECK(a.get(configs + "/" + id + "/").status == 200);

    a.clock.advance(std::chrono::minutes(5));
    auto patched = a.call(verb::patch, configs + "/" + id,
                          R"({"cckm_key_rotation_params":{"expire_in":"2d"}})");
    REQUIRE(patched.status == 200);
    CHECK(patched.body.at("job_config_params") ==
          json::object{{"cloud_name", "aws"}, {"expire_in", "2d"}});
    CHECK(patched.str("updatedAt") != created.str("updatedAt"));
    CHECK(patched.str("createdAt") == created.str("createdAt"));
    CHECK(a.get(configs + "/" + id).body == patched.body);

    auto removed = a.call(verb::delete_, configs + "/" + id);
    CHECK(removed.status == 204);
    CHECK(removed.body.is_null());
    CHECK(a.get(configs + "/" + id).status == 404);
    CHECK(a.call(verb::delete_, configs + "/" + id).status == 404);
    CHECK(a.config_total() == 0);
}

TEST_CASE("bad create input: status, field, nothing created", "[handlers]") {
    api a;
    a.create_rotation("existing");

    struct bad_case {
        char const* body;
        int status;
        char const* field;
    };
    bad_case const cases[] = {
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"61 * * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})",
         400, "run_at"},
        {R"({"name":"","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})",
         400, "name"},
        {R"({"name":"x","operation":"nope","run_at":"0 1 * * *"})", 400, "operation"},
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"},"time_zone":"Nowhere/City"})",
         400, "time_zone"},
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"gcp","expire_in":"6h"}})",
         400, "cckm_key_rotation_params.expire_in"},
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_synchronization_params":{"cloud_name":"aws","synchronize_all":true}})",
         400, "cckm_synchronization_params"},
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *","disabled":3,
            "cckm_key_rotation_params":{"cloud_name":"aws"}})",
         400, "disabled"},
        {R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "start_date":"2026-05-01T00:00:00Z","end_date":"2026-04-01T00:00:00Z",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})",
         400, "end_date"},
        {R"({"name":"existing","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})",
         409, "name"},
    };
    for (auto const& c : cases) {
        auto r = a.create(c.body);
        INFO(c.body);
        CHECK(r.status == c.status);
        CHECK(r.field() == c.field);
    }

    auto malformed = a.create(R"({"name": "x", )");
    CHECK(malformed.status == 400);
    CHECK(malformed.body.at("code") == 15);
    CHECK(malformed.body.at("codeDesc").as_string().starts_with("NCERRBadRequest"));

    auto invalid = a.create(R"({"name":"x","operation":"nope","run_at":"0 1 * * *"})");
    CHECK(invalid.body.at("code") == 9);
    CHECK(invalid.body.at("codeDesc").as_string().starts_with("NCERRInvalidParamValue"));

    CHECK(a.config_total() == 1);
}

TEST_CASE("bad PATCH input changes nothing", "[handlers]") {
    api a;
    std::string const id = a.create_rotation("keep me");
    auto const before = a.get(configs + "/" + id).body;
    a.clock.advance(std::chrono::minutes(1));

    struct bad_case {
        char const* body;
        int status;
        char const* field;
    };
    bad_case const cases[] = {
        {R"({"name":"renamed"})", 400, "name"},
        {R"({"operation":"database_backup"})", 400, "operation"},
        {R"({"run_at":"0 0 30 2 *"})", 400, "run_at"},
        {R"({"cckm_key_rotation_params":{"cloud_name":"oci"}})", 400,
         "cckm_key_rotation_params.cloud_name"},
        {R"({"cckm_key_rotation_params":{"rotation_after":"5h"}})", 400,
         "cckm_key_rotation_params.rotation_after"},
        {R"({"database_backup_params":{"retentionCount":2}})", 400, "database_backup_params"},
        {R"({"end_date":"1999-01-01T00:00:00Z","start_date":"2000-01-01T00:00:00Z"})", 400,
         "end_date"},
        {R"({"time_zone":"Europe/Atlantis"})", 400, "time_zone"},
        {R"({"description":false})", 400, "description"},
    };
    for (auto const& c : cases) {
        auto r = a.call(verb::patch, configs + "/" + id, c.body);
        INFO(c.body);
        CHECK(r.status == c.status);
        CHECK(r.field() == c.field);
    }
    CHECK(a.call(verb::patch, configs + "/" + id, "{oops").status == 400);
    CHECK(a.call(verb::patch, configs + "/nope", R"({"description":"x"})").status == 404);
    CHECK(a.get(configs + "/" + id).body == before);

    SECTION("old Terraform's blank PATCH fields are ignored; \"\" clears dates and durations") {
        auto set = a.call(verb::patch, configs + "/" + id,
                          R"({"start_date":"2026-04-01T00:00:00Z",
                              "cckm_key_rotation_params":{"expire_in":"2d"}})");
        REQUIRE(set.status == 200);
        CHECK(set.str("start_date") == "2026-04-01T00:00:00.000000Z");
        auto cleared = a.call(verb::patch, configs + "/" + id,
                              R"({"name":"","operation":"","start_date":"","disabled":false,
                                  "cckm_key_rotation_params":{"cloud_name":"","expire_in":""}})");
        REQUIRE(cleared.status == 200);
        CHECK_FALSE(cleared.body.as_object().contains("start_date"));
        CHECK(cleared.body.at("job_config_params") == json::object{{"cloud_name", "aws"}});
        CHECK(cleared.str("name") == "keep me");
    }
}

TEST_CASE("run-now, job runs and their deletion", "[handlers]") {
    api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    std::string const config_id = a.create_rotation("rotate");

    // Bodyless POST with any content type, even with junk in the body.
    auto run = a.call(verb::post, configs + "/" + config_id + "/run-now", "junk", {}, "text/plain");
    REQUIRE(run.status == 201);
    std::string const run_id = run.str("id");
    CHECK(run.str("job_id") == run_id);
    CHECK(run.str("job_config_id") == config_id);
    CHECK(run.str("trigger") == "run_now");
    CHECK(run.str("uri") == "kylo:kylo:scheduler:jobs:" + run_id);

    // Still queued: it cannot be deleted yet.
    auto busy = a.call(verb::delete_, jobs + "/" + run_id);
    CHECK(busy.status == 409);
    CHECK(busy.body.at("codeDesc").as_string().starts_with("NCERRConflict"));

    a.exec.run_all();
    auto done = a.get(jobs + "/" + run_id);
    REQUIRE(done.status == 200);
    CHECK(done.str("status") == "failed");
    // This in-process API has no cloud providers: the rotation says so and fails.
    CHECK(done.str("error").find("no cloud providers") != std::string::npos);
    CHECK(done.body.at("details").at("status") == "failed");
    CHECK(done.body.at("job_config_params") == json::object{{"cloud_name", "aws"}});

    auto list = a.get(jobs, {{"status", "failed"}, {"job_config_id", config_id}});
    REQUIRE(list.status == 200);
    CHECK(list.body.at("total") == 1);
    CHECK(list.body.at("resources").at(0).at("id") == json::value(run_id));
    CHECK(a.get(jobs, {{"status", "completed"}}).body.at("total") == 0);
    CHECK(a.get(jobs, {{"operation", "cckm_key_rotation"}}).body.at("total") == 1);
    CHECK(a.get(jobs, {{"name", "rotate"}}).body.at("total") == 1);
    CHECK(a.get(jobs, {{"processing_node", "local-node"}}).body.at("total") == 1);
    CHECK(a.get(jobs, {{"id", run_id}}).body.at("total") == 1);

    auto bad_status = a.get(jobs, {{"status", "sleeping"}});
    CHECK(bad_status.status == 400);
    CHECK(bad_status.field() == "status");
    CHECK(a.get(jobs, {{"sort", "-cloud"}}).field() == "sort");

    CHECK(a.call(verb::delete_, jobs + "/" + run_id).status == 204);
    CHECK(a.get(jobs + "/" + run_id).status == 404);
    CHECK(a.call(verb::post, configs + "/nope/run-now").status == 404);

    SECTION("cancel of a queued run ends it aborted; of a finished one is a conflict") {
        auto again = a.call(verb::post, configs + "/" + config_id + "/run-now");
        REQUIRE(again.status == 201);
        auto cancelled = a.call(verb::post, jobs + "/" + again.str("id") + "/cancel");
        REQUIRE(cancelled.status == 200);
        CHECK(cancelled.str("status") == "aborted");
        CHECK(a.call(verb::post, jobs + "/" + again.str("id") + "/cancel").status == 409);
    }
}

TEST_CASE("list filters, paging and sorting of job configs", "[handlers]") {
    api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    std::string const aws = a.create_rotation("b-aws", "aws");
    a.clock.advance(std::chrono::hours(1));
    std::string const oci = a.create_rotation("a-oci", "oci");
    a.clock.advance(std::chrono::hours(1));
    auto sync = a.create(R"({"name":"c-sync","operation":"cckm_synchronization",
        "run_at":"@hourly","disabled":"true",
        "cckm_synchronization_params":{"cloud_name":"aws","synchronize_all":true}})");
    REQUIRE(sync.status == 201);
    auto patched = a.call(verb::patch, configs + "/" + oci,
                          R"({"cckm_key_rotation_params":{"expire_in":"6h"}})");
    REQUIRE(patched.status == 200);

    auto total = [&](std::map<std::string, std::string, std::less<>> q) {
        auto r = a.get(configs, std::move(q));
        INFO(json::serialize(r.body));
        REQUIRE(r.status == 200);
        return r.body.at("total").as_int64();
    };
    CHECK(total({}) == 3);
    CHECK(total({{"name", "a-oci"}}) == 1);
    CHECK(total({{"name", "a-oc"}}) == 0);  // exact match
    CHECK(total({{"id", aws}}) == 1);
    CHECK(total({{"operation", "cckm_key_rotation"}}) == 2);
    CHECK(total({{"disabled", "true"}}) == 1);
    CHECK(total({{"disabled", "false"}}) == 2);
    CHECK(total({{"cloud_name", "aws"}}) == 2);
    CHECK(total({{"expire_in", "6h"}}) == 1);
    CHECK(total({{"createdAfter", "2026-03-02T11:00:00Z"}}) == 2);  // boundary included
    CHECK(total({{"createdBefore", "2026-03-02T11:00:00Z"}}) == 2);
    CHECK(total({{"createdAfter", "-90m"}}) == 2);  // relative to the clock: 10:30
    CHECK(total({{"createdBefore", "-1Y-2M-5D"}}) == 0);
    CHECK(total({{"createdBefore", " 1D"}}) == 3);  // "+1D" sent unencoded
    CHECK(total({{"name", ""}}) == 3);              // an empty filter filters nothing

    auto page = a.get(configs, {{"sort", "name"}, {"skip", "1"}, {"limit", "1"}});
    REQUIRE(page.status == 200);
    CHECK(page.body.at("skip") == 1);
    CHECK(page.body.at("limit") == 1);
    CHECK(page.body.at("total") == 3);
    REQUIRE(page.body.at("resources").as_array().size() == 1);
    CHECK(page.body.at("resources").at(0).at("name") == "b-aws");

    auto desc = a.get(configs, {{"sort", "-name"}, {"limit", "-1"}});
    REQUIRE(desc.status == 200);
    CHECK(desc.body.at("resources").at(0).at("name") == "c-sync");
    CHECK(desc.body.at("resources").as_array().size() == 3);
    CHECK(a.get(configs).body.at("limit") == 10);

    struct bad_query {
        char const* key;
        char const* value;
    };
    bad_query const bad[] = {
        {"limit", "1001"},       {"limit", "-2"},       {"limit", "ten"},
        {"skip", "-1"},          {"skip", "1x"},        {"sort", "password"},
        {"sort", "name,-nope"},  {"disabled", "maybe"}, {"createdAfter", "last tuesday"},
        {"createdBefore", "-5X"}};
    for (auto const& b : bad) {
        auto r = a.get(configs, {{b.key, b.value}});
        INFO(b.key << "=" << b.value);
        CHECK(r.status == 400);
        CHECK(r.field() == b.key);
    }
}

TEST_CASE("next-runs previews the schedule", "[handlers]") {
    api a;
    std::string const id = a.create_rotation("preview");
    auto r = a.get(configs + "/" + id + "/next-runs", {{"count", "3"}});
    REQUIRE(r.status == 200);
    CHECK(r.str("job_config_id") == id);
    CHECK(r.body.at("next_runs") == json::array{"2026-03-03T01:00:00.000000Z",
                                                "2026-03-04T01:00:00.000000Z",
                                                "2026-03-05T01:00:00.000000Z"});
    CHECK(a.get(configs + "/" + id + "/next-runs").body.at("next_runs").as_array().size() == 10);
    for (auto const* bad : {"0", "101", "many"}) {
        auto e = a.get(configs + "/" + id + "/next-runs", {{"count", bad}});
        CHECK(e.status == 400);
        CHECK(e.field() == "count");
    }
    CHECK(a.get(configs + "/nope/next-runs").status == 404);
}

TEST_CASE("reads are open to signed-in users, writes need Scheduler Admins", "[handlers]") {
    api a;
    int routes = 0;
    for (auto const& r : a.routes.routes()) {
        if (!r.path_template.starts_with("/api/v1/scheduler/")) continue;
        ++routes;
        INFO(r.path_template);
        auto const expected = r.method == verb::get ? schedulerd::access::signed_in
                                                    : schedulerd::access::scheduler_admin;
        CHECK(r.level == expected);
    }
    CHECK(routes == 11);
}
