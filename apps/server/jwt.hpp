// SPDX-License-Identifier: Apache-2.0
// HS256 JSON Web Tokens shaped like the reference's (cckm-api-notes §2.3): sub "local|<uuid>",
// iss "kylo", preferred_username, cust.groups, iat, exp = iat + lifetime, jwtid. Verification
// accepts only alg HS256 (never "none"), checks the signature in constant time, the issuer and
// the expiry against the injected clock.
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace schedulerd {

/// The claims the server reads and writes.
struct jwt_claims {
    std::string sub;                  ///< "local|<user uuid>"
    std::string preferred_username;   ///< login name
    std::vector<std::string> groups;  ///< cust.groups
    std::string jwtid;                ///< token id (UUID)
    std::string client_id;            ///< aud / cust.client_id
    std::string session_id;           ///< cust.sid: the refresh token id it came from
    std::int64_t iat = 0;             ///< issued at, Unix seconds
    std::int64_t exp = 0;             ///< expires at, Unix seconds
};

/// Signs and verifies tokens with one per-install secret. Thread-safe (immutable but for a
/// cache of verified tokens behind a mutex).
class jwt_codec {
public:
    /// `secret`: raw key bytes (32 from DATA_DIR/jwt-secret).
    jwt_codec(std::string secret,
              scheduler::clock& clk,
              std::chrono::seconds lifetime = std::chrono::seconds(300));

    /// Issues a token for `c`, setting iat = now, exp = now + lifetime and a fresh jwtid.
    /// Returns the token and fills the time fields of `c`.
    [[nodiscard]] std::string sign(jwt_claims& c) const;
    /// Verifies signature, alg, issuer and expiry; unauthenticated with a reason otherwise.
    [[nodiscard]] scheduler::result<jwt_claims> verify(std::string_view token) const;

    [[nodiscard]] std::chrono::seconds lifetime() const noexcept { return lifetime_; }

private:
    /// Tokens that verified, with their claims (see verify()).
    struct verified_cache {
        static constexpr std::size_t capacity = 4096;
        struct hash {
            using is_transparent = void;
            std::size_t operator()(std::string_view s) const noexcept {
                return std::hash<std::string_view>{}(s);
            }
        };
        std::mutex mutex;
        std::unordered_map<std::string, jwt_claims, hash, std::equal_to<>> verified;
    };

    [[nodiscard]] scheduler::result<jwt_claims> verify_uncached(std::string_view token) const;

    std::string secret_;
    scheduler::clock& clock_;
    std::chrono::seconds lifetime_;
    std::unique_ptr<verified_cache> cache_ = std::make_unique<verified_cache>();
};

}  // namespace schedulerd
