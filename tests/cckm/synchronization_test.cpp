// SPDX-License-Identifier: Apache-2.0
// cckm_synchronization: the cloud's keys come into the inventory (added, updated, unchanged),
// keys the cloud no longer has are marked gone, and an incomplete listing marks nothing gone.
#include "provider_fixture.hpp"

#include <filesystem>
#include <random>

using namespace cckm_test;
using scheduler::code;
using scheduler::run_status;

namespace {

scheduler::operation_result run_sync(cloud_fixture& f, std::string const& params) {
    test_context ctx(f.clock, params, "sync-config");
    auto r = f.run(ctx, "cckm_synchronization");
    INFO(r.details << " " << r.error);
    return r;
}

}  // namespace

TEST_CASE("synchronization adds, updates and marks gone keys", "[cckm][sync]") {
    cloud_fixture f;
    REQUIRE(f.sim("aws").seed_demo_keys().value() == 4);
    auto const all = R"({"cloud_name":"aws","synchronize_all":true})";

    auto first = run_sync(f, all);
    REQUIRE(first.status == run_status::completed);
    auto d = details(first);
    CHECK(count(d, "total_keys") == 4);
    CHECK(count(d, "num_added") == 4);
    CHECK(count(d, "num_gone") == 0);
    auto inv = f.inventory->list({.cloud = "aws"}).value();
    REQUIRE(inv.total == 4);
    for (auto const& k : inv.keys) {
        CHECK(k.id != k.native_id);  // the inventory's own ids
        CHECK(k.synced_at == f.clock.now());
        CHECK_FALSE(k.gone);
    }

    // Labels (the job attachment) survive a sync; a change in the cloud is picked up.
    auto attached = inv.keys[0];
    attached.labels["job_config_id"] = "config-1";
    f.inventory->put(attached).value();
    f.clock.advance(1h);
    REQUIRE(f.sim("aws").set_enabled(inv.keys[1].native_id, false));
    auto second = details(run_sync(f, all));
    CHECK(count(second, "num_added") == 0);
    CHECK(count(second, "num_updated") == 1);
    CHECK(count(second, "num_unchanged") == 3);
    CHECK(f.inventory_key(inv.keys[1]).state == cckm::key_state::disabled);
    CHECK(f.inventory_key(attached).labels.at("job_config_id") == "config-1");
    CHECK(f.inventory_key(attached).synced_at == f.clock.now());

    // A key the cloud no longer has is marked gone, not deleted.
    REQUIRE(f.cloud_state->remove("aws", inv.keys[2].native_id));
    auto third = run_sync(f, all);
    CHECK(third.status == run_status::completed);
    auto t = details(third);
    CHECK(count(t, "total_keys") == 3);
    CHECK(count(t, "num_gone") == 1);
    CHECK(f.inventory_key(inv.keys[2]).gone);
    CHECK(count(details(run_sync(f, all)), "num_gone") == 0);  // already marked
}

TEST_CASE("an AWS rotation done in the cloud comes in linked", "[cckm][sync]") {
    cloud_fixture f;
    auto k = f.make_key("aws", "k", days(100));
    auto const all = R"({"cloud_name":"aws","synchronize_all":true})";
    REQUIRE(run_sync(f, all).status == run_status::completed);
    auto out = f.sim("aws").rotate_key(k.native_id, {}).value();
    auto d = details(run_sync(f, all));
    CHECK(count(d, "num_added") == 1);
    CHECK(count(d, "num_updated") == 1);
    auto old_record = f.inventory->find_native("aws", k.native_id).value();
    auto new_record = f.inventory->find_native("aws", out.key.native_id).value();
    CHECK(old_record.state == cckm::key_state::archived);
    CHECK(new_record.rotated_from == old_record.id);
    // The old key was written before the new one existed in the inventory; the next run links.
    run_sync(f, all);
    CHECK(f.inventory->get("aws", old_record.id).value().rotated_to == new_record.id);
}

TEST_CASE("synchronization of named containers leaves other containers alone", "[cckm][sync]") {
    cloud_fixture f;
    cckm::key_spec a;
    a.name = "in-a";
    a.container = "vault-a";
    cckm::key_spec b;
    b.name = "in-b";
    b.container = "vault-b";
    f.make_key("oci", a);
    auto kb = f.make_key("oci", b);
    REQUIRE(run_sync(f, R"({"cloud_name":"oci","synchronize_all":true})").status ==
            run_status::completed);

    REQUIRE(f.cloud_state->remove("oci", kb.native_id));
    auto only_a = details(run_sync(f, R"({"cloud_name":"oci","oci_vaults":["vault-a"]})"));
    CHECK(count(only_a, "total_keys") == 1);
    CHECK(count(only_a, "num_gone") == 0);  // vault-b was not looked at
    auto only_b = details(run_sync(f, R"({"cloud_name":"oci","oci_vaults":["vault-b"]})"));
    CHECK(count(only_b, "num_gone") == 1);
}

TEST_CASE("synchronization pages through many keys", "[cckm][sync]") {
    cloud_fixture f;
    std::vector<cckm::cloud_key> keys;
    for (int i = 0; i < 250; ++i) {
        cckm::cloud_key k;
        k.cloud = "gcp";
        k.native_id = k.id = "projects/p/locations/l/keyRings/r/cryptoKeys/k" + std::to_string(i);
        k.container = "r";
        k.created_at = f.clock.now() - std::chrono::minutes(i);
        k.versions = {{"1", k.created_at, std::nullopt, true}};
        keys.push_back(std::move(k));
    }
    f.cloud_state->put_all(keys).value();
    test_context ctx(f.clock, R"({"cloud_name":"gcp","key_rings":["r"]})", "sync-config");
    auto r = f.run(ctx, "cckm_synchronization");
    CHECK(r.status == run_status::completed);
    CHECK(count(details(r), "num_added") == 250);
    CHECK(ctx.progress.size() == 3);  // one report per page of 100
    CHECK(f.inventory->list({.cloud = "gcp"}).value().total == 250);
}

TEST_CASE("an incomplete listing marks nothing gone", "[cckm][sync][failures]") {
    cloud_fixture f;
    for (int i = 0; i < 3; ++i) f.make_key("sap", "k" + std::to_string(i), days(1));
    auto const all = R"({"cloud_name":"sap","synchronize_all":true})";
    REQUIRE(run_sync(f, all).status == run_status::completed);
    auto victim = f.sim("sap").list_keys({}).value().keys[0];
    REQUIRE(f.cloud_state->remove("sap", victim.native_id));

    SECTION("the provider fails past its retries") {
        f.sim("sap").configure({.inject = [](std::string_view call,
                                             std::string_view) -> std::optional<scheduler::status> {
            if (call == "list_keys") return scheduler::status{code::unavailable, "503"};
            return std::nullopt;
        }});
        test_context ctx(f.clock, all, "sync-config");
        ctx.retry = {2, 10ms, 10ms};
        auto r = f.run(ctx, "cckm_synchronization");
        CHECK(r.status == run_status::failed);
        CHECK(r.error.find("503") != std::string::npos);
        CHECK_FALSE(details(r).at("listing_complete").as_bool());
        CHECK(f.sim("sap").calls() >= 3);
    }
    SECTION("the run is cancelled") {
        test_context ctx(f.clock, all, "sync-config");
        ctx.cancel_when = [] { return true; };
        auto r = f.run(ctx, "cckm_synchronization");
        CHECK(r.status == run_status::aborted);
    }
    CHECK_FALSE(f.inventory->find_native("sap", victim.native_id).value().gone);
}

TEST_CASE("transient listing errors are retried", "[cckm][sync][retry]") {
    cloud_fixture f;
    f.make_key("AzureCloud", "k", days(1));
    int failures = 2;
    f.sim("AzureCloud")
        .configure({.inject = [&](std::string_view call,
                                  std::string_view) -> std::optional<scheduler::status> {
            if (call == "list_keys" && failures-- > 0)
                return scheduler::status{code::resource_exhausted, "ThrottlingException"};
            return std::nullopt;
        }});
    auto r = run_sync(f, R"({"cloud_name":"AzureCloud","synchronize_all":true})");
    CHECK(r.status == run_status::completed);
    CHECK(count(details(r), "num_added") == 1);
}

TEST_CASE("demo keys, synchronization and rotation over SQLite, as the server wires them",
          "[cckm][sync][rotation][sqlite]") {
    namespace fs = std::filesystem;
    auto const dir =
        fs::temp_directory_path() / ("cckm-sqlite-flow-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    auto const db = (dir / "scheduler.db").string();
    {
        scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
        auto state = cckm::open_sqlite_key_store(db, "sim").value();
        auto inventory = cckm::open_sqlite_key_store(db, "inventory").value();
        cckm::provider_registry providers;
        cckm::add_simulated_providers(providers, *state, clock).value();
        CHECK(cckm::seed_demo_keys(providers).value() == 24);
        scheduler::operation_registry ops;
        cckm::register_operations(ops, {.providers = &providers, .inventory = inventory.get()})
            .value();

        test_context sync(clock, R"({"cloud_name":"aws","synchronize_all":true})", "s");
        REQUIRE(ops.find("cckm_synchronization")->run(sync).status == run_status::completed);
        // Attach the keys to a rotation config, as enable-rotation-job does.
        for (auto k : inventory->list({.cloud = "aws"}).value().keys) {
            k.labels["job_config_id"] = "config-1";
            inventory->put(k).value();
        }
        // The demo keys are 400, 200, 100 and 10 days old: three are due after 90 days.
        test_context rotate(clock, R"({"cloud_name":"aws","rotation_after":"90d"})", "config-1");
        auto r = ops.find("cckm_key_rotation")->run(rotate);
        INFO(r.details);
        CHECK(r.status == run_status::completed);
        CHECK(count(details(r), "num_rotated") == 3);
        CHECK(count(details(r), "num_skipped") == 1);
    }
    {
        // Everything is in the file: a new process sees the archived keys and the new ones.
        auto inventory = cckm::open_sqlite_key_store(db, "inventory").value();
        auto keys = inventory->list({.cloud = "aws"}).value();
        CHECK(keys.total == 7);
        auto attached = inventory->list({.cloud = "aws", .job_config_id = "config-1"}).value();
        CHECK(attached.total == 4);  // three new keys and the young one
        auto state = cckm::open_sqlite_key_store(db, "sim").value();
        CHECK(state->list({.cloud = "aws"}).value().total == 7);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_CASE("a listing that changes size while it is paged marks nothing gone", "[cckm][sync]") {
    cloud_fixture f;
    std::vector<cckm::cloud_key> made;
    for (int i = 0; i < 150; ++i)  // two pages of 100
        made.push_back(f.make_key("aws", "k" + std::to_string(i), 1h));
    auto const all = R"({"cloud_name":"aws","synchronize_all":true})";
    REQUIRE(run_sync(f, all).status == run_status::completed);

    // The cloud loses a key; then, while the next run reads its first page, another appears
    // (a connection added mid-run shifts the offsets the same way).
    REQUIRE(f.cloud_state->remove("aws", made[10].native_id));
    test_context ctx(f.clock, all, "sync-config");
    int pages = 0;
    ctx.cancel_when = [&] {
        if (++pages == 2) f.make_key("aws", "late");
        return false;
    };
    auto changed = f.run(ctx, "cckm_synchronization");
    INFO(changed.details);
    CHECK(changed.status == run_status::completed);
    auto d = details(changed);
    CHECK(count(d, "num_gone") == 0);
    CHECK_FALSE(d.at("listing_complete").as_bool());
    CHECK(std::string(d.at("note").as_string()).find("changed while it was read") !=
          std::string::npos);

    // A still listing marks it.
    auto still = details(run_sync(f, all));
    CHECK(count(still, "num_gone") == 1);
    CHECK(still.at("listing_complete").as_bool());
}
