// SPDX-License-Identifier: Apache-2.0
#include "auth.hpp"

#include "crypto_util.hpp"

#include <algorithm>

namespace schedulerd {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view sub_prefix = "local|";
constexpr std::size_t refresh_token_bytes = 32;

status wrong_credentials() {
    return {code::unauthenticated, "Wrong username or password."};
}
status invalid_token() {
    return {code::unauthenticated, "Invalid token"};
}

bool valid_username(std::string_view u) {
    if (u.empty() || u.size() > 64) return false;
    return std::all_of(u.begin(), u.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' ||
               c == '-';
    });
}

}  // namespace

// ---------------------------------------------------------------------------- login_throttle

std::optional<std::chrono::seconds> login_throttle::blocked(std::string_view username) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(username);
    auto now = clock_.now();
    if (it == entries_.end() || it->second.locked_until <= now) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now);
}

void login_throttle::failure(std::string_view username) {
    std::lock_guard lock(mutex_);
    auto now = clock_.now();
    if (entries_.size() >= settings_.max_tracked_usernames) prune(now);
    auto& e = entries_[std::string(username)];
    if (e.failures > 0 && now - e.first_failure > settings_.failure_window && e.locked_until <= now)
        e = entry{};
    if (e.failures++ == 0) e.first_failure = now;
    int over = e.failures - settings_.max_failed_logins;
    if (over < 0) return;
    auto wait = settings_.lockout_base * (std::int64_t{1} << std::min(over, 20));
    e.locked_until = now + std::min<std::chrono::seconds>(wait, settings_.lockout_max);
}

void login_throttle::success(std::string_view username) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(username); it != entries_.end()) entries_.erase(it);
}

void login_throttle::prune(scheduler::time_point now) {
    std::erase_if(entries_, [&](auto const& kv) {
        return kv.second.locked_until <= now &&
               now - kv.second.first_failure > settings_.failure_window;
    });
    // Still full (an attack spreading over many names): forget the oldest half rather than grow.
    if (entries_.size() >= settings_.max_tracked_usernames) {
        auto it = entries_.begin();
        for (std::size_t i = 0; i < entries_.size() / 2; ++i) it = entries_.erase(it);
    }
}

// ------------------------------------------------------------------------------ auth_service

auth_service::auth_service(user_store& users,
                           jwt_codec& jwt,
                           scheduler::clock& clk,
                           auth_settings settings)
    : users_(users),
      jwt_(jwt),
      clock_(clk),
      settings_(settings),
      throttle_(clk, settings_),
      dummy_hash_(hash_password(random_bytes(16), settings_.pbkdf2_iterations)) {}

std::string auth_service::sign_for(user_record const& user,
                                   std::string const& client_id,
                                   std::string const& session_id) const {
    jwt_claims c;
    c.sub = std::string(sub_prefix) + user.id;
    c.preferred_username = user.username;
    c.groups = user.groups;
    c.client_id = client_id;
    c.session_id = session_id;
    return jwt_.sign(c);
}

result<token_grant> auth_service::issue(user_record const& user, std::string client_id) {
    if (client_id.empty()) client_id = uuid_v4();
    token_grant g;
    g.refresh_token = base64url_encode(random_bytes(refresh_token_bytes));
    refresh_record r{
        uuid_v4(), user.id, client_id, clock_.now(), clock_.now() + settings_.refresh_lifetime,
        false};
    if (auto ok = users_.insert_refresh_token(r, sha256_hex(g.refresh_token)); !ok)
        return ok.error();
    g.jwt = sign_for(user, client_id, r.id);
    g.duration = jwt_.lifetime().count();
    g.refresh_token_id = r.id;
    g.client_id = client_id;
    g.user = user;
    return g;
}

result<token_grant> auth_service::password_grant(std::string_view username,
                                                 std::string_view password,
                                                 std::string_view client_id,
                                                 std::chrono::seconds* retry_after) {
    if (auto wait = throttle_.blocked(username)) {
        if (retry_after) *retry_after = *wait;
        return status{code::resource_exhausted, "Too many failed logins; try again later."};
    }
    auto cred = users_.find_credentials(username);
    if (!cred && cred.error().error_code() != code::not_found) return cred.error();
    bool ok =
        verify_password(password, cred ? cred->password_hash : dummy_hash_) && cred.has_value();
    if (!ok) {
        throttle_.failure(username);
        return wrong_credentials();
    }
    throttle_.success(username);
    return issue(cred->user, std::string(client_id));
}

result<token_grant> auth_service::refresh_grant(std::string_view refresh_token) {
    auto r = users_.find_refresh_token(sha256_hex(refresh_token));
    if (!r) return r.error().error_code() == code::not_found ? invalid_token() : r.error();
    if (r->revoked || r->expires_at <= clock_.now()) return invalid_token();
    auto user = users_.get_user(r->user_id);
    if (!user) return invalid_token();
    token_grant g;
    g.jwt = sign_for(*user, r->client_id, r->id);
    g.duration = jwt_.lifetime().count();
    g.refresh_token_id = r->id;
    g.refresh_token = std::string(refresh_token);
    g.client_id = r->client_id;
    g.user = *user;
    return g;
}

result<principal> auth_service::authenticate(std::string_view jwt) {
    auto claims = jwt_.verify(jwt);
    if (!claims) return claims.error();
    std::string_view sub = claims->sub;
    if (sub.rfind(sub_prefix, 0) != 0) return invalid_token();
    auto user = users_.get_user(sub.substr(sub_prefix.size()));
    if (!user) return user.error().error_code() == code::not_found ? invalid_token() : user.error();
    return principal{claims->sub, user->username, user->groups};
}

result<void> auth_service::revoke(std::string_view refresh_token_id, principal const& caller) {
    auto r = users_.get_refresh_token(refresh_token_id);
    if (!r) return r.error();
    bool owner = caller.user_id == std::string(sub_prefix) + r->user_id;
    if (!owner && !caller.in_group(group_admin))
        return status{code::not_found, "Refresh token not found."};
    return users_.revoke_refresh_token(refresh_token_id);
}

result<user_record> auth_service::create_user(std::string_view username,
                                              std::string_view password,
                                              std::vector<std::string> const& groups) {
    if (!valid_username(username))
        return scheduler::invalid_argument(
            "username", "Username must be 1-64 characters of A-Z a-z 0-9 . _ @ -.");
    if (password.size() < 8 || password.size() > 1024)
        return scheduler::invalid_argument("password", "Password must be 8-1024 characters.");
    return users_.create_user(username, hash_password(password, settings_.pbkdf2_iterations),
                              groups);
}

bool allowed(access level, principal const* user) noexcept {
    if (level == access::anonymous) return true;
    if (!user) return false;
    if (level == access::signed_in || user->in_group(group_admin)) return true;
    switch (level) {
        case access::scheduler_admin:
            return user->in_group(group_scheduler_admins);
        case access::cckm_admin:
            return user->in_group(group_cckm_admins);
        default:
            return false;
    }
}

}  // namespace schedulerd
