// SPDX-License-Identifier: Apache-2.0
#include "user_store.hpp"

#include "crypto_util.hpp"
#include "http_types.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <mutex>
#include <unordered_map>

namespace schedulerd {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::array<std::string_view, 3> groups_list{group_admin, group_scheduler_admins,
                                                      group_cckm_admins};

/// Version 1: users, groups, memberships, refresh tokens.
constexpr char const* schema_v1 = R"sql(
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE groups (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE TABLE memberships (
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
)sql";

/// Version 2: when each password was set, for the password expiry policy. A user from before
/// knows no better date than its creation (passwords cannot be changed yet).
constexpr char const* schema_v2 = R"sql(
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET password_changed_at = created_at;
)sql";

/// Forward-only migrations; entry i moves user_version i to i + 1. All pending ones run in one
/// transaction with the version bump, so a failed upgrade leaves the file as it was.
constexpr std::array<char const*, 2> migrations{schema_v1, schema_v2};

std::int64_t to_micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}
scheduler::time_point from_micros(std::int64_t v) {
    return scheduler::time_point{std::chrono::microseconds{v}};
}

/// SQLite exception -> status (STYLE.md point 9), keeping the extended code in the message.
status to_status(SQLite::Exception const& e) {
    std::string msg = std::string("auth store: ") + e.what() + " (sqlite " +
                      std::to_string(e.getExtendedErrorCode()) + ")";
    switch (e.getErrorCode()) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {code::unavailable, msg};
        case SQLITE_CONSTRAINT:
            return {code::already_exists, msg};
        default:
            return {code::internal, msg};
    }
}

std::string bound(std::string_view s) {
    return std::string(s);
}

}  // namespace

std::span<std::string_view const> builtin_groups() noexcept {
    return groups_list;
}

struct user_store::impl {
    impl(std::string const& path, scheduler::clock& c)
        : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE), clk(c) {}
    SQLite::Database db;
    scheduler::clock& clk;
    std::mutex mutex;
    /// get_user runs on every authenticated request; users and memberships change rarely and
    /// only through this object, so answers are cached and the cache is dropped on every
    /// user or membership write. Bounded so a flood of distinct ids cannot grow it.
    std::unordered_map<std::string, user_record> user_cache;
    static constexpr std::size_t user_cache_limit = 10'000;

    /// Runs `fn` under the mutex, turning exceptions into statuses.
    template <class Fn>
    auto guarded(Fn&& fn) -> decltype(fn()) {
        std::lock_guard lock(mutex);
        try {
            return fn();
        } catch (SQLite::Exception const& e) {
            return to_status(e);
        } catch (std::exception const& e) {
            return status{code::internal, std::string("auth store: ") + e.what()};
        }
    }

    std::vector<std::string> groups_of(std::string const& user_id) {
        SQLite::Statement q(
            db, "SELECT group_name FROM memberships WHERE user_id = ? ORDER BY group_name");
        q.bind(1, user_id);
        std::vector<std::string> out;
        while (q.executeStep()) out.push_back(q.getColumn(0).getString());
        return out;
    }

    result<user_credentials> load_user(char const* where, std::string const& key) {
        SQLite::Statement q(
            db, std::string("SELECT id, username, password_hash, created_at FROM users WHERE ") +
                    where);
        q.bind(1, key);
        if (!q.executeStep()) return status{code::not_found, "User not found."};
        user_credentials c;
        c.user.id = q.getColumn(0).getString();
        c.user.username = q.getColumn(1).getString();
        c.password_hash = q.getColumn(2).getString();
        c.user.created_at = from_micros(q.getColumn(3).getInt64());
        c.user.groups = groups_of(c.user.id);
        return c;
    }

    std::int64_t admin_count() {
        SQLite::Statement q(db, "SELECT COUNT(*) FROM memberships WHERE group_name = ?");
        q.bind(1, bound(group_admin));
        q.executeStep();
        return q.getColumn(0).getInt64();
    }

    bool is_member(std::string const& group, std::string const& user_id) {
        SQLite::Statement q(db, "SELECT 1 FROM memberships WHERE group_name = ? AND user_id = ?");
        q.bind(1, group);
        q.bind(2, user_id);
        return q.executeStep();
    }

    void migrate() {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA foreign_keys = ON");
        db.setBusyTimeout(5000);
        int version = db.execAndGet("PRAGMA user_version").getInt();
        if (version > static_cast<int>(migrations.size()))
            throw std::runtime_error("auth.db schema is newer than this build");
        SQLite::Transaction tx(db);
        for (auto v = static_cast<std::size_t>(version); v < migrations.size(); ++v)
            db.exec(migrations[v]);
        db.exec("PRAGMA user_version = " + std::to_string(migrations.size()));
        for (auto g : groups_list) {
            SQLite::Statement ins(db,
                                  "INSERT OR IGNORE INTO groups(name, created_at) VALUES (?, ?)");
            ins.bind(1, bound(g));
            ins.bind(2, to_micros(clk.now()));
            ins.exec();
        }
        tx.commit();
    }
};

user_store::user_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
user_store::~user_store() = default;

result<std::unique_ptr<user_store>> user_store::open(std::string const& path,
                                                     scheduler::clock& clk) {
    try {
        auto p = std::make_unique<impl>(path, clk);
        p->migrate();
        if (path != ":memory:") {
            std::error_code ec;  // the file holds password hashes: owner only
            std::filesystem::permissions(
                path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
        }
        return std::unique_ptr<user_store>(new user_store(std::move(p)));
    } catch (SQLite::Exception const& e) {
        return status{code::unavailable, std::string("cannot open ") + path + ": " + e.what()};
    } catch (std::exception const& e) {
        return status{code::failed_precondition,
                      std::string("cannot open ") + path + ": " + e.what()};
    }
}

result<user_record> user_store::create_user(std::string_view username,
                                            std::string_view password_hash,
                                            std::vector<std::string> const& groups) {
    return impl_->guarded([&]() -> result<user_record> {
        auto& db = impl_->db;
        SQLite::Transaction tx(db);
        SQLite::Statement exists(db, "SELECT 1 FROM users WHERE username = ?");
        exists.bind(1, bound(username));
        if (exists.executeStep())
            return status{code::already_exists, "Username already exists.", "username"};
        user_record u{uuid_v4(), std::string(username), {}, impl_->clk.now()};
        SQLite::Statement ins(db,
                              "INSERT INTO users(id, username, password_hash, created_at, "
                              "password_changed_at) VALUES (?, ?, ?, ?, ?)");
        ins.bind(1, u.id);
        ins.bind(2, u.username);
        ins.bind(3, bound(password_hash));
        ins.bind(4, to_micros(u.created_at));
        ins.bind(5, to_micros(u.created_at));
        ins.exec();
        for (auto const& g : groups) {
            SQLite::Statement known(db, "SELECT 1 FROM groups WHERE name = ?");
            known.bind(1, g);
            if (!known.executeStep())
                return status{code::invalid_argument, "Unknown group '" + g + "'.", "groups"};
            SQLite::Statement m(
                db, "INSERT OR IGNORE INTO memberships(group_name, user_id) VALUES (?, ?)");
            m.bind(1, g);
            m.bind(2, u.id);
            m.exec();
        }
        tx.commit();
        u.groups = impl_->groups_of(u.id);
        return u;
    });
}

result<user_record> user_store::get_user(std::string_view id) {
    return impl_->guarded([&]() -> result<user_record> {
        auto key = bound(id);
        if (auto it = impl_->user_cache.find(key); it != impl_->user_cache.end()) return it->second;
        auto c = impl_->load_user("id = ?", key);
        if (!c) return c.error();
        if (impl_->user_cache.size() >= impl::user_cache_limit) impl_->user_cache.clear();
        impl_->user_cache.emplace(std::move(key), c->user);
        return c->user;
    });
}

result<user_credentials> user_store::find_credentials(std::string_view username) {
    return impl_->guarded([&] { return impl_->load_user("username = ?", bound(username)); });
}

result<user_page> user_store::list_users(std::int64_t skip, std::int64_t limit) {
    return impl_->guarded([&]() -> result<user_page> {
        user_page page;
        page.total = impl_->db.execAndGet("SELECT COUNT(*) FROM users").getInt64();
        SQLite::Statement q(impl_->db, "SELECT id FROM users ORDER BY username LIMIT ? OFFSET ?");
        q.bind(1, limit < 0 ? std::int64_t{-1} : limit);
        q.bind(2, skip);
        std::vector<std::string> ids;
        while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
        for (auto const& id : ids) page.items.push_back(impl_->load_user("id = ?", id)->user);
        return page;
    });
}

result<void> user_store::delete_user(std::string_view id) {
    return impl_->guarded([&]() -> result<void> {
        impl_->user_cache.clear();
        SQLite::Transaction tx(impl_->db);
        auto uid = bound(id);
        if (impl_->is_member(bound(group_admin), uid) && impl_->admin_count() <= 1)
            return status{code::failed_precondition, "Cannot delete the last administrator."};
        SQLite::Statement del(impl_->db, "DELETE FROM users WHERE id = ?");
        del.bind(1, uid);
        if (del.exec() == 0) return status{code::not_found, "User not found."};
        tx.commit();
        return {};
    });
}

result<std::int64_t> user_store::user_count() {
    return impl_->guarded([&]() -> result<std::int64_t> {
        return impl_->db.execAndGet("SELECT COUNT(*) FROM users").getInt64();
    });
}

result<std::vector<group_record>> user_store::list_groups() {
    return impl_->guarded([&]() -> result<std::vector<group_record>> {
        SQLite::Statement q(
            impl_->db,
            "SELECT g.name, g.created_at, (SELECT COUNT(*) FROM memberships m WHERE "
            "m.group_name = g.name) FROM groups g ORDER BY g.name");
        std::vector<group_record> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(2).getInt64(),
                           from_micros(q.getColumn(1).getInt64())});
        return out;
    });
}

result<user_record> user_store::add_member(std::string_view group, std::string_view user_id) {
    return impl_->guarded([&]() -> result<user_record> {
        impl_->user_cache.clear();
        SQLite::Transaction tx(impl_->db);
        SQLite::Statement known(impl_->db, "SELECT 1 FROM groups WHERE name = ?");
        known.bind(1, bound(group));
        if (!known.executeStep()) return status{code::not_found, "Group not found."};
        auto user = impl_->load_user("id = ?", bound(user_id));
        if (!user) return user.error();
        SQLite::Statement m(impl_->db,
                            "INSERT OR IGNORE INTO memberships(group_name, user_id) VALUES (?, ?)");
        m.bind(1, bound(group));
        m.bind(2, bound(user_id));
        m.exec();
        tx.commit();
        user->user.groups = impl_->groups_of(user->user.id);
        return user->user;
    });
}

result<void> user_store::remove_member(std::string_view group, std::string_view user_id) {
    return impl_->guarded([&]() -> result<void> {
        impl_->user_cache.clear();
        SQLite::Transaction tx(impl_->db);
        if (group == group_admin && impl_->is_member(bound(group), bound(user_id)) &&
            impl_->admin_count() <= 1)
            return status{code::failed_precondition, "Cannot remove the last administrator."};
        SQLite::Statement del(impl_->db,
                              "DELETE FROM memberships WHERE group_name = ? AND user_id = ?");
        del.bind(1, bound(group));
        del.bind(2, bound(user_id));
        if (del.exec() == 0) return status{code::not_found, "Membership not found."};
        tx.commit();
        return {};
    });
}

result<void> user_store::insert_refresh_token(refresh_record const& r,
                                              std::string_view token_hash) {
    return impl_->guarded([&]() -> result<void> {
        SQLite::Transaction tx(impl_->db);
        SQLite::Statement ins(
            impl_->db,
            "INSERT INTO refresh_tokens(id, user_id, token_hash, client_id, created_at, "
            "expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, 0)");
        ins.bind(1, r.id);
        ins.bind(2, r.user_id);
        ins.bind(3, bound(token_hash));
        ins.bind(4, r.client_id);
        ins.bind(5, to_micros(r.created_at));
        ins.bind(6, to_micros(r.expires_at));
        ins.exec();
        tx.commit();
        return {};
    });
}

namespace {
result<refresh_record> load_refresh(SQLite::Database& db,
                                    char const* where,
                                    std::string const& key) {
    SQLite::Statement q(
        db, std::string("SELECT id, user_id, client_id, created_at, expires_at, revoked "
                        "FROM refresh_tokens WHERE ") +
                where);
    q.bind(1, key);
    if (!q.executeStep()) return status{code::not_found, "Refresh token not found."};
    return refresh_record{q.getColumn(0).getString(),
                          q.getColumn(1).getString(),
                          q.getColumn(2).getString(),
                          from_micros(q.getColumn(3).getInt64()),
                          from_micros(q.getColumn(4).getInt64()),
                          q.getColumn(5).getInt() != 0};
}
}  // namespace

result<refresh_record> user_store::find_refresh_token(std::string_view token_hash) {
    return impl_->guarded(
        [&] { return load_refresh(impl_->db, "token_hash = ?", bound(token_hash)); });
}

result<refresh_record> user_store::get_refresh_token(std::string_view id) {
    return impl_->guarded([&] { return load_refresh(impl_->db, "id = ?", bound(id)); });
}

result<void> user_store::revoke_refresh_token(std::string_view id) {
    return impl_->guarded([&]() -> result<void> {
        SQLite::Transaction tx(impl_->db);
        SQLite::Statement up(impl_->db, "UPDATE refresh_tokens SET revoked = 1 WHERE id = ?");
        up.bind(1, bound(id));
        if (up.exec() == 0) return status{code::not_found, "Refresh token not found."};
        tx.commit();
        return {};
    });
}

result<std::vector<password_age>> user_store::list_password_ages() {
    return impl_->guarded([&]() -> result<std::vector<password_age>> {
        SQLite::Statement q(
            impl_->db, "SELECT id, username, password_changed_at FROM users ORDER BY username");
        std::vector<password_age> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                           from_micros(q.getColumn(2).getInt64())});
        return out;
    });
}

int user_store::schema_version() {
    std::lock_guard lock(impl_->mutex);
    return impl_->db.execAndGet("PRAGMA user_version").getInt();
}

}  // namespace schedulerd
