// SPDX-License-Identifier: Apache-2.0
// Authentication: password and refresh-token grants, bearer-token checks and the login throttle
// (DESIGN.md §7). Handlers and the request pipeline call this; it calls the user store and the
// JWT codec. Time comes from the injected clock, so the throttle is tested without sleeping.
#pragma once

#include "http_types.hpp"
#include "jwt.hpp"
#include "password.hpp"
#include "user_store.hpp"

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace schedulerd {

/// Authentication settings, each with its default and reason.
struct auth_settings {
    /// PBKDF2 rounds for new hashes (OWASP 2023); tests lower it to stay fast.
    int pbkdf2_iterations = default_pbkdf2_iterations;
    /// JWT lifetime; the reference's `duration` is 300 s.
    std::chrono::seconds token_lifetime{300};
    /// Absolute lifetime of a refresh token; a stolen one stops working eventually.
    std::chrono::seconds refresh_lifetime{std::chrono::hours(24 * 30)};
    /// Failed logins per username (within failure_window) before logins are refused.
    int max_failed_logins = 5;
    /// Failures older than this are forgotten.
    std::chrono::seconds failure_window{900};
    /// First refusal period; doubles with each further failure up to lockout_max.
    std::chrono::seconds lockout_base{30};
    /// Longest refusal period, so a legitimate user is never locked out for long.
    std::chrono::seconds lockout_max{900};
    /// Usernames tracked at once; beyond it stale entries are dropped (bounded memory).
    std::size_t max_tracked_usernames = 10'000;
};

/// Counts failed logins per username and refuses logins for a while after too many.
/// Thread-safe.
class login_throttle {
public:
    login_throttle(scheduler::clock& clk, auth_settings const& s) : clock_(clk), settings_(s) {}
    /// How long logins for `username` are still refused, or nullopt when allowed.
    [[nodiscard]] std::optional<std::chrono::seconds> blocked(std::string_view username);
    /// Records a failed login.
    void failure(std::string_view username);
    /// A successful login clears the record.
    void success(std::string_view username);

private:
    struct entry {
        int failures = 0;
        scheduler::time_point first_failure{};
        scheduler::time_point locked_until{};
    };
    void prune(scheduler::time_point now);

    scheduler::clock& clock_;
    auth_settings const& settings_;
    std::mutex mutex_;
    std::map<std::string, entry, std::less<>> entries_;
};

/// What a successful grant returns (the token response of cckm-api-notes §2.2).
struct token_grant {
    std::string jwt;
    std::int64_t duration = 300;
    std::string refresh_token_id;
    std::string refresh_token;  ///< the secret; stored only hashed
    std::string client_id;
    user_record user;
};

/// Grants, token checks and user creation. Thread-safe.
class auth_service {
public:
    auth_service(user_store& users,
                 jwt_codec& jwt,
                 scheduler::clock& clk,
                 auth_settings settings = {});

    /// Password grant. unauthenticated "Wrong username or password."; resource_exhausted when
    /// throttled (then `*retry_after` is set).
    [[nodiscard]] scheduler::result<token_grant> password_grant(
        std::string_view username,
        std::string_view password,
        std::string_view client_id,
        std::chrono::seconds* retry_after = nullptr);
    /// Refresh grant: a new JWT for a valid, unrevoked, unexpired refresh token (returned as is:
    /// the reference does not rotate it). unauthenticated "Invalid token" otherwise.
    [[nodiscard]] scheduler::result<token_grant> refresh_grant(std::string_view refresh_token);
    /// Verifies a bearer token and loads the caller (groups as stored now, so removing a user
    /// from a group takes effect at once). unauthenticated on any failure.
    [[nodiscard]] scheduler::result<principal> authenticate(std::string_view jwt);
    /// Revokes a refresh token; only its owner or an admin may (others get not_found).
    [[nodiscard]] scheduler::result<void> revoke(std::string_view refresh_token_id,
                                                 principal const& caller);
    /// Validates and creates a user (username 1-64 of [A-Za-z0-9._@-], password >= 8 chars).
    [[nodiscard]] scheduler::result<user_record> create_user(
        std::string_view username,
        std::string_view password,
        std::vector<std::string> const& groups);

    [[nodiscard]] user_store& users() noexcept { return users_; }
    [[nodiscard]] auth_settings const& settings() const noexcept { return settings_; }

private:
    [[nodiscard]] scheduler::result<token_grant> issue(user_record const& user,
                                                       std::string client_id);
    [[nodiscard]] std::string sign_for(user_record const& user,
                                       std::string const& client_id,
                                       std::string const& session_id) const;

    user_store& users_;
    jwt_codec& jwt_;
    scheduler::clock& clock_;
    auth_settings settings_;
    login_throttle throttle_;
    std::string dummy_hash_;  ///< verified against for unknown users, so timing does not tell
};

/// Checks a route's access level against the caller's groups ("admin" may do everything).
[[nodiscard]] bool allowed(access level, principal const* user) noexcept;

}  // namespace schedulerd
