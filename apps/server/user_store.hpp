// SPDX-License-Identifier: Apache-2.0
// Users, groups, memberships and refresh tokens, persisted in their own SQLite file
// (DATA_DIR/auth.db) with their own PRAGMA user_version migrations, apart from the scheduler's
// database so either can be backed up, restored or reset alone. Every write is one transaction;
// SQL uses bound parameters only. SQLite types stay in the .cpp.
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace schedulerd {

/// A user as the API shows it (never with its password hash).
struct user_record {
    std::string id;                   ///< UUID; tokens carry "local|<id>"
    std::string username;             ///< unique login name
    std::vector<std::string> groups;  ///< sorted
    scheduler::time_point created_at{};
};

/// A user plus the stored password hash, for login only.
struct user_credentials {
    user_record user;
    std::string password_hash;
};

/// A group and its member count.
struct group_record {
    std::string name;
    std::int64_t members = 0;
    scheduler::time_point created_at{};
};

/// A refresh token's stored state (the token itself is kept only as its SHA-256).
struct refresh_record {
    std::string id;  ///< refresh_token_id in the token response
    std::string user_id;
    std::string client_id;
    scheduler::time_point created_at{};
    scheduler::time_point expires_at{};
    bool revoked = false;
};

/// When a user's password was last set (for the password expiry policy); no hash.
struct password_age {
    std::string id;
    std::string username;
    scheduler::time_point password_changed_at{};  ///< the user's creation until passwords change
};

/// One page of users.
struct user_page {
    std::vector<user_record> items;
    std::int64_t total = 0;
};

/// SQLite store of the auth data. Thread-safe: calls are serialized on one connection.
class user_store {
public:
    /// Opens or creates `path` (":memory:" for tests), applies migrations, creates the built-in
    /// groups. unavailable when the file cannot be opened; failed_precondition when newer.
    [[nodiscard]] static scheduler::result<std::unique_ptr<user_store>> open(
        std::string const& path, scheduler::clock& clk);
    ~user_store();
    user_store(user_store const&) = delete;
    user_store& operator=(user_store const&) = delete;

    /// Creates a user in `groups` (all must exist: else invalid_argument "groups").
    /// already_exists when the username is taken.
    [[nodiscard]] scheduler::result<user_record> create_user(
        std::string_view username,
        std::string_view password_hash,
        std::vector<std::string> const& groups);
    /// not_found when absent.
    [[nodiscard]] scheduler::result<user_record> get_user(std::string_view id);
    /// Login lookup; not_found when no such username.
    [[nodiscard]] scheduler::result<user_credentials> find_credentials(std::string_view username);
    /// Users ordered by username; limit -1 = all.
    [[nodiscard]] scheduler::result<user_page> list_users(std::int64_t skip, std::int64_t limit);
    /// Deletes the user, its memberships and refresh tokens. failed_precondition when it is the
    /// last member of "admin" (the server would have no administrator left).
    [[nodiscard]] scheduler::result<void> delete_user(std::string_view id);
    /// Number of users (the first start creates "admin" when zero).
    [[nodiscard]] scheduler::result<std::int64_t> user_count();

    [[nodiscard]] scheduler::result<std::vector<group_record>> list_groups();
    /// Adds the user to the group (idempotent). not_found for an unknown group or user.
    [[nodiscard]] scheduler::result<user_record> add_member(std::string_view group,
                                                            std::string_view user_id);
    /// Removes the membership; not_found when absent; failed_precondition for the last admin.
    [[nodiscard]] scheduler::result<void> remove_member(std::string_view group,
                                                        std::string_view user_id);

    /// Stores a new refresh token by its hash.
    [[nodiscard]] scheduler::result<void> insert_refresh_token(refresh_record const& r,
                                                               std::string_view token_hash);
    /// The token with this hash; not_found when absent.
    [[nodiscard]] scheduler::result<refresh_record> find_refresh_token(std::string_view token_hash);
    [[nodiscard]] scheduler::result<refresh_record> get_refresh_token(std::string_view id);
    /// Marks the token revoked; not_found when absent.
    [[nodiscard]] scheduler::result<void> revoke_refresh_token(std::string_view id);

    /// Every user with the time its password was set, ordered by username.
    [[nodiscard]] scheduler::result<std::vector<password_age>> list_password_ages();

    /// Schema version of the file.
    [[nodiscard]] int schema_version();

    struct impl;

private:
    explicit user_store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

/// The groups created at bootstrap: "admin", "Scheduler Admins", "CCKM Admins".
[[nodiscard]] std::span<std::string_view const> builtin_groups() noexcept;

}  // namespace schedulerd
