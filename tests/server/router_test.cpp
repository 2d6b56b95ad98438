// SPDX-License-Identifier: Apache-2.0
#include "router.hpp"

#include "support/catch.hpp"

using schedulerd::access;
using schedulerd::router;
namespace http = boost::beast::http;

namespace {
schedulerd::handler tag(int n) {
    return [n](schedulerd::request_context& ctx) {
        schedulerd::response r{http::status::ok, 11};
        r.body() = std::to_string(n);
        (void)ctx;
        return r;
    };
}
}  // namespace

TEST_CASE("router matches literal and {param} segments", "[server][router]") {
    router r;
    r.add(http::verb::get, "/api/v1/scheduler/job-configs", access::signed_in, tag(1));
    r.add(http::verb::get, "/api/v1/scheduler/job-configs/{id}", access::signed_in, tag(2));
    r.add(http::verb::post, "/api/v1/scheduler/job-configs/{id}/run-now", access::scheduler_admin,
          tag(3));

    auto m = r.match(http::verb::get, "/api/v1/scheduler/job-configs/abc-123");
    REQUIRE(m.found != nullptr);
    CHECK(m.found->path_template == "/api/v1/scheduler/job-configs/{id}");
    CHECK(m.params.at("id") == "abc-123");

    m = r.match(http::verb::post, "/api/v1/scheduler/job-configs/x/run-now");
    REQUIRE(m.found != nullptr);
    CHECK(m.found->level == access::scheduler_admin);
    CHECK(m.params.at("id") == "x");

    CHECK(r.match(http::verb::get, "/api/v1/scheduler/job-configs").found->path_template ==
          "/api/v1/scheduler/job-configs");
}

TEST_CASE("router accepts a trailing slash on every path", "[server][router]") {
    router r;
    r.add(http::verb::post, "/api/v1/auth/tokens", access::anonymous, tag(1));
    r.add(http::verb::get, "/api/v1/x/{id}", access::anonymous, tag(2));
    CHECK(r.match(http::verb::post, "/api/v1/auth/tokens/").found != nullptr);
    CHECK(r.match(http::verb::post, "/api/v1/auth/tokens").found != nullptr);
    auto m = r.match(http::verb::get, "/api/v1/x/7/");
    REQUIRE(m.found != nullptr);
    CHECK(m.params.at("id") == "7");
}

TEST_CASE("router tells 404 (unknown path) from 405 (other method)", "[server][router]") {
    router r;
    r.add(http::verb::get, "/healthz", access::anonymous, tag(1));
    auto wrong_method = r.match(http::verb::post, "/healthz");
    CHECK(wrong_method.found == nullptr);
    CHECK(wrong_method.path_known);
    auto unknown = r.match(http::verb::get, "/nope");
    CHECK(unknown.found == nullptr);
    CHECK_FALSE(unknown.path_known);
}

TEST_CASE("router refuses empty segments and extra segments", "[server][router]") {
    router r;
    r.add(http::verb::get, "/a/{id}", access::anonymous, tag(1));
    CHECK(r.match(http::verb::get, "/a//").found == nullptr);
    CHECK(r.match(http::verb::get, "/a").found == nullptr);
    CHECK(r.match(http::verb::get, "/a/1/2").found == nullptr);
    CHECK(r.match(http::verb::get, "/a//1").found == nullptr);
}

TEST_CASE("router keeps registration order; earlier routes win", "[server][router]") {
    router r;
    r.add(http::verb::get, "/users/me", access::signed_in, tag(1));
    r.add(http::verb::get, "/users/{id}", access::admin, tag(2));
    CHECK(r.match(http::verb::get, "/users/me").found->level == access::signed_in);
    CHECK(r.match(http::verb::get, "/users/42").found->level == access::admin);
    REQUIRE(r.routes().size() == 2);
    CHECK(r.routes()[0].path_template == "/users/me");
}
