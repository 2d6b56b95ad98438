// SPDX-License-Identifier: Apache-2.0
// scheduler/json.hpp: the resource shapes of seeds/000 and the parsing of create/PATCH bodies,
// with every class of bad input refused and the field named (DESIGN.md §2, §7).
#include "support/catch.hpp"

#include <cckm/operations.hpp>
#include <scheduler/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace json = boost::json;

namespace {

scheduler::time_point at(char const* s) {
    return scheduler::parse_rfc3339(s).value();
}

struct registry_fixture {
    registry_fixture() { cckm::register_operations(ops).value(); }
    scheduler::operation_registry ops;

    scheduler::result<scheduler::job_config> parse(std::string const& text) {
        auto body = scheduler::parse_json(text);
        if (!body) return body.error();
        return scheduler::job_config_from_json(*body, ops);
    }
    // Everything a create goes through before the store, as the engine does it: the body, the
    // library's field checks, and the operation's params validator.
    scheduler::result<scheduler::job_config> admit(std::string const& text) {
        auto c = parse(text);
        if (!c) return c;
        if (auto r = scheduler::validate(*c); !r) return r.error();
        auto op = ops.find(c->operation);
        auto params = op->validate(c->params);
        if (!params) return params.error();
        c->params = *params;
        return c;
    }
    std::string refused_field(std::string const& text) {
        auto c = admit(text);
        INFO(text);
        REQUIRE_FALSE(c);
        CHECK(c.error().error_code() == scheduler::code::invalid_argument);
        return c.error().field();
    }
};

scheduler::job_config sample_config() {
    scheduler::job_config c;
    c.id = "94f04fba-c9b2-49f9-a211-b595345ac238";
    c.name = "rotate AWS keys";
    c.description = "This is to rotate AWS keys";
    c.operation = "cckm_key_rotation";
    c.run_at = "0 1 * * *";
    c.params = R"({"cloud_name":"aws"})";
    c.created_at = at("2020-07-14T11:19:49.821134Z");
    c.updated_at = at("2020-07-14T11:25:24.817444Z");
    return c;
}

// A valid create body with one member replaced (or added) by `key: value_json`.
std::string body_with(std::string const& key, std::string const& value_json) {
    json::object o{{"name", "rotate AWS keys"},
                   {"operation", "cckm_key_rotation"},
                   {"run_at", "0 1 * * *"},
                   {"cckm_key_rotation_params", json::object{{"cloud_name", "aws"}}}};
    o[key] = json::parse(value_json);
    return json::serialize(o);
}

}  // namespace

TEST_CASE("a job config renders as the reference resource", "[json]") {
    auto c = sample_config();
    json::object o = json::value_from(c).as_object();
    CHECK(o.at("id") == json::value(c.id));
    CHECK(o.at("uri") == json::value("kylo:kylo:scheduler:job_configs:" + c.id));
    CHECK(o.at("account") == "kylo:kylo:admin:accounts:kylo");
    CHECK(o.at("application") == "ncryptify:gemalto:admin:apps:kylo");
    CHECK(o.at("devAccount") == "ncryptify:gemalto:admin:accounts:gemalto");
    CHECK(o.at("createdAt") == "2020-07-14T11:19:49.821134Z");
    CHECK(o.at("updatedAt") == "2020-07-14T11:25:24.817444Z");
    CHECK(o.at("name") == "rotate AWS keys");
    CHECK(o.at("run_at") == "0 1 * * *");
    CHECK(o.at("run_on") == "any");
    CHECK(o.at("disabled") == false);
    CHECK(o.at("job_config_params") == json::object{{"cloud_name", "aws"}});
    CHECK(o.at("time_zone") == "UTC");
    CHECK(o.at("overlap_policy") == "skip");
    CHECK(o.at("misfire_policy") == "run_once");
    CHECK(o.at("misfire_grace") == "1h");
    // No date set: omitted, never Go's zero time (newer Terraform expects them absent).
    for (auto key : {"start_date", "end_date", "timeout", "jitter", "next_run_at", "last_run_at"}) {
        CHECK_FALSE(o.contains(key));
    }

    c.start_date = at("2026-01-01T00:00:00Z");
    c.next_run_at = at("2026-01-01T01:00:00Z");
    c.timeout = scheduler::duration::parse("30m", "timeout").value();
    o = json::value_from(c).as_object();
    CHECK(o.at("start_date") == "2026-01-01T00:00:00.000000Z");
    CHECK(o.at("next_run_at") == "2026-01-01T01:00:00.000000Z");
    CHECK(o.at("timeout") == "30m");
}

TEST_CASE("a job run renders as the reference resource", "[json]") {
    scheduler::job_run r;
    r.id = "a858090b-fd49-46ad-a775-f0936c3d7cbc";
    r.job_config_id = "94f04fba-c9b2-49f9-a211-b595345ac238";
    r.name = "rotate aws keys";
    r.operation = "cckm_key_rotation";
    r.params = R"({"cloud_name":"aws"})";
    r.status = scheduler::run_status::completed;
    r.trigger = scheduler::run_trigger::run_now;
    r.processing_node = "local-node";
    r.details = R"({"total_keys":6,"num_rotated":6})";
    r.enqueued_at = at("2020-07-21T09:59:43.25751Z");
    r.started_at = at("2020-07-21T09:59:44Z");

    json::object o = json::value_from(r).as_object();
    CHECK(o.at("uri") == json::value("kylo:kylo:scheduler:jobs:" + r.id));
    CHECK(o.at("job_config_id") == json::value(r.job_config_id));
    CHECK(o.at("job_config_params") == json::object{{"cloud_name", "aws"}});
    CHECK(o.at("enqueued_at") == "2020-07-21T09:59:43.257510Z");
    CHECK(o.at("status") == "completed");
    CHECK(o.at("trigger") == "run_now");
    CHECK(o.at("processing_node") == "local-node");
    CHECK(o.at("started_at") == "2020-07-21T09:59:44.000000Z");
    auto const& details = o.at("details").as_object();
    CHECK(details.at("job_id") == json::value(r.id));
    CHECK(details.at("job_config_id") == json::value(r.job_config_id));
    CHECK(details.at("name") == json::value(r.name));
    CHECK(details.at("operation") == json::value(r.operation));
    CHECK(details.at("status") == "completed");
    CHECK(details.at("details") == json::object{{"total_keys", 6}, {"num_rotated", 6}});
    CHECK_FALSE(o.contains("completed_at"));
    CHECK_FALSE(o.contains("scheduled_for"));
    CHECK_FALSE(o.contains("error"));

    r.status = scheduler::run_status::failed;
    r.error = "interrupted";
    o = json::value_from(r).as_object();
    CHECK(o.at("error") == "interrupted");
    CHECK(o.at("details").at("status") == "failed");
}

TEST_CASE("create bodies as real clients send them", "[json]") {
    registry_fixture f;

    SECTION("the reference example") {
        auto c = f.admit(R"({"name":"rotate AWS keys","operation":"cckm_key_rotation",
            "description":"This is to rotate AWS keys","run_on":"any","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})");
        REQUIRE(c);
        CHECK(c->name == "rotate AWS keys");
        CHECK(c->description == "This is to rotate AWS keys");
        CHECK(c->params == R"({"cloud_name":"aws"})");
        CHECK_FALSE(c->disabled);
    }
    SECTION("Terraform: every block present, unused ones null, zero dates, blank strings") {
        auto c = f.admit(R"({"name":"tf","operation":"cckm_key_rotation","description":"",
            "run_at":"0 1 * * *","run_on":"","disabled":false,
            "start_date":"0001-01-01T00:00:00Z","end_date":"0001-01-01T00:00:00Z",
            "database_backup_params":null,"cckm_synchronization_params":null,
            "cckm_xks_credential_rotation_params":null,
            "cckm_key_rotation_params":{"cloud_name":"oci","expiration":null,"expire_in":null,
                                        "aws_param":{"retain_alias":false}}})");
        REQUIRE(c);
        CHECK(c->run_on == "any");
        CHECK_FALSE(c->start_date);
        CHECK_FALSE(c->end_date);
        CHECK(c->params == R"({"cloud_name":"oci","aws_param":{"retain_alias":false}})");
    }
    SECTION("database_backup takes database_backup_params (and the doc's other spelling)") {
        auto c = f.admit(R"({"name":"b","operation":"database_backup","run_at":"@daily",
            "database_backup_params":{"retentionCount":2}})");
        REQUIRE(c);
        CHECK(c->params == R"({"retentionCount":2})");
        c = f.admit(R"({"name":"b","operation":"database_backup","run_at":"@daily",
            "cckm_database_backup_params":{"retentionCount":3}})");
        REQUIRE(c);
        CHECK(c->params == R"({"retentionCount":3})");
    }
    SECTION("extensions and dates") {
        auto c = f.admit(R"({"name":"x","operation":"cckm_key_rotation","run_at":"0 1 * * *",
            "cckm_key_rotation_params":{"cloud_name":"aws"},"time_zone":"Europe/Berlin",
            "overlap_policy":"buffer_one","misfire_policy":"skip","misfire_grace":"10m",
            "timeout":"2h","jitter":"30s","start_date":"2026-01-01T00:00:00+01:00",
            "end_date":"2027-01-01T00:00:00Z","disabled":"TRUE","unknown_field":{"x":1}})");
        REQUIRE(c);
        CHECK(c->time_zone == "Europe/Berlin");
        CHECK(c->overlap == scheduler::overlap_policy::buffer_one);
        CHECK(c->misfire == scheduler::misfire_policy::skip);
        CHECK(c->misfire_grace.text() == "10m");
        CHECK(c->timeout->text() == "2h");
        CHECK(c->jitter->text() == "30s");
        CHECK(c->start_date == at("2025-12-31T23:00:00Z"));
        CHECK(c->disabled);
    }
    SECTION("a rendered resource posted back creates the same config") {
        auto original = f.admit(R"({"name":"round","operation":"cckm_key_rotation",
            "run_at":"*/5 * * * *","time_zone":"Asia/Tokyo","disabled":true,
            "start_date":"2026-02-01T00:00:00Z","timeout":"1h",
            "cckm_key_rotation_params":{"cloud_name":"AzureCloud","rotation_after":"30d"}})");
        REQUIRE(original);
        auto again = f.admit(json::serialize(json::value_from(*original)));
        REQUIRE(again);
        CHECK(*again == *original);
    }
}

TEST_CASE("every class of bad create input names its field", "[json]") {
    registry_fixture f;
    std::string const p = "cckm_key_rotation_params.";

    SECTION("malformed JSON and non-object bodies are bad requests without a field") {
        auto r = f.parse(R"({"name": "x",)");
        REQUIRE_FALSE(r);
        CHECK(r.error().field().empty());
        CHECK(r.error().message().find("malformed JSON") != std::string::npos);
        r = f.parse("[1,2]");
        REQUIRE_FALSE(r);
        CHECK(r.error().field().empty());
    }
    SECTION("wrong types of known fields") {
        CHECK(f.refused_field(body_with("name", "42")) == "name");
        CHECK(f.refused_field(body_with("description", "[]")) == "description");
        CHECK(f.refused_field(body_with("run_at", "5")) == "run_at");
        CHECK(f.refused_field(body_with("run_on", "true")) == "run_on");
        CHECK(f.refused_field(body_with("disabled", "1")) == "disabled");
        CHECK(f.refused_field(body_with("disabled", R"("maybe")")) == "disabled");
        CHECK(f.refused_field(body_with("start_date", "20260101")) == "start_date");
        CHECK(f.refused_field(body_with("operation", "{}")) == "operation");
        CHECK(f.refused_field(body_with("cckm_key_rotation_params", R"("aws")")) ==
              "cckm_key_rotation_params");
        CHECK(f.refused_field(body_with("time_zone", "1")) == "time_zone");
    }
    SECTION("missing, empty and too long names") {
        json::object o = json::parse(body_with("x", "1")).as_object();
        o.erase("name");
        CHECK(f.refused_field(json::serialize(o)) == "name");
        CHECK(f.refused_field(body_with("name", R"("")")) == "name");
        CHECK(f.refused_field(body_with("name", "\"" + std::string(257, 'n') + "\"")) == "name");
        CHECK(f.admit(body_with("name", "\"" + std::string(256, 'n') + "\"")));
    }
    SECTION("schedule: cron, zone, dates") {
        CHECK(f.refused_field(body_with("run_at", R"("61 * * * *")")) == "run_at");
        CHECK(f.refused_field(body_with("run_at", R"("0 0 30 2 *")")) == "run_at");
        CHECK(f.refused_field(body_with("run_at", R"("")")) == "run_at");
        CHECK(f.refused_field(body_with("time_zone", R"("Mars/Olympus")")) == "time_zone");
        CHECK(f.refused_field(body_with("start_date", R"("yesterday")")) == "start_date");
        CHECK(f.refused_field(body_with("end_date", R"("2026-13-01T00:00:00Z")")) == "end_date");
        json::object o =
            json::parse(body_with("start_date", R"("2026-06-01T00:00:00Z")")).as_object();
        o["end_date"] = "2026-05-01T00:00:00Z";
        CHECK(f.refused_field(json::serialize(o)) == "end_date");
    }
    SECTION("operation and params blocks") {
        CHECK(f.refused_field(body_with("operation", R"("teleport")")) == "operation");
        CHECK(f.refused_field(body_with("operation", R"("")")) == "operation");
        CHECK(
            f.refused_field(body_with("cckm_synchronization_params", R"({"cloud_name":"aws"})")) ==
            "cckm_synchronization_params");
        CHECK(f.refused_field(body_with("database_backup_params", "{}")) ==
              "database_backup_params");
        CHECK(f.refused_field(body_with("cckm_key_rotation_params", "{}")) == p + "cloud_name");
    }
    SECTION("durations, per-cloud rules and policies") {
        CHECK(f.refused_field(body_with("cckm_key_rotation_params",
                                        R"({"cloud_name":"aws","expire_in":"6x"})")) ==
              p + "expire_in");
        CHECK(f.refused_field(body_with("cckm_key_rotation_params",
                                        R"({"cloud_name":"gcp","expire_in":"6d"})")) ==
              p + "expire_in");
        CHECK(f.refused_field(body_with("cckm_key_rotation_params",
                                        R"({"cloud_name":"oci","rotation_after":"6d"})")) ==
              p + "rotation_after");
        CHECK(f.refused_field(body_with("timeout", R"("soon")")) == "timeout");
        CHECK(f.refused_field(body_with("jitter", R"("5")")) == "jitter");
        CHECK(f.refused_field(body_with("misfire_grace", R"("1w")")) == "misfire_grace");
        CHECK(f.refused_field(body_with("overlap_policy", R"("queue")")) == "overlap_policy");
        CHECK(f.refused_field(body_with("misfire_policy", R"("later")")) == "misfire_policy");
    }
}

TEST_CASE("PATCH bodies", "[json]") {
    registry_fixture f;
    auto stored = sample_config();
    auto patch = [&](std::string const& text) {
        return scheduler::job_config_patch_from_json(scheduler::parse_json(text).value(), f.ops,
                                                     stored);
    };

    SECTION("the reference example merges one params key") {
        auto p = patch(R"({"cckm_key_rotation_params":{"expire_in":"2d"}})");
        REQUIRE(p);
        CHECK(p->params == R"({"expire_in":"2d"})");
        CHECK_FALSE(p->name);
        CHECK_FALSE(p->disabled);
        CHECK_FALSE(p->start_date);
    }
    SECTION("old Terraform: blank name/operation/cloud_name, zero dates") {
        auto p = patch(R"({"name":"","operation":"","disabled":false,
            "start_date":"0001-01-01T00:00:00Z","end_date":"",
            "cckm_key_rotation_params":{"cloud_name":"","expire_in":"3d"}})");
        REQUIRE(p);
        CHECK_FALSE(p->name);
        CHECK_FALSE(p->operation);
        CHECK(p->disabled == false);
        REQUIRE(p->start_date);
        CHECK_FALSE(*p->start_date);  // present and cleared
        REQUIRE(p->end_date);
        CHECK_FALSE(*p->end_date);
        CHECK(p->params == R"({"expire_in":"3d"})");
    }
    SECTION("the same name, operation and cloud are accepted") {
        auto p = patch(R"({"name":"rotate AWS keys","operation":"cckm_key_rotation",
            "cckm_key_rotation_params":{"cloud_name":"aws"}})");
        CHECK(p);
    }
    SECTION("immutable fields and foreign blocks are refused") {
        auto p = patch(R"({"name":"other"})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "name");
        p = patch(R"({"operation":"database_backup"})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "operation");
        p = patch(R"({"cckm_key_rotation_params":{"cloud_name":"gcp"}})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "cckm_key_rotation_params.cloud_name");
        p = patch(R"({"database_backup_params":{"retentionCount":1}})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "database_backup_params");
        p = patch(R"({"start_date":"not a date"})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "start_date");
        p = patch(R"({"disabled":"perhaps"})");
        REQUIRE_FALSE(p);
        CHECK(p.error().field() == "disabled");
    }
    SECTION("set and clear the extensions") {
        auto p = patch(R"({"timeout":"","jitter":"5m","run_on":"","time_zone":"","run_at":""})");
        REQUIRE(p);
        REQUIRE(p->timeout);
        CHECK_FALSE(*p->timeout);
        CHECK((*p->jitter)->text() == "5m");
        CHECK(p->run_on == "any");
        CHECK(p->time_zone == "UTC");
        CHECK_FALSE(p->run_at);  // a blank schedule is ignored, never applied
    }
}

TEST_CASE("parse_json accepts bodyless requests", "[json]") {
    CHECK(scheduler::parse_json("").value() == json::object{});
    CHECK(scheduler::parse_json(" \r\n").value() == json::object{});
    CHECK_FALSE(scheduler::parse_json("nul"));
    CHECK(scheduler::parse_bool_text("False", "disabled").value() == false);
    CHECK_FALSE(scheduler::parse_bool_text("falsey", "disabled"));
}
