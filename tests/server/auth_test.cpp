// SPDX-License-Identifier: Apache-2.0
// Auth and user management through the request pipeline (no socket): grants, token checks,
// groups, the login throttle (manual clock), liberal parsing, the catch-all and the access log.
#include "server_fixture.hpp"

#include "support/catch.hpp"

using server_test::auth_fixture;
using server_test::body_of;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {
std::string create_body(std::string const& user,
                        std::string const& password,
                        json::array groups = {}) {
    return json::serialize(
        json::object{{"username", user}, {"password", password}, {"groups", std::move(groups)}});
}
}  // namespace

TEST_CASE("password grant returns the reference token response", "[server][auth]") {
    auth_fixture f;
    auto res = f.login("admin", auth_fixture::admin_password);
    REQUIRE(res.result() == http::status::ok);
    auto b = body_of(res).as_object();
    CHECK(b.at("duration").as_int64() == 300);
    CHECK(b.at("token_type").as_string() == "Bearer");
    CHECK_FALSE(b.at("jwt").as_string().empty());
    CHECK_FALSE(b.at("refresh_token").as_string().empty());
    CHECK_FALSE(b.at("refresh_token_id").as_string().empty());
    CHECK_FALSE(b.at("client_id").as_string().empty());

    // Terraform's body: no grant_type, empty domain fields; a trailing slash (KROX, SKL).
    auto tf =
        f.call(http::verb::post, "/api/v1/auth/tokens/",
               R"({"username":"admin","password":"admin-Passw0rd!","domain":"","auth_domain":""})");
    CHECK(tf.result() == http::status::ok);
}

TEST_CASE("wrong credentials are 401 NCERRUnauthorizedAccess", "[server][auth]") {
    auth_fixture f;
    for (auto [user, pw] : {std::pair{"admin", "wrong"}, std::pair{"nobody", "whatever1"}}) {
        auto res = f.login(user, pw);
        REQUIRE(res.result() == http::status::unauthorized);
        auto b = body_of(res);
        CHECK(b.at("code").as_int64() == 5);
        CHECK(b.at("message").as_string() == "Wrong username or password.");
    }
    auto malformed = f.call(http::verb::post, "/api/v1/auth/tokens", "{not json");
    CHECK(malformed.result() == http::status::bad_request);
    CHECK(body_of(malformed).at("code").as_int64() == 15);
    auto bad_grant = f.call(http::verb::post, "/api/v1/auth/tokens", R"({"grant_type":"magic"})");
    CHECK(bad_grant.result() == http::status::bad_request);
    CHECK(body_of(bad_grant).at("field").as_string() == "grant_type");
}

TEST_CASE("repeated failed logins are refused with 429 until the lockout passes",
          "[server][auth]") {
    auth_fixture f;
    int const max = f.auth.settings().max_failed_logins;
    for (int i = 0; i < max; ++i)
        CHECK(f.login("admin", "bad").result() == http::status::unauthorized);
    auto locked = f.login("admin", auth_fixture::admin_password);  // even the right password
    REQUIRE(locked.result() == http::status::too_many_requests);
    CHECK(std::stoi(std::string(locked[http::field::retry_after])) >= 1);
    CHECK(f.login("other", "x").result() == http::status::unauthorized);  // per username

    f.clock.advance(f.auth.settings().lockout_base + std::chrono::seconds(1));
    CHECK(f.login("admin", auth_fixture::admin_password).result() == http::status::ok);
    CHECK(f.login("admin", "bad").result() == http::status::unauthorized);  // counter was reset
}

TEST_CASE("refresh grant issues a new JWT; revoked tokens are refused", "[server][auth]") {
    auth_fixture f;
    auto first = body_of(f.login("admin", auth_fixture::admin_password));
    std::string refresh(first.at("refresh_token").as_string());
    std::string id(first.at("refresh_token_id").as_string());
    auto body =
        json::serialize(json::object{{"grant_type", "refresh_token"}, {"refresh_token", refresh}});
    auto res = f.call(http::verb::post, "/api/v1/auth/tokens", body);
    REQUIRE(res.result() == http::status::ok);
    CHECK(body_of(res).at("refresh_token").as_string() == refresh);
    CHECK(body_of(res).at("refresh_token_id").as_string() == id);
    std::string jwt(body_of(res).at("jwt").as_string());

    CHECK(f.call(http::verb::delete_, "/api/v1/auth/tokens/" + id, {}, jwt).result() ==
          http::status::no_content);
    auto again = f.call(http::verb::post, "/api/v1/auth/tokens", body);
    CHECK(again.result() == http::status::unauthorized);
    CHECK(body_of(again).at("message").as_string() == "Invalid token");
    auto bogus =
        json::serialize(json::object{{"grant_type", "refresh_token"}, {"refresh_token", "nope"}});
    CHECK(f.call(http::verb::post, "/api/v1/auth/tokens", bogus).result() ==
          http::status::unauthorized);
}

TEST_CASE("protected routes need a valid, unexpired token", "[server][auth]") {
    auth_fixture f;
    auto token = f.admin_token();
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, token).result() ==
          http::status::ok);
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users").result() == http::status::unauthorized);
    auto tampered = token;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'a' ? 'b' : 'a';
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, tampered).result() ==
          http::status::unauthorized);
    schedulerd::request raw{http::verb::get, "/api/v1/usermgmt/users", 11};
    raw.set(http::field::authorization, "Basic YWRtaW46eA==");
    CHECK(f.pipeline.handle(raw).result() == http::status::unauthorized);

    f.clock.advance(std::chrono::seconds(301));
    auto expired = f.call(http::verb::get, "/api/v1/usermgmt/users", {}, token);
    CHECK(expired.result() == http::status::unauthorized);
    CHECK(std::string(body_of(expired).at("message").as_string()).find("expired") !=
          std::string::npos);
}

TEST_CASE("a non-admin user gets 403 on user management; admin manages users", "[server][auth]") {
    auth_fixture f;
    auto admin = f.admin_token();
    auto created = f.call(http::verb::post, "/api/v1/usermgmt/users",
                          create_body("sam", "sam-password", {"Scheduler Admins"}), admin);
    REQUIRE(created.result() == http::status::created);
    auto user = body_of(created).as_object();
    std::string id(user.at("id").as_string());
    CHECK(user.at("user_id").as_string() == "local|" + id);
    CHECK_FALSE(user.contains("password"));
    CHECK(created.body().find("sam-password") == std::string::npos);

    auto sam = f.token("sam", "sam-password");
    auto denied = f.call(http::verb::get, "/api/v1/usermgmt/users", {}, sam);
    CHECK(denied.result() == http::status::forbidden);
    CHECK(f.call(http::verb::post, "/api/v1/usermgmt/users", create_body("x", "xxxxxxxx"), sam)
              .result() == http::status::forbidden);

    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users/local%7C" + id, {}, admin).result() ==
          http::status::ok);
    CHECK(
        f.call(http::verb::post, "/api/v1/usermgmt/groups/admin/users/" + id, {}, admin).result() ==
        http::status::ok);
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, sam).result() ==
          http::status::ok);  // groups are read live
    CHECK(f.call(http::verb::delete_, "/api/v1/usermgmt/groups/admin/users/" + id, {}, admin)
              .result() == http::status::no_content);
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, sam).result() ==
          http::status::forbidden);

    auto groups = body_of(f.call(http::verb::get, "/api/v1/usermgmt/groups", {}, admin));
    CHECK(groups.at("total").as_int64() == 3);
    CHECK(f.call(http::verb::post, "/api/v1/usermgmt/groups/Scheduler%20Admins/users/" + id, {},
                 admin)
              .result() == http::status::ok);

    CHECK(f.call(http::verb::delete_, "/api/v1/usermgmt/users/" + id, {}, admin).result() ==
          http::status::no_content);
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users/" + id, {}, admin).result() ==
          http::status::not_found);
    CHECK(f.call(http::verb::get, "/api/v1/healthz", {}, sam).result() == http::status::not_found);
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, sam).result() ==
          http::status::unauthorized);  // deleted
}

TEST_CASE("user creation validates input", "[server][auth]") {
    auth_fixture f;
    auto admin = f.admin_token();
    auto dup = f.call(http::verb::post, "/api/v1/usermgmt/users",
                      create_body("admin", "whatever-long"), admin);
    CHECK(dup.result() == http::status::conflict);
    auto short_pw =
        f.call(http::verb::post, "/api/v1/usermgmt/users", create_body("newbie", "short"), admin);
    CHECK(short_pw.result() == http::status::bad_request);
    CHECK(body_of(short_pw).at("field").as_string() == "password");
    auto bad_name = f.call(http::verb::post, "/api/v1/usermgmt/users",
                           create_body("a b", "long-enough"), admin);
    CHECK(body_of(bad_name).at("field").as_string() == "username");
    auto bad_group = f.call(http::verb::post, "/api/v1/usermgmt/users",
                            create_body("g", "long-enough", {"Nope"}), admin);
    CHECK(body_of(bad_group).at("field").as_string() == "groups");
    auto wrong_type = f.call(http::verb::post, "/api/v1/usermgmt/users",
                             R"({"username":1,"password":"long-enough"})", admin);
    CHECK(wrong_type.result() == http::status::bad_request);
    auto paging = f.call(http::verb::get, "/api/v1/usermgmt/users?limit=5000", {}, admin);
    CHECK(body_of(paging).at("field").as_string() == "limit");
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users?limit=-1&skip=0", {}, admin).result() ==
          http::status::ok);
}

TEST_CASE("the admin cannot delete itself or the last admin", "[server][auth]") {
    auth_fixture f;
    auto admin = f.admin_token();
    auto me =
        body_of(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, admin)).at("resources").at(0);
    std::string id(me.at("id").as_string());
    CHECK(f.call(http::verb::delete_, "/api/v1/usermgmt/users/" + id, {}, admin).result() ==
          http::status::conflict);
    CHECK(f.call(http::verb::delete_, "/api/v1/usermgmt/groups/admin/users/" + id, {}, admin)
              .result() == http::status::conflict);
}

TEST_CASE("liberal parsing: bodyless POST with any content type, GET with JSON type",
          "[server][auth]") {
    auth_fixture f;
    auto admin = f.admin_token();
    auto id = std::string(body_of(f.call(http::verb::post, "/api/v1/usermgmt/users",
                                         create_body("lib", "lib-password"), admin))
                              .at("id")
                              .as_string());
    // Content-Length: 0 with text/plain and with no Content-Type at all.
    CHECK(f.call(http::verb::post, "/api/v1/usermgmt/groups/CCKM%20Admins/users/" + id, {}, admin,
                 "text/plain")
              .result() == http::status::ok);
    CHECK(f.call(http::verb::post, "/api/v1/usermgmt/groups/admin/users/" + id, {}, admin, "")
              .result() == http::status::ok);
    CHECK(f.call(http::verb::get, "/healthz", {}, {}, "application/json").result() ==
          http::status::ok);
    CHECK(f.call(http::verb::delete_, "/api/v1/usermgmt/users/" + id + "/", {}, admin,
                 "application/json")
              .result() == http::status::no_content);
}

TEST_CASE("pipeline: request ids, 404/405, catch-all 500, metrics and a secret-free log",
          "[server][auth]") {
    auth_fixture f;
    f.routes.add(http::verb::get, "/boom", schedulerd::access::anonymous,
                 [](schedulerd::request_context&) -> schedulerd::response {
                     throw std::runtime_error("kaput");
                 });
    auto boom = f.call(http::verb::get, "/boom");
    REQUIRE(boom.result() == http::status::internal_server_error);
    CHECK(body_of(boom).at("code").as_int64() == 14);
    CHECK(boom.body().find("kaput") == std::string::npos);  // details go to the log, not the client
    std::string rid(boom["X-Request-ID"]);
    CHECK(rid.size() == 36);
    CHECK(body_of(boom).at("requestID").as_string() == rid);

    CHECK(f.call(http::verb::get, "/nowhere").result() == http::status::not_found);
    CHECK(f.call(http::verb::put, "/healthz").result() == http::status::method_not_allowed);
    CHECK(f.call(http::verb::get, "/healthz")["X-Request-ID"] !=
          f.call(http::verb::get, "/healthz")["X-Request-ID"]);

    auto token = f.admin_token();
    CHECK(f.call(http::verb::get, "/api/v1/usermgmt/users", {}, token).result() ==
          http::status::ok);
    CHECK(f.stats.requests("GET", "/healthz", 200) == 2);
    CHECK(f.stats.requests("GET", "/boom", 500) == 1);
    auto text = f.call(http::verb::get, "/metrics").body();
    CHECK(
        text.find(
            "schedulerd_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2") !=
        std::string::npos);
    CHECK(
        text.find(
            "schedulerd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2") !=
        std::string::npos);

    f.log.flush();  // access lines are buffered (up to 200 ms)
    auto log = server_test::read_file(f.log_path);
    CHECK(log.find("kaput") != std::string::npos);
    CHECK(log.find(rid) != std::string::npos);
    CHECK(log.find("\"user\":\"admin\"") != std::string::npos);
    CHECK(log.find(auth_fixture::admin_password) == std::string::npos);
    CHECK(log.find(token) == std::string::npos);
    CHECK(log.find("Bearer") == std::string::npos);
}
