// SPDX-License-Identifier: Apache-2.0
#include "http_types.hpp"

#include "support/catch.hpp"

#include <boost/json/parse.hpp>

using scheduler::code;
using schedulerd::http_status_for;
namespace http = boost::beast::http;
namespace json = boost::json;

TEST_CASE("one table maps every library code to HTTP and CCKM codes", "[server][errors]") {
    struct row {
        code c;
        http::status st;
        int cckm;
        std::string_view desc;
    };
    row const rows[] = {
        {code::invalid_argument, http::status::bad_request, 9, "NCERRInvalidParamValue"},
        {code::unauthenticated, http::status::unauthorized, 5, "NCERRUnauthorizedAccess"},
        {code::permission_denied, http::status::forbidden, 7, "NCERRPermissionDenied"},
        {code::not_found, http::status::not_found, 16, "NCERRResourceNotFound"},
        {code::already_exists, http::status::conflict, 12, "NCERRConflict"},
        {code::aborted, http::status::conflict, 12, "NCERRConflict"},
        {code::failed_precondition, http::status::conflict, 12, "NCERRConflict"},
        {code::cancelled, http::status::conflict, 12, "NCERRConflict"},
        {code::resource_exhausted, http::status::too_many_requests, 17, "NCERRTooManyRequests"},
        {code::unavailable, http::status::service_unavailable, 18, "NCERRServiceUnavailable"},
        {code::internal, http::status::internal_server_error, 14, "NCERRInternalServerError"},
        {code::deadline_exceeded, http::status::gateway_timeout, 19, "NCERRTimeout"},
        {code::unimplemented, http::status::not_implemented, 20, "NCERRNotImplemented"},
    };
    for (auto const& r : rows) {
        INFO(scheduler::to_string(r.c));
        CHECK(http_status_for(r.c) == r.st);
        auto m = schedulerd::error_mapping_for(r.c);
        CHECK(m.cckm_code == r.cckm);
        CHECK(m.code_desc == r.desc);
    }
}

TEST_CASE("error body has the CCKM shape and names the field", "[server][errors]") {
    schedulerd::request req{http::verb::post, "/x", 11};
    auto res = schedulerd::error_response(req, scheduler::invalid_argument("run_at", "bad minute"),
                                          "req-1");
    CHECK(res.result() == http::status::bad_request);
    CHECK(res[http::field::content_type] == "application/json");
    auto body = json::parse(res.body()).as_object();
    CHECK(body.at("code").as_int64() == 9);
    CHECK(body.at("codeDesc").as_string() == "NCERRInvalidParamValue: bad minute");
    CHECK(body.at("message").as_string() == "bad minute");
    CHECK(body.at("requestID").as_string() == "req-1");
    CHECK(body.at("field").as_string() == "run_at");

    auto nf = json::parse(schedulerd::error_response(req, scheduler::not_found("gone"), "r").body())
                  .as_object();
    CHECK_FALSE(nf.contains("field"));
    // Clients (Terraform) look for this substring to detect deleted objects.
    CHECK(std::string(nf.at("codeDesc").as_string()).find("NCERRResourceNotFound") !=
          std::string::npos);
}

TEST_CASE("named helpers: malformed body 400/15, 413, 429 with Retry-After, 404/405",
          "[server][errors]") {
    schedulerd::request req{http::verb::post, "/x", 11};
    auto bad = schedulerd::bad_request_response(req, "Request body is not a JSON object.", "r");
    CHECK(bad.result() == http::status::bad_request);
    CHECK(json::parse(bad.body()).at("code").as_int64() == 15);
    CHECK(json::parse(bad.body()).at("codeDesc").as_string().starts_with("NCERRBadRequest"));

    CHECK(schedulerd::payload_too_large_response(req, "r").result() ==
          http::status::payload_too_large);

    auto slow =
        schedulerd::too_many_requests_response(req, "slow down", "r", std::chrono::seconds(42));
    CHECK(slow.result() == http::status::too_many_requests);
    CHECK(slow[http::field::retry_after] == "42");

    CHECK(schedulerd::route_not_found_response(req, false, "r").result() ==
          http::status::not_found);
    CHECK(schedulerd::route_not_found_response(req, true, "r").result() ==
          http::status::method_not_allowed);
}

TEST_CASE("json_response and empty_response follow the request's keep-alive", "[server][errors]") {
    schedulerd::request req{http::verb::get, "/x", 11};
    req.keep_alive(false);
    auto res = schedulerd::json_response(req, http::status::ok, json::object{{"a", 1}});
    CHECK_FALSE(res.keep_alive());
    CHECK(res.body() == R"({"a":1})");
    CHECK(res[http::field::content_length] == "7");
    auto empty = schedulerd::empty_response(req);
    CHECK(empty.result() == http::status::no_content);
    CHECK(empty.body().empty());
}
