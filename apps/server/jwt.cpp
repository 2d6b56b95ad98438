// SPDX-License-Identifier: Apache-2.0
#include "jwt.hpp"

#include "crypto_util.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace schedulerd {

namespace json = boost::json;

namespace {

constexpr std::string_view header_b64 =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";  // {"alg":"HS256","typ":"JWT"}
constexpr std::string_view issuer = "kylo";
constexpr std::string_view root_domain = "00000000-0000-0000-0000-000000000000";

scheduler::status bad_token(std::string message) {
    return {scheduler::code::unauthenticated, std::move(message)};
}

std::int64_t unix_seconds(scheduler::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

json::object payload_of(jwt_claims const& c) {
    json::array groups;
    for (auto const& g : c.groups) groups.emplace_back(g);
    json::object cust{{"domain_id", root_domain},      {"zone_id", root_domain},
                      {"groups", std::move(groups)},   {"sid", c.session_id},
                      {"client_type", "unregistered"}, {"client_id", c.client_id}};
    return {{"sub", c.sub},
            {"iss", issuer},
            {"acc", issuer},
            {"aud", c.client_id},
            {"preferred_username", c.preferred_username},
            {"jwtid", c.jwtid},
            {"iat", c.iat},
            {"exp", c.exp},
            {"cust", std::move(cust)}};
}

std::string string_at(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}

/// Reads the claims from a decoded payload; fails on a missing or mistyped required claim.
scheduler::result<jwt_claims> claims_of(json::value const& v) {
    auto const* o = v.if_object();
    if (!o) return bad_token("Token payload is not an object.");
    jwt_claims c;
    c.sub = string_at(*o, "sub");
    c.preferred_username = string_at(*o, "preferred_username");
    c.jwtid = string_at(*o, "jwtid");
    c.client_id = string_at(*o, "aud");
    auto const* iat = o->if_contains("iat");
    auto const* exp = o->if_contains("exp");
    if (c.sub.empty() || !iat || !iat->is_int64() || !exp || !exp->is_int64())
        return bad_token("Token claims are incomplete.");
    if (string_at(*o, "iss") != issuer) return bad_token("Token issuer is not accepted.");
    c.iat = iat->as_int64();
    c.exp = exp->as_int64();
    if (auto const* cust = o->if_contains("cust"); cust && cust->is_object()) {
        c.session_id = string_at(cust->as_object(), "sid");
        if (auto const* g = cust->as_object().if_contains("groups"); g && g->is_array())
            for (auto const& x : g->as_array())
                if (x.is_string()) c.groups.emplace_back(x.as_string());
    }
    return c;
}

}  // namespace

jwt_codec::jwt_codec(std::string secret, scheduler::clock& clk, std::chrono::seconds lifetime)
    : secret_(std::move(secret)), clock_(clk), lifetime_(lifetime) {}

std::string jwt_codec::sign(jwt_claims& c) const {
    c.iat = unix_seconds(clock_.now());
    c.exp = c.iat + lifetime_.count();
    c.jwtid = uuid_v4();
    std::string signing_input(header_b64);
    signing_input += '.';
    signing_input += base64url_encode(json::serialize(payload_of(c)));
    auto sig = base64url_encode(hmac_sha256(secret_, signing_input));
    return signing_input + '.' + sig;
}

scheduler::result<jwt_claims> jwt_codec::verify(std::string_view token) const {
    // A client sends the same token on every call for its 300 s life: remember what a token
    // verified to, so a repeat costs a hash lookup instead of an HMAC, a base64 decode and a
    // JSON parse. Only tokens that verified are kept, keyed by their exact text, and the expiry
    // is checked again on every hit.
    {
        std::lock_guard lock(cache_->mutex);
        auto it = cache_->verified.find(token);
        if (it != cache_->verified.end()) {
            auto now = unix_seconds(clock_.now());
            if (now < it->second.exp) return it->second;
            cache_->verified.erase(it);
        }
    }
    auto claims = verify_uncached(token);
    if (claims) {
        std::lock_guard lock(cache_->mutex);
        // Bounded: a flood of distinct valid tokens empties it rather than growing it.
        if (cache_->verified.size() >= verified_cache::capacity) cache_->verified.clear();
        cache_->verified.emplace(std::string(token), *claims);
    }
    return claims;
}

scheduler::result<jwt_claims> jwt_codec::verify_uncached(std::string_view token) const {
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return bad_token("Token malformed.");
    // Only our exact header is accepted: no algorithm choice is left to the token ("none", RS/HS
    // confusion).
    if (token.substr(0, dot1) != header_b64) return bad_token("Token algorithm is not accepted.");
    auto signing_input = token.substr(0, dot2);
    // Compared as text against the canonical encoding: the last base64url character of a
    // 32-byte MAC carries two unused bits, and decoding first would accept up to four spellings
    // of one signature. Exactly one token string is valid.
    auto const expected = base64url_encode(hmac_sha256(secret_, signing_input));
    if (!constant_time_equal(token.substr(dot2 + 1), expected))
        return bad_token("Token signature is invalid.");
    auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!payload) return bad_token("Token malformed.");
    boost::system::error_code ec;
    auto v = json::parse(*payload, ec);
    if (ec) return bad_token("Token malformed.");
    auto claims = claims_of(v);
    if (!claims) return claims;
    auto now = unix_seconds(clock_.now());
    if (now >= claims->exp) {
        // In unsigned arithmetic: exp is any int64 the signer wrote, and now - INT64_MIN
        // overflows; the true difference always fits in 64 unsigned bits.
        auto const late = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(claims->exp);
        return bad_token("Token is expired by " + std::to_string(late) + "s.");
    }
    return claims;
}

}  // namespace schedulerd
