// SPDX-License-Identifier: Apache-2.0
// Inputs the fuzzers of tests/fuzz found (docs/reliability.md "Fuzzing"), each kept as a test
// so the bug stays fixed under the normal suites.
#include "crypto_util.hpp"
#include "handlers/query.hpp"
#include "http_types.hpp"
#include "jwt.hpp"

#include "support/catch.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace json = boost::json;
using schedulerd::http::verb;

namespace {

scheduler::time_point const now = scheduler::parse_rfc3339("2026-03-02T10:00:00Z").value();

// The error response the list handlers render for a query that does not parse.
json::value error_body_for(schedulerd::query_map const& q) {
    auto parsed = schedulerd::parse_config_query(q, now);
    REQUIRE_FALSE(parsed);
    schedulerd::request req{verb::get, "/api/v1/scheduler/job-configs", 11};
    auto res = schedulerd::error_response(req, parsed.error(), "rid");
    CHECK(res.result_int() == 400);
    return json::parse(res.body());  // throws on a body that is not UTF-8 JSON
}

}  // namespace

TEST_CASE("query_fuzz: a raw byte echoed in an error message keeps the body valid JSON",
          "[server][errors][fuzz]") {
    // createdAfter=2026-01-0200T:00:00Z%c6-3T0-... : the decoded 0xC6 was echoed verbatim.
    auto body = error_body_for({{"createdAfter", "2026-01-0200T:00:00Z\xC6-3T0"}});
    CHECK(body.at("field") == "createdAfter");
    std::string const message(body.at("message").as_string());
    CHECK(message.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD stands in for 0xC6
}

TEST_CASE("query_fuzz: a sort field cut inside a UTF-8 sequence keeps the body valid JSON",
          "[server][errors][fuzz]") {
    // The echo of an unknown sort field is cut at 64 bytes, here inside the two bytes of 'é'.
    auto body = error_body_for({{"sort", std::string(63, 'a') + "\xC3\xA9"}});
    CHECK(body.at("field") == "sort");
}

TEST_CASE("error bodies keep well-formed UTF-8 and replace everything else",
          "[server][errors][fuzz]") {
    schedulerd::request req{verb::get, "/", 11};
    auto text = [&](std::string const& message) {
        auto res =
            schedulerd::error_response(req, scheduler::invalid_argument("name", message), "rid");
        return std::string(json::parse(res.body()).at("message").as_string());
    };
    CHECK(text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91") ==
          "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91");
    CHECK(text("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
    CHECK(text("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    CHECK(text("x\xE2\x82") == "x\xEF\xBF\xBD\xEF\xBF\xBD");                // truncated
}

TEST_CASE("jwt_fuzz: a signed token with exp = INT64_MIN is refused without overflow",
          "[server][jwt][fuzz]") {
    // "Token is expired by <now - exp>s." overflowed int64 (UBSan) for a far-past exp; only a
    // holder of the secret can sign such a token, but the server must still answer sanely.
    std::string const secret(32, 'k');
    scheduler::manual_clock clock{now};
    schedulerd::jwt_codec jwt{secret, clock};
    std::string token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
                        schedulerd::base64url_encode(
                            R"({"sub":"local|x","iss":"kylo","iat":0,"exp":-9223372036854775808})");
    token += '.' + schedulerd::base64url_encode(schedulerd::hmac_sha256(secret, token));
    auto claims = jwt.verify(token);
    REQUIRE_FALSE(claims);
    CHECK(claims.error().error_code() == scheduler::code::unauthenticated);
    // now (1772445600) + 2^63 seconds late.
    CHECK(claims.error().message() == "Token is expired by 9223372038627221408s.");
}
