// SPDX-License-Identifier: Apache-2.0
// The AWS connection routes without sockets: who may call them, the JSON shapes they refuse
// (each naming its field, nothing stored), that no answer carries the secret, and 503 without
// the connection service. The end-to-end run against a fake KMS is
// tests/e2e/aws_kms_e2e_test.cpp.
#include "route_call.hpp"
#include "support/catch.hpp"
#include "support/in_memory_store.hpp"
#include "support/manual_executor.hpp"

#include "auth.hpp"
#include "handlers/handlers.hpp"

#include <cckm/aws/connections.hpp>
#include <cckm/operations.hpp>
#include <scheduler/engine.hpp>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

namespace {

namespace fs = std::filesystem;
using route_test::reply;
using schedulerd::http::verb;

std::string const kms = "/api/v1/cckm/aws/kms";
std::string const secret = "handler/Secret+Key-0001";

struct api {
    explicit api(bool with_connections = true) {
        fs::create_directories(dir);
        eng = std::make_unique<scheduler::engine>(store, ops, clock);
        cckm::aws::kms_provider_options o;
        o.sleep = [](std::chrono::milliseconds) {};
        conns = cckm::aws::open_kms_connections(":memory:", dir.string(), router,
                                                cckm::aws::default_kms_factory(clock, o), clock)
                    .value();
        svc = std::make_unique<schedulerd::services>(
            schedulerd::services{*eng, ops, store, "local-node", nullptr, nullptr});
        if (with_connections) svc->aws_connections = conns.get();
        schedulerd::register_cckm_aws_kms_routes(routes, *svc);
        user.user_id = "local|admin";
        user.username = "admin";
        user.groups = {"admin"};
    }
    ~api() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    reply call(verb method,
               std::string const& path,
               std::string const& body = {},
               route_test::query q = {}) {
        return route_test::call(routes, user, method, path, body, std::move(q));
    }

    fs::path dir =
        fs::temp_directory_path() / ("cckm-kms-routes-" + std::to_string(std::random_device{}()));
    scheduler::manual_clock clock{scheduler::parse_rfc3339("2026-12-01T10:00:00Z").value()};
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    std::unique_ptr<scheduler::engine> eng;
    cckm::aws::connection_router router;
    std::unique_ptr<cckm::aws::kms_connections> conns;
    std::unique_ptr<schedulerd::services> svc;
    schedulerd::router routes;
    schedulerd::principal user;
};

std::string body(std::string const& extra = {}) {
    return R"({"name":"prod","account_id":"111122223333","regions":["eu-west-1"],)"
           R"("access_key_id":"AKIDHANDLER","secret_access_key":")" +
           secret + "\"" + extra + "}";
}

}  // namespace

TEST_CASE("aws connection writes need CCKM Admins; reads any signed-in user",
          "[handlers][aws_kms][auth]") {
    api a;
    schedulerd::principal plain{.user_id = "local|u", .username = "u", .groups = {}};
    schedulerd::principal cckm_admin{
        .user_id = "local|c", .username = "c", .groups = {"CCKM Admins"}};
    for (auto const& r : a.routes.routes()) {
        INFO(r.path_template);
        bool const write = r.method != verb::get;
        CHECK(schedulerd::allowed(r.level, &plain) == !write);
        CHECK(schedulerd::allowed(r.level, &cckm_admin));
        CHECK_FALSE(schedulerd::allowed(r.level, nullptr));
    }
    CHECK(a.routes.routes().size() == 4);
}

TEST_CASE("aws connection bodies: each refusal names its field and stores nothing",
          "[handlers][aws_kms]") {
    api a;
    struct bad_case {
        std::string body;
        std::string field;
    };
    std::vector<bad_case> const cases = {
        {body(R"(,"sessionToken":"t")"), "sessionToken"},  // misspelt: refused, not ignored
        {body(R"(,"regions":"eu-west-1")"), "regions"},
        {body(R"(,"regions":[1])"), "regions"},
        {body(R"(,"name":7)"), "name"},
        {body(R"(,"session_token":false)"), "session_token"},
        {R"({"name":"p","account_id":"111122223333","regions":["eu-west-1"],)"
         R"("endpoint_url":"https://kms.internal.example"})",
         "endpoint_url"},  // the server's own credentials go to AWS only
        {R"({"name":"p","account_id":"111122223333","regions":["eu-west-1"],)"
         R"("secret_access_key":"s"})",
         "access_key_id"},
    };
    for (auto const& c : cases) {
        INFO(c.body);
        auto r = a.call(verb::post, kms, c.body);
        CHECK(r.status == 400);
        CHECK(r.field() == c.field);
        CHECK(r.message().find(secret) == std::string::npos);
    }
    CHECK(a.call(verb::post, kms, "[1]").status == 400);
    CHECK(a.call(verb::get, kms).total() == 0);
}

TEST_CASE("aws connections: created, listed and deleted without the secret",
          "[handlers][aws_kms]") {
    api a;
    auto created = a.call(verb::post, kms, body(R"(,"session_token":"tok-1")"));
    REQUIRE(created.status == 201);
    CHECK(created.str("credential_source") == "static");
    CHECK(created.body.at("has_session_token") == true);
    CHECK(created.message().find(secret) == std::string::npos);
    CHECK(created.message().find("tok-1") == std::string::npos);
    CHECK(a.call(verb::post, kms, body()).status == 409);

    auto list = a.call(verb::get, kms, {}, {{"limit", "0"}});
    CHECK(list.status == 200);
    CHECK(list.total() == 1);
    CHECK(list.body.at("resources").as_array().empty());
    CHECK(a.call(verb::get, kms + "/prod").str("id") == created.str("id"));
    CHECK(a.call(verb::delete_, kms + "/" + created.str("id")).status == 204);
    CHECK(a.call(verb::get, kms + "/prod").status == 404);
    CHECK(a.router.connections().empty());
}

TEST_CASE("aws connection routes answer 503 without the connection service",
          "[handlers][aws_kms]") {
    api a(false);
    CHECK(a.call(verb::post, kms, body()).status == 503);
    CHECK(a.call(verb::get, kms).status == 503);
}
