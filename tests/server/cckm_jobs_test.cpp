// SPDX-License-Identifier: Apache-2.0
// The bulk and key job routes without sockets (seeds/001-003): router + handlers + the job
// service over simulated clouds, a manual clock and a manual executor. Every bad input answers
// 400 with the CCKM error naming the field and leaves no job behind.
#include "route_call.hpp"
#include "support/catch.hpp"
#include "support/in_memory_store.hpp"
#include "support/manual_executor.hpp"

#include "auth.hpp"
#include "handlers/handlers.hpp"

#include <cckm/bulk_jobs.hpp>
#include <cckm/operations.hpp>
#include <cckm/simulated_provider.hpp>
#include <scheduler/engine.hpp>

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

std::string const aws_jobs = "/api/v1/cckm/aws/bulkjob";
std::string const azure_jobs = "/api/v1/cckm/azure/bulkjobs";
std::string const sap_jobs = "/api/v1/cckm/sap/keys/jobs";

struct api {
    explicit api(bool with_jobs = true) {
        cckm::register_operations(ops).value();
        scheduler::engine_options o;
        o.executor = exec.executor();
        eng = std::make_unique<scheduler::engine>(store, ops, clock, o);
        cckm::add_simulated_providers(providers, *cloud_state, clock).value();
        cckm::bulk_job_options bo;
        bo.stop_grace = std::chrono::milliseconds(20);
        jobs = std::make_unique<cckm::bulk_job_service>(*job_store, *inventory, providers, clock,
                                                        exec.executor(), bo);
        svc = std::make_unique<schedulerd::services>(
            schedulerd::services{*eng, ops, store, "local-node", inventory.get(), &providers});
        if (with_jobs) svc->bulk_jobs = jobs.get();
        schedulerd::register_cckm_job_routes(routes, *svc);
        user.user_id = "local|admin";
        user.username = "admin";
        user.groups = {"admin"};
    }

    /// A key in `cloud` and in the inventory; returns the inventory key.
    cckm::cloud_key key(std::string const& cloud, std::string const& container = {}) {
        cckm::key_spec spec;
        spec.name = cloud + "-" + std::to_string(++made);
        spec.container = container;
        if (cloud == "sfdc") spec.key_type = "Data";
        auto k = providers.find(cloud)->create_key(spec).value();
        k.id = cckm::new_key_id();
        inventory->put(k).value();
        return k;
    }

    reply call(verb method,
               std::string const& path,
               std::string const& body = {},
               route_test::query query = {}) {
        return route_test::call(routes, user, method, path, body, std::move(query));
    }
    reply post(std::string const& path, std::string const& body) {
        return call(verb::post, path, body);
    }
    reply get(std::string const& path, std::map<std::string, std::string, std::less<>> q = {}) {
        return call(verb::get, path, {}, std::move(q));
    }
    std::int64_t total(std::string const& path) { return get(path).body.at("total").as_int64(); }

    scheduler::manual_clock clock{at("2026-12-01T10:00:00Z")};
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    scheduler::test::manual_executor exec;
    std::unique_ptr<scheduler::engine> eng;
    std::unique_ptr<cckm::key_store> cloud_state = cckm::make_in_memory_key_store();
    std::unique_ptr<cckm::key_store> inventory = cckm::make_in_memory_key_store();
    cckm::provider_registry providers;
    std::unique_ptr<cckm::bulk_job_store> job_store = cckm::make_in_memory_bulk_job_store();
    std::unique_ptr<cckm::bulk_job_service> jobs;
    std::unique_ptr<schedulerd::services> svc;
    schedulerd::router routes;
    schedulerd::principal user;
    int made = 0;
};

std::string keys_json(std::vector<cckm::cloud_key> const& ks) {
    json::array a;
    for (auto const& k : ks) a.emplace_back(k.id);
    return json::serialize(a);
}

}  // namespace

TEST_CASE("an AWS bulk job is created, runs, and is listed, got and cancelled",
          "[handlers][bulk]") {
    api a;
    std::vector<cckm::cloud_key> ks{a.key("aws"), a.key("aws"), a.key("aws")};
    auto created = a.post(aws_jobs, R"({"operation":"disablekey","keys":)" + keys_json(ks) + "}");
    REQUIRE(created.status == 201);
    auto const id = created.str("id");
    CHECK(created.str("uri") == "kylo:kylo:cckm:bulkjob:" + id);
    CHECK(created.str("account") == "kylo:kylo:admin:accounts:kylo");
    CHECK(created.str("overall_status") == "in_progress");
    CHECK(created.body.at("abort") == false);
    CHECK(created.str("cloud") == "aws");
    CHECK(created.str("operation") == "disablekey");
    CHECK(created.body.at("keys").as_array().size() == 3);
    CHECK(created.str("createdAt") == "2026-12-01T10:00:00.000000Z");

    a.exec.run_all();
    auto got = a.get(aws_jobs + "/" + id);
    REQUIRE(got.status == 200);
    CHECK(got.str("overall_status") == "completed");
    CHECK(got.body.as_object().contains("completed_at"));
    for (auto const& k : ks) CHECK(got.body.at("detailed_status").at(k.id) == "Success");
    CHECK(a.providers.find("aws")->get_key(ks[0].native_id).value().state ==
          cckm::key_state::disabled);

    auto list = a.get(aws_jobs);
    REQUIRE(list.status == 200);
    CHECK(list.body.at("total") == 1);
    CHECK(list.body.at("resources").at(0).at("id").as_string() == id);
    CHECK(a.get(aws_jobs, {{"overall_status", "completed"}}).body.at("total") == 1);
    CHECK(a.get(aws_jobs, {{"overall_status", "in_progress"}}).body.at("total") == 0);
    CHECK(a.get(aws_jobs, {{"id", id}}).body.at("total") == 1);
    auto bad_filter = a.get(aws_jobs, {{"overall_status", "sleeping"}});
    CHECK(bad_filter.status == 400);
    CHECK(bad_filter.field() == "overall_status");
    CHECK(a.get(aws_jobs, {{"sort", "name"}}).status == 400);

    auto cancelled = a.post(aws_jobs + "/" + id + "/cancel", "");
    REQUIRE(cancelled.status == 200);
    CHECK(cancelled.body.at("abort") == true);
    CHECK(cancelled.str("overall_status") == "completed");  // finished before the cancel
    CHECK(a.post(aws_jobs + "/nope/cancel", "").status == 404);
    CHECK(a.get(aws_jobs + "/nope").status == 404);
}

TEST_CASE("AWS bulk job validation: status, field named, nothing created", "[handlers][bulk]") {
    api a;
    auto k = a.key("aws");
    auto const one = keys_json({k});
    struct bad {
        std::string body;
        std::string field;
        std::string words;
    };
    std::string many = "[";
    for (int i = 0; i < 101; ++i) many += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    many += "]";
    auto const cases = {
        bad{R"({"keys":)" + one + "}", "operation", "required"},
        bad{R"({"operation":"explode","keys":)" + one + "}", "operation", "enablekey"},
        bad{R"({"operation":7,"keys":)" + one + "}", "operation", "string"},
        bad{R"({"operation":"enablekey"})", "keys", "no key"},
        bad{R"({"operation":"enablekey","keys":42})", "keys", "array"},
        bad{R"({"operation":"enablekey","keys":[1]})", "keys", "array"},
        bad{R"({"operation":"enablekey","keys":)" + many + "}", "keys", "at most 100"},
        bad{R"({"operation":"enablekey","keys":[")" + k.id + R"(","ghost-7"]})", "keys", "ghost-7"},
        bad{R"({"operation":"schedulekeydeletion","days":6,"keys":)" + one + "}", "days",
            "7 to 30"},
        bad{R"({"operation":"schedulekeydeletion","days":31,"keys":)" + one + "}", "days",
            "7 to 30"},
        bad{R"({"operation":"schedulekeydeletion","days":"soon","keys":)" + one + "}", "days",
            "integer"},
        bad{R"({"operation":"applypolicytemplate","keys":)" + one + "}", "policy_template_id",
            "required"},
    };
    for (auto const& c : cases) {
        INFO(c.body);
        auto r = a.post(aws_jobs, c.body);
        CHECK(r.status == 400);
        CHECK(r.field() == c.field);
        CHECK(r.str("message").find(c.words) != std::string::npos);
        CHECK(r.str("message").find(c.field) != std::string::npos);
    }
    // Not JSON, not an object: 400 without a field (NCERRBadRequest).
    CHECK(a.post(aws_jobs, "{nope").status == 400);
    CHECK(a.post(aws_jobs, "[]").status == 400);
    CHECK(a.total(aws_jobs) == 0);
    CHECK(a.exec.pending() == 0);

    // The same values done right are accepted; days as a string too, as clients send it.
    CHECK(a.post(aws_jobs, R"({"operation":"schedulekeydeletion","days":"7","keys":)" + one + "}")
              .status == 201);
    CHECK(a.post(aws_jobs, R"({"operation":"applypolicytemplate","policy_template_id":"t-1",)"
                           R"("keys":)" +
                               one + "}")
              .status == 201);
}

TEST_CASE("Azure bulk jobs: create, filters validated, get, list, cancel, delete",
          "[handlers][bulk]") {
    api a;
    auto k1 = a.key("AzureCloud", "vault-1");
    auto k2 = a.key("AzureCloud", "vault-1");
    std::string const block = "delete_key_backups_param";
    struct bad {
        std::string body;
        std::string field;
    };
    auto const cases = {
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"key_id":")" + k1.id +
                R"(","vault_id":"vault-1"}})",
            block},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"keys":[")" + k1.id +
                R"("],"key_id":")" + k2.id + R"("}})",
            block},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"created_after":"yesterday"}})",
            block + ".created_after"},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"created_after":"2026-12-01T00:00:00Z","created_before":"2026-11-01T00:00:00Z"}})",
            block + ".created_before"},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"keys":{}}})",
            block + ".keys"},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"keys":["nobody"]}})",
            block + ".keys"},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":{"vault_id":"vault-9"}})",
            block + ".vault_id"},
        bad{R"({"operation":"delete-key-backups","delete_key_backups_param":"all"})", block},
        bad{R"({"operation":"delete-everything"})", "operation"},
    };
    for (auto const& c : cases) {
        INFO(c.body);
        auto r = a.post(azure_jobs, c.body);
        CHECK(r.status == 400);
        CHECK(r.field() == c.field);
    }
    CHECK(a.total(azure_jobs) == 0);

    auto created = a.post(azure_jobs, R"({"operation":"delete-key-backups",
        "delete_key_backups_param":{"vault_id":"vault-1","created_before":"2026-11-30T00:00:00Z"}})");
    REQUIRE(created.status == 201);
    auto const id = created.str("id");
    CHECK(created.str("uri") == "kylo:kylo:cckm:azure-bulkjob:" + id);
    CHECK(created.str("cloud") == "AzureCloud");
    CHECK(created.str("overall_status") == "in_progress");
    CHECK(created.body.at(block).at("vault_id") == "vault-1");
    // Not an AWS job, and a running job cannot be deleted.
    CHECK(a.get(aws_jobs + "/" + id).status == 404);
    CHECK(a.call(verb::delete_, azure_jobs + "/" + id).status == 409);

    a.exec.run_all();
    auto got = a.get(azure_jobs + "/" + id);
    CHECK(got.str("overall_status") == "completed");
    CHECK(got.body.at("detailed_status").at(k1.id) == "Success");
    CHECK(got.body.at("detailed_status").at(k2.id) == "Success");
    CHECK(a.total(azure_jobs) == 1);
    CHECK(a.post(azure_jobs + "/" + id + "/cancel", "").body.at("abort") == true);
    CHECK(a.call(verb::delete_, azure_jobs + "/" + id).status == 204);
    CHECK(a.get(azure_jobs + "/" + id).status == 404);
}

TEST_CASE("SAP key jobs: create PENDING, run to COMPLETED, list by state, validation",
          "[handlers][bulk]") {
    api a;
    auto k = a.key("sap", "group-1");
    auto created = a.post(
        sap_jobs, R"({"id":")" + k.id + R"(","operation":"delete","delete_if_backup_fails":true})");
    REQUIRE(created.status == 201);
    auto const id = created.str("id");
    CHECK(created.str("uri") == "kylo:kylo:cckm:sap_job:" + id);
    CHECK(created.str("state") == "PENDING");
    CHECK(created.str("cckm_key_id") == k.id);
    CHECK(created.str("key_id") == k.native_id);
    CHECK(created.str("group_id") == "group-1");
    CHECK(created.str("operation") == "delete");
    CHECK(created.str("creator_name") == "admin");
    CHECK(created.str("creator_id") == "local|admin");

    a.exec.run_all();
    CHECK(a.get(sap_jobs + "/" + id).str("state") == "COMPLETED");
    CHECK(a.get(sap_jobs, {{"state", "COMPLETED"}}).body.at("total") == 1);
    CHECK(a.get(sap_jobs, {{"state", "PENDING"}}).body.at("total") == 0);
    // The literal path is not mistaken for a key id, and another kind's job is not here.
    CHECK(a.get(sap_jobs + "/" + id + "/").status == 200);

    struct bad {
        std::string body;
        std::string field;
    };
    auto const cases = {
        bad{R"({"operation":"delete"})", "id"},
        bad{R"({"id":"ghost","operation":"delete"})", "id"},
        bad{R"({"id":")" + k.id + R"(","operation":"rotate"})", "operation"},
        bad{R"({"id":")" + k.id + R"("})", "operation"},
        bad{R"({"id":")" + k.id + R"(","operation":"delete","delete_if_backup_fails":"maybe"})",
            "delete_if_backup_fails"},
    };
    for (auto const& c : cases) {
        INFO(c.body);
        auto r = a.post(sap_jobs, c.body);
        CHECK(r.status == 400);
        CHECK(r.field() == c.field);
    }
    CHECK(a.total(sap_jobs) == 1);
    // delete_if_backup_fails as the page types it (a string) is accepted.
    CHECK(a.post(sap_jobs, R"({"id":")" + k.id +
                               R"(","operation":"restore","delete_if_backup_fails":"false"})")
              .status == 201);
}

TEST_CASE("bulk job writes need CCKM Admins (keybulkoperation); reads any signed-in user",
          "[handlers][bulk][auth]") {
    api a;
    schedulerd::principal plain{.user_id = "local|u", .username = "u", .groups = {}};
    schedulerd::principal bulk{.user_id = "local|b", .username = "b", .groups = {"CCKM Admins"}};
    for (auto const& r : a.routes.routes()) {
        INFO(r.path_template);
        bool const write = r.method != verb::get;
        CHECK(schedulerd::allowed(r.level, &plain) == !write);
        CHECK(schedulerd::allowed(r.level, &bulk));
        CHECK(schedulerd::allowed(r.level, &a.user));
    }
    CHECK(a.routes.routes().size() == 12);
}

TEST_CASE("bulk job routes answer 503 without the job service", "[handlers][bulk]") {
    api a(false);
    auto r = a.post(aws_jobs, R"({"operation":"enablekey","keys":["x"]})");
    CHECK(r.status == 503);
    CHECK(a.get(sap_jobs).status == 503);
}
