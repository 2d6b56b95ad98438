// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bearer tokens. The first byte picks what the rest is:
//   '0' a token for jwt_codec::verify;
//   '1' the whole Authorization header value, sent through the real pipeline to an admin route
//       (bearer_token() scheme/space parsing, then auth_service::authenticate);
//   '2' a claims JSON payload, signed with the server's secret and the only accepted header,
//       then verified and authenticated, so the claim checks behind the signature are reached
//       ("@ADMIN@" in it becomes the admin's user id, so seeds can name a user that exists).
// Rejections are fine; a crash, a sanitizer report, a 5xx or a token accepted for a user that
// does not exist is a finding.
#include "crypto_util.hpp"
#include "fuzz_world.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace fz = schedulerd::fuzz;
using schedulerd::http::verb;

namespace {

// {"alg":"HS256","typ":"JWT"}, the header jwt_codec signs with.
constexpr char const* header_b64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

void header_through_pipeline(fz::auth_world& auth, std::string const& value) {
    schedulerd::router routes;
    schedulerd::register_auth_routes(routes, auth.auth);
    schedulerd::register_usermgmt_routes(routes, auth.auth);
    schedulerd::request_pipeline pipeline{routes, auth.auth, auth.stats, auth.log};
    schedulerd::request req{verb::get, "/api/v1/usermgmt/groups", 11};
    try {
        req.set(schedulerd::http::field::authorization, value);
    } catch (std::exception const&) {
        return;  // Beast refuses this value, so no parsed request can carry it
    }
    (void)schedulerd::bearer_token(req);
    fz::check_response(pipeline.handle(req, "127.0.0.1:1"));
}

void signed_claims(fz::auth_world& auth, std::string payload) {
    for (auto pos = payload.find("@ADMIN@"); pos != std::string::npos;
         pos = payload.find("@ADMIN@"))
        payload.replace(pos, 7, auth.admin.id);
    std::string token = std::string(header_b64) + '.' + schedulerd::base64url_encode(payload);
    token +=
        '.' + schedulerd::base64url_encode(schedulerd::hmac_sha256(std::string(32, 'k'), token));
    auto claims = auth.jwt.verify(token);
    auto who = auth.auth.authenticate(token);
    if (who && (!claims || who->user_id != "local|" + auth.admin.id)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static fz::auth_world auth;
    if (size == 0) return 0;
    std::string const rest(reinterpret_cast<char const*>(data + 1), size - 1);
    switch (static_cast<std::uint8_t>(data[0] - '0') % 3) {
        case 0:
            (void)auth.jwt.verify(rest);
            break;
        case 1:
            header_through_pipeline(auth, rest);
            break;
        default:
            signed_claims(auth, rest);
            break;
    }
    return 0;
}
