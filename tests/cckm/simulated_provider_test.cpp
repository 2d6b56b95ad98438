// SPDX-License-Identifier: Apache-2.0
// The simulated clouds: each cloud's rules (DESIGN.md §8), rotation semantics, and the test
// controls (latency on the clock, token-bucket throttling, seeded and injected failures).
#include "provider_fixture.hpp"

#include <algorithm>
#include <set>

using namespace cckm_test;
using scheduler::code;

TEST_CASE("AWS rotation makes a new key, moves aliases and archives the old one",
          "[cckm][sim][aws]") {
    cloud_fixture f;
    cckm::key_spec spec;
    spec.name = "app";
    spec.aliases = {"alias/app", "alias/app-v"};
    spec.tags = {{"team", "a"}};
    auto old = f.make_key("aws", spec, days(100));
    auto& aws = f.sim("aws");

    SECTION("without retain_alias the archived key keeps no alias") {
        auto out = aws.rotate_key(old.native_id, {}).value();
        REQUIRE(out.complete);
        REQUIRE(out.archived);
        CHECK(out.key.native_id != old.native_id);
        CHECK(out.key.aliases == std::vector<std::string>{"alias/app", "alias/app-v"});
        CHECK(out.key.rotated_from == old.native_id);
        CHECK(out.key.tags == old.tags);
        CHECK(out.key.created_at == f.clock.now());
        CHECK(out.archived->state == cckm::key_state::archived);
        CHECK(out.archived->aliases.empty());
        CHECK(out.archived->rotated_to == out.key.native_id);
        // The cloud's state says the same.
        CHECK(aws.get_key(old.native_id).value().state == cckm::key_state::archived);
        CHECK(aws.get_key(out.key.native_id).value().aliases == out.key.aliases);
        // An archived key is not rotated again.
        CHECK(aws.rotate_key(old.native_id, {}).error().error_code() == code::failed_precondition);
    }
    SECTION("retain_alias keeps <alias>-<UTC timestamp> on the archived key") {
        f.clock.set(at("2026-12-01T01:30:05Z"));
        auto out = aws.rotate_key(old.native_id, {.retain_alias = true}).value();
        CHECK(out.archived->aliases == std::vector<std::string>{"alias/app-20261201T013005Z",
                                                                "alias/app-v-20261201T013005Z"});
        CHECK(out.key.aliases == std::vector<std::string>{"alias/app", "alias/app-v"});
    }
    SECTION("rotate_material adds material to the same key") {
        auto out = aws.rotate_key(old.native_id,
                                  {.expires_at = f.clock.now() + days(30), .rotate_material = true})
                       .value();
        CHECK_FALSE(out.archived);
        CHECK(out.key.native_id == old.native_id);
        CHECK(out.key.versions.size() == 2);
        CHECK(out.key.aliases == old.aliases);
        CHECK(out.key.rotated_at == f.clock.now());
        CHECK(out.key.expires_at == f.clock.now() + days(30));
    }
    SECTION("rotate_material needs a symmetric key") {
        cckm::key_spec rsa;
        rsa.name = "signing";
        rsa.key_type = "RSA";
        auto k = f.make_key("aws", rsa);
        CHECK(aws.rotate_key(k.native_id, {.rotate_material = true}).error().error_code() ==
              code::failed_precondition);
    }
    SECTION("a failure between creating the key and moving aliases is reported, not hidden") {
        aws.configure({.inject = [](std::string_view call,
                                    std::string_view) -> std::optional<scheduler::status> {
            if (call == "rotate_key.aliases") return scheduler::status{code::unavailable, "503"};
            return std::nullopt;
        }});
        auto out = aws.rotate_key(old.native_id, {}).value();
        CHECK_FALSE(out.complete);
        CHECK(out.incomplete_reason.find("aliases not moved") != std::string::npos);
        CHECK(out.key.aliases.empty());
        CHECK(out.archived->state == cckm::key_state::enabled);
        CHECK(out.archived->aliases == old.aliases);
        CHECK(aws.get_key(out.key.native_id));  // the new key exists in the cloud
    }
}

TEST_CASE("AWS key rules: aliases, rotation period 90-2560 days, deletion 7-30 days",
          "[cckm][sim][aws][rules]") {
    cloud_fixture f;
    auto& aws = f.sim("aws");
    cckm::key_spec spec;
    spec.name = "k";
    spec.aliases = {"app"};
    CHECK(aws.create_key(spec).error().field() == "aliases");
    spec.aliases = {"alias/aws/reserved"};
    CHECK(aws.create_key(spec).error().field() == "aliases");
    spec.aliases = {"alias/app"};
    auto k = aws.create_key(spec).value();
    CHECK(aws.create_key(spec).error().error_code() == code::already_exists);

    auto period = [&](std::chrono::hours h) {
        return aws.set_auto_rotation(k.native_id, cckm::rotation_policy{h, std::nullopt});
    };
    CHECK(period(days(89)).error().field() == "rotation_period");
    CHECK(period(days(2561)).error().field() == "rotation_period");
    CHECK(period(days(90) + 1h).error().field() == "rotation_period");  // whole days only
    CHECK(period(days(90)));
    CHECK(period(days(2560)).value().auto_rotation->period == days(2560));
    CHECK(aws.set_auto_rotation(k.native_id, std::nullopt).value().auto_rotation == std::nullopt);

    CHECK(aws.schedule_deletion(k.native_id, 6).error().field() == "days");
    CHECK(aws.schedule_deletion(k.native_id, 31).error().field() == "days");
    auto pending = aws.schedule_deletion(k.native_id, 7).value();
    CHECK(pending.state == cckm::key_state::pending_deletion);
    CHECK(pending.deletion_date == f.clock.now() + days(7));
    CHECK(aws.set_enabled(k.native_id, true).error().error_code() == code::failed_precondition);
    auto back = aws.cancel_deletion(k.native_id).value();
    CHECK(back.state == cckm::key_state::disabled);
    CHECK_FALSE(back.deletion_date);
    CHECK(aws.set_enabled(k.native_id, true).value().state == cckm::key_state::enabled);

    CHECK(aws.apply_policy(k.native_id, "not json").error().field() == "policy");
    CHECK(aws.apply_policy(k.native_id, R"({"Version": "2012-10-17"})").value().policy ==
          R"({"Version":"2012-10-17"})");
    auto store = aws.create_custom_key_store("xks-1").value();
    auto cred = aws.rotate_xks_credentials(store.id).value();
    CHECK(cred.access_key_id.starts_with("AKIA"));
    CHECK(cred.rotated_at == f.clock.now());
}

TEST_CASE("Azure rules: rotation at least 7 days, expiry at least 28 days; versions",
          "[cckm][sim][azure][rules]") {
    cloud_fixture f;
    auto& azure = f.sim("AzureCloud");
    cckm::key_spec spec;
    spec.name = "vault-key";
    spec.expires_at = f.clock.now() + days(27);
    CHECK(azure.create_key(spec).error().field() == "expires_at");
    spec.expires_at = f.clock.now() + days(28);
    auto k = azure.create_key(spec).value();
    CHECK(k.native_id == "https://demo-vault.vault.azure.net/keys/vault-key");

    auto policy = [&](std::chrono::hours period, std::optional<std::chrono::hours> expiry) {
        return azure.set_auto_rotation(k.native_id, cckm::rotation_policy{period, expiry});
    };
    CHECK(policy(days(6), std::nullopt).error().field() == "rotation_period");
    CHECK(policy(days(7), std::nullopt));
    CHECK(policy(days(7), days(27)).error().field() == "expire_after");
    CHECK(policy(days(22), days(28)).error().field() == "rotation_period");  // < 7 d before
    CHECK(policy(days(21), days(28)));

    CHECK(azure.rotate_key(k.native_id, {.expires_at = f.clock.now() + days(10)}).error().field() ==
          "expiration");
    auto out = azure.rotate_key(k.native_id, {.expires_at = f.clock.now() + days(60)}).value();
    CHECK_FALSE(out.archived);
    CHECK(out.key.native_id == k.native_id);
    REQUIRE(out.key.versions.size() == 2);
    CHECK(out.key.versions[1].id == "2");
    CHECK(out.key.versions[1].expires_at == f.clock.now() + days(60));
    CHECK(out.key.expires_at == f.clock.now() + days(60));
    CHECK(out.key.rotated_at == f.clock.now());
}

TEST_CASE("GCP and OCI rotation periods", "[cckm][sim][gcp][oci][rules]") {
    cloud_fixture f;
    auto g = f.make_key("gcp", "ring-key");
    CHECK(g.native_id ==
          "projects/demo-project/locations/global/keyRings/demo-ring/cryptoKeys/ring-key");
    auto& gcp = f.sim("gcp");
    auto period = [](cckm::simulated_provider& p, std::string const& id, std::chrono::hours h) {
        return p.set_auto_rotation(id, cckm::rotation_policy{h, std::nullopt});
    };
    CHECK(period(gcp, g.native_id, 23h).error().field() == "rotation_period");
    CHECK(period(gcp, g.native_id, 24h));
    CHECK(period(gcp, g.native_id, 25h));  // hours are fine on GCP
    CHECK(period(gcp, g.native_id, 876000h));
    CHECK(period(gcp, g.native_id, 876001h).error().field() == "rotation_period");
    CHECK(gcp.rotate_key(g.native_id, {}).value().key.versions.size() == 2);

    auto o = f.make_key("oci", "vault-key");
    auto& oci = f.sim("oci");
    CHECK(period(oci, o.native_id, days(59)).error().field() == "rotation_period");
    CHECK(period(oci, o.native_id, days(60)));
    CHECK(period(oci, o.native_id, days(365)));
    CHECK(period(oci, o.native_id, days(366)).error().field() == "rotation_period");
    CHECK(oci.rotate_key(o.native_id, {}).value().key.versions.size() == 2);
}

TEST_CASE("Salesforce: a new Data tenant secret at most once per 24 hours",
          "[cckm][sim][sfdc][rules]") {
    cloud_fixture f;
    auto& sfdc = f.sim("sfdc");
    cckm::key_spec spec;
    spec.name = "secret";
    spec.key_type = "Keys";
    CHECK(sfdc.create_key(spec).error().field() == "key_type");
    spec.key_type = "Data";
    auto data = sfdc.create_key(spec).value();
    spec.name = "events";
    spec.key_type = "EventBus";
    auto events = sfdc.create_key(spec).value();

    auto refused = sfdc.rotate_key(data.native_id, {});
    REQUIRE_FALSE(refused);  // created just now counts as the last secret
    CHECK(refused.error().error_code() == code::failed_precondition);
    f.clock.advance(24h);
    CHECK(sfdc.rotate_key(data.native_id, {}).value().key.versions.size() == 2);
    f.clock.advance(23h);
    CHECK(sfdc.rotate_key(data.native_id, {}).error().error_code() == code::failed_precondition);
    // Other secret types have no such limit.
    CHECK(sfdc.rotate_key(events.native_id, {}));
    CHECK(sfdc.rotate_key(events.native_id, {}));
    CHECK(sfdc.set_auto_rotation(data.native_id, cckm::rotation_policy{24h, std::nullopt})
              .error()
              .error_code() == code::unimplemented);
    CHECK(sfdc.schedule_deletion(data.native_id, 7).error().error_code() == code::unimplemented);
}

TEST_CASE("SAP: delete keeps a backup, restore needs one", "[cckm][sim][sap][rules]") {
    cloud_fixture f;
    auto& sap = f.sim("sap");
    auto k = f.make_key("sap", "group-key");
    CHECK(sap.restore_key(k.native_id).error().error_code() == code::failed_precondition);
    CHECK(sap.rotate_key(k.native_id, {}).value().key.versions.size() == 2);

    auto deleted = sap.delete_key(k.native_id).value();
    CHECK(deleted.state == cckm::key_state::deleted);
    REQUIRE(deleted.backups.size() == 1);
    CHECK(sap.get_key(k.native_id).error().error_code() == code::not_found);
    CHECK(sap.list_keys({}).value().total == 0);
    CHECK(sap.rotate_key(k.native_id, {}).error().error_code() == code::failed_precondition);

    auto restored = sap.restore_key(k.native_id).value();
    CHECK(restored.state == cckm::key_state::enabled);
    CHECK(restored.versions.size() == 2);
    // SAP keeps the backup while the key lives.
    CHECK(sap.delete_backup(k.native_id, restored.backups[0].id).error().error_code() ==
          code::failed_precondition);

    SECTION("a failed backup stops the delete unless delete_if_backup_fails") {
        sap.configure({.inject = [](std::string_view call,
                                    std::string_view) -> std::optional<scheduler::status> {
            if (call == "delete_key.backup") return scheduler::status{code::unavailable, "down"};
            return std::nullopt;
        }});
        auto refused = sap.delete_key(k.native_id);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().message().find("key not deleted") != std::string::npos);
        CHECK(sap.get_key(k.native_id).value().state == cckm::key_state::enabled);
        auto forced = sap.delete_key(k.native_id, true).value();
        CHECK(forced.state == cckm::key_state::deleted);
        CHECK(forced.backups.size() == 1);  // only the earlier backup
    }
    SECTION("backups are listed and deleted once the key is gone from SAP") {
        REQUIRE(sap.delete_key(k.native_id));
        auto backups = sap.list_backups(k.native_id).value();
        REQUIRE(backups.size() == 2);
        REQUIRE(sap.delete_backup(k.native_id, backups[0].id));
        CHECK(sap.list_backups(k.native_id).value().size() == 1);
        CHECK(sap.delete_backup(k.native_id, "nope").error().error_code() == code::not_found);
    }
}

TEST_CASE("latency is waited on the scheduler clock", "[cckm][sim][controls]") {
    cloud_fixture f;
    auto& gcp = f.sim("gcp");
    gcp.configure({.latency = 20ms});
    auto const start = f.clock.now();
    auto const wall = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) REQUIRE(gcp.list_keys({}));
    CHECK(f.clock.now() - start == 1s);
    CHECK(std::chrono::steady_clock::now() - wall < 500ms);  // 1 s simulated, not slept
}

TEST_CASE("throttling answers like the cloud and refills on the clock", "[cckm][sim][controls]") {
    cloud_fixture f;
    auto& aws = f.sim("aws");
    aws.configure({.calls_per_second = 2, .burst = 2});
    CHECK(aws.list_keys({}));
    CHECK(aws.list_keys({}));
    auto throttled = aws.list_keys({});
    REQUIRE_FALSE(throttled);
    CHECK(throttled.error().error_code() == code::resource_exhausted);
    CHECK(throttled.error().message().starts_with("ThrottlingException"));
    CHECK(cckm::is_retryable(throttled.error()));
    f.clock.advance(500ms);  // one token back
    CHECK(aws.list_keys({}));
    CHECK_FALSE(aws.list_keys({}));
    f.clock.advance(10s);  // never more than the burst
    CHECK(aws.list_keys({}));
    CHECK(aws.list_keys({}));
    CHECK_FALSE(aws.list_keys({}));
    CHECK(aws.calls() == 8);
}

TEST_CASE("random failures are transient and repeatable with a seed", "[cckm][sim][controls]") {
    cloud_fixture f;
    auto pattern = [&](std::uint64_t seed) {
        auto& oci = f.sim("oci");
        oci.configure({.failure_rate = 0.5, .seed = seed});
        std::vector<bool> out;
        for (int i = 0; i < 100; ++i) {
            auto r = oci.list_keys({});
            if (!r) CHECK(r.error().error_code() == code::unavailable);
            out.push_back(bool(r));
        }
        return out;
    };
    auto a = pattern(7);
    CHECK(a == pattern(7));
    CHECK(a != pattern(8));
    auto failures = std::count(a.begin(), a.end(), false);
    CHECK(failures > 20);
    CHECK(failures < 80);
}

TEST_CASE("each cloud gets demo keys once, when it has none", "[cckm][sim][demo]") {
    cloud_fixture f;
    CHECK(cckm::seed_demo_keys(f.providers).value() == 24);
    CHECK(cckm::seed_demo_keys(f.providers).value() == 0);
    auto stores = f.sim("aws").list_custom_key_stores().value();
    REQUIRE(stores.size() == 1);  // once, like the keys
    CHECK(stores[0].name == "demo-xks-proxy");
    CHECK(stores[0].type == "EXTERNAL_KEY_STORE");
    for (auto cloud : cckm::cloud_names()) {
        auto keys = f.sim(std::string(cloud)).list_keys({}).value();
        CHECK(keys.total == 4);
        for (auto const& k : keys.keys) CHECK(k.created_at < f.clock.now());
    }
    auto aws = f.sim("aws").list_keys({}).value();
    CHECK(aws.keys.front().aliases == std::vector<std::string>{"alias/demo-key-1"});
    auto sfdc = f.sim("sfdc").list_keys({}).value();
    CHECK(sfdc.keys.front().key_type == "Data");
}
