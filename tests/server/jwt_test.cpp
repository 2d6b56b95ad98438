// SPDX-License-Identifier: Apache-2.0
#include "jwt.hpp"
#include "crypto_util.hpp"

#include "support/catch.hpp"

#include <boost/json/parse.hpp>

using scheduler::code;
using schedulerd::jwt_claims;
using schedulerd::jwt_codec;

namespace {
std::string const secret(32, 's');

jwt_claims sample() {
    jwt_claims c;
    c.sub = "local|1111";
    c.preferred_username = "alice";
    c.groups = {"admin", "CCKM Admins"};
    c.client_id = "client-1";
    c.session_id = "sid-1";
    return c;
}

/// Replaces the payload segment, keeping header and signature.
std::string with_payload(std::string const& token, std::string const& payload_json) {
    auto d1 = token.find('.');
    auto d2 = token.rfind('.');
    return token.substr(0, d1 + 1) + schedulerd::base64url_encode(payload_json) + token.substr(d2);
}
}  // namespace

TEST_CASE("jwt round trip keeps the reference claims", "[server][jwt]") {
    scheduler::manual_clock clk{scheduler::parse_rfc3339("2026-03-01T00:00:00Z").value()};
    jwt_codec codec{secret, clk};
    auto c = sample();
    auto token = codec.sign(c);
    CHECK(c.exp == c.iat + 300);
    CHECK_FALSE(c.jwtid.empty());

    auto v = codec.verify(token);
    REQUIRE(v.has_value());
    CHECK(v->sub == "local|1111");
    CHECK(v->preferred_username == "alice");
    CHECK(v->groups == std::vector<std::string>{"admin", "CCKM Admins"});
    CHECK(v->jwtid == c.jwtid);
    CHECK(v->session_id == "sid-1");

    auto payload = schedulerd::base64url_decode(
        token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1));
    REQUIRE(payload);
    auto o = boost::json::parse(*payload).as_object();
    CHECK(o.at("iss").as_string() == "kylo");
    CHECK(o.at("cust").at("groups").as_array().size() == 2);
    auto header = schedulerd::base64url_decode(token.substr(0, token.find('.')));
    CHECK(*header == R"({"alg":"HS256","typ":"JWT"})");
}

TEST_CASE("jwt expires after its lifetime on the injected clock", "[server][jwt]") {
    scheduler::manual_clock clk{scheduler::parse_rfc3339("2026-03-01T00:00:00Z").value()};
    jwt_codec codec{secret, clk};
    auto c = sample();
    auto token = codec.sign(c);
    clk.advance(std::chrono::seconds(299));
    CHECK(codec.verify(token).has_value());  // now cached: the next check takes that path
    clk.advance(std::chrono::seconds(1));
    auto v = codec.verify(token);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().error_code() == code::unauthenticated);
    CHECK(v.error().message().find("expired") != std::string::npos);
}

TEST_CASE("jwt refuses tampering, another key, alg none and garbage", "[server][jwt]") {
    scheduler::manual_clock clk{scheduler::parse_rfc3339("2026-03-01T00:00:00Z").value()};
    jwt_codec codec{secret, clk};
    auto c = sample();
    auto token = codec.sign(c);

    SECTION("payload changed (groups escalated)") {
        auto forged = with_payload(
            token,
            R"({"sub":"local|1111","iss":"kylo","iat":1,"exp":99999999999,"cust":{"groups":["admin"]}})");
        CHECK(codec.verify(forged).error().error_code() == code::unauthenticated);
    }
    SECTION("signature changed, in any character (including the last, whose low bits are unused)") {
        for (std::size_t i = token.rfind('.') + 1; i < token.size(); ++i) {
            auto bad = token;
            bad[i] = bad[i] == 'A' ? 'B' : 'A';
            INFO(i);
            CHECK_FALSE(codec.verify(bad).has_value());
        }
    }
    SECTION("signed with another secret") {
        jwt_codec other{std::string(32, 'o'), clk};
        auto c2 = sample();
        CHECK_FALSE(codec.verify(other.sign(c2)).has_value());
    }
    SECTION("alg none") {
        auto none_header = schedulerd::base64url_encode(R"({"alg":"none","typ":"JWT"})");
        auto payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
        CHECK_FALSE(codec.verify(none_header + "." + payload + ".").has_value());
    }
    SECTION("garbage") {
        CHECK_FALSE(codec.verify("").has_value());
        CHECK_FALSE(codec.verify("a.b").has_value());
        CHECK_FALSE(codec.verify("a.b.c.d").has_value());
        CHECK_FALSE(codec.verify("!!!.???.***").has_value());
    }
}

TEST_CASE("base64url and hex helpers round-trip", "[server][jwt]") {
    std::vector<std::string> const samples{
        "", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)};
    for (auto const& s : samples) {
        auto enc = schedulerd::base64url_encode(s);
        CHECK(enc.find('=') == std::string::npos);
        CHECK(schedulerd::base64url_decode(enc) == s);
    }
    CHECK(schedulerd::base64url_encode("foobar") == "Zm9vYmFy");
    CHECK_FALSE(schedulerd::base64url_decode("a+b/").has_value());
    CHECK(schedulerd::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auto id = schedulerd::uuid_v4();
    CHECK(id.size() == 36);
    CHECK(id[14] == '4');
    CHECK(schedulerd::uuid_v4() != id);
}
