// SPDX-License-Identifier: Apache-2.0
#include "server_fixture.hpp"

#include "support/catch.hpp"

#include <SQLiteCpp/Database.h>

using scheduler::code;
using schedulerd::user_store;

namespace {
scheduler::manual_clock test_clock() {
    return scheduler::manual_clock{scheduler::parse_rfc3339("2026-03-01T00:00:00Z").value()};
}
}  // namespace

TEST_CASE("user store creates the built-in groups and users with groups", "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    CHECK(db->schema_version() == 2);
    auto groups = db->list_groups().value();
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].name == "CCKM Admins");
    CHECK(groups[1].name == "Scheduler Admins");
    CHECK(groups[2].name == "admin");

    auto u = db->create_user("alice", "hash", {"Scheduler Admins"}).value();
    CHECK(u.username == "alice");
    CHECK(u.groups == std::vector<std::string>{"Scheduler Admins"});
    CHECK(db->get_user(u.id).value().username == "alice");
    auto cred = db->find_credentials("alice").value();
    CHECK(cred.password_hash == "hash");
    CHECK(cred.user.id == u.id);
}

TEST_CASE("user store refuses duplicates and unknown groups, changing nothing",
          "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    (void)db->create_user("bob", "h", {}).value();
    auto dup = db->create_user("bob", "h2", {});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().error_code() == code::already_exists);

    auto bad = db->create_user("carol", "h", {"No Such Group"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().error_code() == code::invalid_argument);
    CHECK(bad.error().field() == "groups");
    CHECK(db->find_credentials("carol").error().error_code() == code::not_found);  // rolled back
    CHECK(db->user_count().value() == 1);
}

TEST_CASE("user store pages users and manages memberships", "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    for (auto n : {"u3", "u1", "u2"}) (void)db->create_user(n, "h", {}).value();
    auto page = db->list_users(1, 1).value();
    CHECK(page.total == 3);
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0].username == "u2");
    CHECK(db->list_users(0, -1).value().items.size() == 3);

    auto id = db->find_credentials("u1").value().user.id;
    CHECK(db->add_member("CCKM Admins", id).value().groups ==
          std::vector<std::string>{"CCKM Admins"});
    CHECK(db->add_member("nope", id).error().error_code() == code::not_found);
    CHECK(db->add_member("admin", "no-such-user").error().error_code() == code::not_found);
    REQUIRE(db->remove_member("CCKM Admins", id));
    CHECK(db->remove_member("CCKM Admins", id).error().error_code() == code::not_found);
    CHECK(db->get_user(id).value().groups.empty());
}

TEST_CASE("group and user changes show in get_user at once (no stale cache)",
          "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    auto id = db->create_user("cached", "h", {}).value().id;
    CHECK(db->get_user(id).value().groups.empty());  // now cached
    REQUIRE(db->add_member("Scheduler Admins", id));
    CHECK(db->get_user(id).value().groups == std::vector<std::string>{"Scheduler Admins"});
    REQUIRE(db->remove_member("Scheduler Admins", id));
    CHECK(db->get_user(id).value().groups.empty());
    REQUIRE(db->delete_user(id));
    CHECK(db->get_user(id).error().error_code() == code::not_found);
}

TEST_CASE("user store never removes the last administrator", "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    auto root = db->create_user("root", "h", {"admin"}).value();
    CHECK(db->delete_user(root.id).error().error_code() == code::failed_precondition);
    CHECK(db->remove_member("admin", root.id).error().error_code() == code::failed_precondition);
    auto second = db->create_user("root2", "h", {"admin"}).value();
    REQUIRE(db->delete_user(root.id));
    CHECK(db->get_user(root.id).error().error_code() == code::not_found);
    CHECK(db->delete_user(second.id).error().error_code() == code::failed_precondition);
    CHECK(db->delete_user("missing").error().error_code() == code::not_found);
}

TEST_CASE("refresh tokens are stored by hash and revocable", "[server][user_store]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    auto u = db->create_user("dave", "h", {}).value();
    schedulerd::refresh_record r{
        "rt-1", u.id, "client", clk.now(), clk.now() + std::chrono::hours(1), false};
    REQUIRE(db->insert_refresh_token(r, "hash-1"));
    auto found = db->find_refresh_token("hash-1").value();
    CHECK(found.id == "rt-1");
    CHECK_FALSE(found.revoked);
    REQUIRE(db->revoke_refresh_token("rt-1"));
    CHECK(db->get_refresh_token("rt-1").value().revoked);
    CHECK(db->revoke_refresh_token("rt-x").error().error_code() == code::not_found);
    REQUIRE(db->delete_user(u.id));  // tokens go with the user
    CHECK(db->find_refresh_token("hash-1").error().error_code() == code::not_found);
}

TEST_CASE("user store persists across reopen and keeps the file private", "[server][user_store]") {
    server_test::temp_dir dir;
    auto path = dir.path + "/auth.db";
    auto clk = test_clock();
    {
        auto db = user_store::open(path, clk).value();
        (void)db->create_user("erin", "h", {"CCKM Admins"}).value();
    }
    auto db = user_store::open(path, clk).value();
    CHECK(db->find_credentials("erin").value().user.groups ==
          std::vector<std::string>{"CCKM Admins"});
    CHECK(db->list_groups().value().size() == 3);  // bootstrap is idempotent
    auto perms = std::filesystem::status(path).permissions();
    CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
}

TEST_CASE("user store refuses a file from a newer build", "[server][user_store]") {
    server_test::temp_dir dir;
    auto path = dir.path + "/auth.db";
    auto clk = test_clock();
    { (void)user_store::open(path, clk).value(); }
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA user_version = 99");
    }
    auto db = user_store::open(path, clk);
    REQUIRE_FALSE(db);
    CHECK(db.error().error_code() == code::failed_precondition);
}

TEST_CASE("a password's age is its user's creation until passwords can change",
          "[server][user_store][password]") {
    auto clk = test_clock();
    auto db = user_store::open(":memory:", clk).value();
    (void)db->create_user("zed", "h", {}).value();
    clk.advance(std::chrono::hours{24});
    auto amy = db->create_user("amy", "h", {}).value();
    auto ages = db->list_password_ages().value();
    REQUIRE(ages.size() == 2);
    CHECK(ages[0].username == "amy");  // by username
    CHECK(ages[0].id == amy.id);
    CHECK(ages[0].password_changed_at == amy.created_at);
    CHECK(ages[1].password_changed_at == amy.created_at - std::chrono::hours{24});
}

TEST_CASE("a version 1 auth.db is upgraded in place, keeping its users",
          "[server][user_store][migration]") {
    server_test::temp_dir dir;
    auto path = dir.path + "/auth.db";
    auto clk = test_clock();
    auto const created = clk.now() - std::chrono::hours{24 * 30};
    {
        // The version 1 schema as shipped, with one user and a membership.
        SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec(R"sql(
CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE groups (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE memberships (
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_id));
CREATE INDEX memberships_user ON memberships(user_id);
CREATE TABLE refresh_tokens (id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
INSERT INTO groups VALUES ('admin', 0);
PRAGMA user_version = 1;
)sql");
        SQLite::Statement ins(raw, "INSERT INTO users VALUES ('u-1', 'old', 'hash-1', ?)");
        ins.bind(1, static_cast<std::int64_t>(created.time_since_epoch().count()));
        ins.exec();
        raw.exec("INSERT INTO memberships VALUES ('admin', 'u-1')");
    }
    auto db = user_store::open(path, clk).value();
    CHECK(db->schema_version() == 2);
    auto old = db->find_credentials("old").value();
    CHECK(old.password_hash == "hash-1");
    CHECK(old.user.created_at == created);
    CHECK(old.user.groups == std::vector<std::string>{"admin"});
    auto ages = db->list_password_ages().value();
    REQUIRE(ages.size() == 1);
    CHECK(ages[0].password_changed_at == created);
}
