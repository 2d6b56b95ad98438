// SPDX-License-Identifier: Apache-2.0
// sqlite_store lists: every filter, sort keys in both directions and combined, paging limits
// and inclusive time bounds.
#include <scheduler/sqlite_store.hpp>

#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

#include <algorithm>

using namespace std::chrono_literals;
using scheduler::code;
using scheduler::config_query;
using scheduler::run_query;
using scheduler::run_status;
using scheduler::sort_key;
using store_test::make_config;
using store_test::make_run;

namespace {

template <class T>
std::vector<std::string> names(scheduler::page<T> const& p) {
    std::vector<std::string> out;
    for (auto const& item : p.items) out.push_back(item.id);
    return out;
}

/// Five configs created a minute apart: c0 (oldest) .. c4 (newest), with varied fields.
std::unique_ptr<scheduler::sqlite_store> seeded_configs() {
    auto db = store_test::memory_store();
    char const* clouds[] = {"aws", "gcp", "aws", "AzureCloud", "aws"};
    char const* ops[] = {"cckm_key_rotation", "database_backup", "cckm_key_rotation",
                         "cckm_key_rotation", "cckm_synchronization"};
    for (int i = 0; i < 5; ++i) {
        auto c = make_config("c" + std::to_string(i), i);
        c.id = "c" + std::to_string(i);
        c.operation = ops[i];
        c.params = std::string(R"({"cloud_name":")") + clouds[i] + R"(","expire_in":")" +
                   (i % 2 == 0 ? "6d" : "12h") + R"("})";
        c.disabled = i == 3;
        c.account = i == 4 ? "acct-2" : std::string(scheduler::default_account);
        c.next_run_at = store_test::base_time() + std::chrono::hours(10 - i);
        REQUIRE(db->insert_config(c));
    }
    return db;
}

config_query all_configs() {
    config_query q;
    q.limit = -1;
    return q;
}

}  // namespace

TEST_CASE("configs list newest first by default", "[store][list]") {
    auto db = seeded_configs();
    auto p = db->list_configs(all_configs()).value();
    CHECK(names(p) == std::vector<std::string>{"c4", "c3", "c2", "c1", "c0"});
    CHECK(p.total == 5);
    CHECK(p.skip == 0);
    CHECK(p.limit == -1);
}

TEST_CASE("configs filter on every field", "[store][list]") {
    auto db = seeded_configs();
    using v = std::vector<std::string>;
    auto q = all_configs();
    q.id = "c2";
    CHECK(names(db->list_configs(q).value()) == v{"c2"});
    q = all_configs();
    q.name = "c1";
    CHECK(names(db->list_configs(q).value()) == v{"c1"});
    q.name = "c";  // exact match, not a prefix
    CHECK(db->list_configs(q).value().total == 0);
    q = all_configs();
    q.account = "acct-2";
    CHECK(names(db->list_configs(q).value()) == v{"c4"});
    q = all_configs();
    q.operation = "cckm_key_rotation";
    CHECK(names(db->list_configs(q).value()) == v{"c3", "c2", "c0"});
    q = all_configs();
    q.disabled = true;
    CHECK(names(db->list_configs(q).value()) == v{"c3"});
    q.disabled = false;
    CHECK(db->list_configs(q).value().total == 4);
    q = all_configs();
    q.cloud_name = "aws";
    CHECK(names(db->list_configs(q).value()) == v{"c4", "c2", "c0"});
    q = all_configs();
    q.expire_in = "12h";
    CHECK(names(db->list_configs(q).value()) == v{"c3", "c1"});
    q = all_configs();
    q.cloud_name = "aws";
    q.operation = "cckm_key_rotation";
    q.expire_in = "6d";
    CHECK(names(db->list_configs(q).value()) == v{"c2", "c0"});
}

TEST_CASE("createdBefore and createdAfter include their boundaries", "[store][list]") {
    auto db = seeded_configs();
    auto q = all_configs();
    q.created_after = store_test::base_time() + 1min;
    q.created_before = store_test::base_time() + 3min;
    CHECK(names(db->list_configs(q).value()) == std::vector<std::string>{"c3", "c2", "c1"});
    q.created_after = store_test::base_time() + 1min + 1us;
    CHECK(names(db->list_configs(q).value()) == std::vector<std::string>{"c3", "c2"});
}

TEST_CASE("configs sort ascending, descending and by several keys", "[store][list]") {
    auto db = seeded_configs();
    using v = std::vector<std::string>;
    auto q = all_configs();
    q.sort = {sort_key{"createdAt", false}};
    CHECK(names(db->list_configs(q).value()) == v{"c0", "c1", "c2", "c3", "c4"});
    q.sort = {sort_key{"name", true}};
    CHECK(names(db->list_configs(q).value()) == v{"c4", "c3", "c2", "c1", "c0"});
    q.sort = {sort_key{"next_run_at", false}};
    CHECK(names(db->list_configs(q).value()) == v{"c4", "c3", "c2", "c1", "c0"});
    q.sort = {sort_key{"operation", false}, sort_key{"createdAt", true}};
    CHECK(names(db->list_configs(q).value()) == v{"c3", "c2", "c0", "c4", "c1"});
    q.sort = {sort_key{"disabled", true}, sort_key{"id", false}};
    CHECK(names(db->list_configs(q).value()) == v{"c3", "c0", "c1", "c2", "c4"});
}

TEST_CASE("every advertised config sort field is accepted", "[store][list]") {
    auto db = seeded_configs();
    for (auto field : scheduler::config_sort_fields()) {
        for (bool desc : {false, true}) {
            auto q = all_configs();
            q.sort = {sort_key{std::string(field), desc}};
            INFO(field);
            auto p = db->list_configs(q);
            REQUIRE(p);
            CHECK(p->items.size() == 5);
        }
    }
}

TEST_CASE("equal sort keys fall back to id, so pages are stable", "[store][list]") {
    auto db = store_test::memory_store();
    for (int i = 0; i < 6; ++i) {
        auto c = make_config("same-" + std::to_string(i));
        c.id = "id-" + std::to_string(5 - i);
        REQUIRE(db->insert_config(c));  // all with the same created_at
    }
    config_query q;
    q.sort = {sort_key{"createdAt", false}};
    q.limit = 3;
    auto first = db->list_configs(q).value();
    q.skip = 3;
    auto second = db->list_configs(q).value();
    CHECK(names(first) == std::vector<std::string>{"id-0", "id-1", "id-2"});
    CHECK(names(second) == std::vector<std::string>{"id-3", "id-4", "id-5"});
}

TEST_CASE("paging: skip, limit, -1 for all, total counts all matches", "[store][list]") {
    auto db = seeded_configs();
    config_query q;
    q.limit = 2;
    q.skip = 1;
    auto p = db->list_configs(q).value();
    CHECK(names(p) == std::vector<std::string>{"c3", "c2"});
    CHECK(p.total == 5);
    CHECK(p.skip == 1);
    CHECK(p.limit == 2);
    q.limit = 0;
    p = db->list_configs(q).value();
    CHECK(p.items.empty());
    CHECK(p.total == 5);
    q.skip = 10;
    q.limit = scheduler::max_page_limit;
    p = db->list_configs(q).value();
    CHECK(p.items.empty());
    CHECK(p.total == 5);
}

TEST_CASE("bad page requests name their field", "[store][list]") {
    auto db = seeded_configs();
    auto expect_field = [&](config_query const& q, std::string const& field) {
        auto r = db->list_configs(q);
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == code::invalid_argument);
        CHECK(r.error().field() == field);
    };
    config_query q;
    q.skip = -1;
    expect_field(q, "skip");
    q = {};
    q.limit = scheduler::max_page_limit + 1;
    expect_field(q, "limit");
    q.limit = -2;
    expect_field(q, "limit");
    q = {};
    q.sort = {sort_key{"createdAt", false}, sort_key{"created_at; DROP TABLE job_configs", false}};
    expect_field(q, "sort");
    q.sort = {sort_key{"status", false}};  // a run field, not a config field
    expect_field(q, "sort");
    CHECK(db->list_configs(all_configs()).value().total == 5);
}

TEST_CASE("runs filter on every field and sort", "[store][list]") {
    auto db = store_test::memory_store();
    using v = std::vector<std::string>;
    auto add = [&](std::string const& id, std::string const& cfg, run_status s, int minute,
                   std::string const& node) {
        auto r = make_run(id, cfg, s, minute);
        r.processing_node = node;
        r.name = "name-" + cfg;
        r.operation = cfg == "x" ? "cckm_key_rotation" : "database_backup";
        r.account = cfg == "z" ? "acct-2" : std::string(scheduler::default_account);
        REQUIRE(db->insert_run(r));
    };
    add("r0", "x", run_status::completed, 0, "n1");
    add("r1", "x", run_status::failed, 1, "n2");
    add("r2", "y", run_status::in_progress, 2, "n1");
    add("r3", "y", run_status::scheduled, 3, "n1");
    add("r4", "z", run_status::completed, 4, "n2");
    run_query q;
    q.limit = -1;
    CHECK(names(db->list_runs(q).value()) == v{"r4", "r3", "r2", "r1", "r0"});
    auto f = q;
    f.id = "r2";
    CHECK(names(db->list_runs(f).value()) == v{"r2"});
    f = q;
    f.name = "name-y";
    CHECK(names(db->list_runs(f).value()) == v{"r3", "r2"});
    f = q;
    f.account = "acct-2";
    CHECK(names(db->list_runs(f).value()) == v{"r4"});
    f = q;
    f.job_config_id = "x";
    CHECK(names(db->list_runs(f).value()) == v{"r1", "r0"});
    f = q;
    f.operation = "database_backup";
    CHECK(db->list_runs(f).value().total == 3);
    f = q;
    f.status = run_status::completed;
    CHECK(names(db->list_runs(f).value()) == v{"r4", "r0"});
    f = q;
    f.processing_node = "n2";
    CHECK(names(db->list_runs(f).value()) == v{"r4", "r1"});
    f = q;
    f.created_before = store_test::base_time() + 1min;
    CHECK(names(db->list_runs(f).value()) == v{"r1", "r0"});
    f = q;
    f.created_after = store_test::base_time() + 3min;
    CHECK(names(db->list_runs(f).value()) == v{"r4", "r3"});

    f = q;
    f.sort = {sort_key{"status", false}, sort_key{"createdAt", true}};
    CHECK(names(db->list_runs(f).value()) == v{"r4", "r0", "r1", "r2", "r3"});
    f.sort = {sort_key{"processing_node", true}, sort_key{"id", true}};
    CHECK(names(db->list_runs(f).value()) == v{"r4", "r1", "r3", "r2", "r0"});
    for (auto field : scheduler::run_sort_fields()) {
        f.sort = {sort_key{std::string(field), true}};
        INFO(field);
        CHECK(db->list_runs(f).value().items.size() == 5);
    }
    f.sort = {sort_key{"disabled", false}};
    CHECK(db->list_runs(f).error().field() == "sort");
    f.sort = {};
    f.skip = -5;
    CHECK(db->list_runs(f).error().field() == "skip");
    f.skip = 0;
    f.limit = 1001;
    CHECK(db->list_runs(f).error().field() == "limit");
}

TEST_CASE("a list reads one page of a large table", "[store][list]") {
    auto db = store_test::memory_store();
    for (int i = 0; i < 1500; ++i) {
        auto c = make_config("bulk-" + std::to_string(i), i);
        REQUIRE(db->insert_config(c));
    }
    config_query q;
    q.limit = scheduler::max_page_limit;
    q.skip = 1000;
    auto p = db->list_configs(q).value();
    CHECK(p.total == 1500);
    REQUIRE(p.items.size() == 500);
    CHECK(p.items.front().name == "bulk-499");
    CHECK(p.items.back().name == "bulk-0");
}
