// SPDX-License-Identifier: Apache-2.0
// cckm_key_rotation over simulated clouds and a manual clock: selection (expire_in,
// rotation_after, attachment), per-cloud effects recorded in the inventory, retries of
// transient errors, cancellation, partial failures and honest details.
#include "provider_fixture.hpp"

#include <scheduler/engine.hpp>

#include "support/in_memory_store.hpp"

#include <set>
#include <span>
#include <stdexcept>

using namespace cckm_test;
using scheduler::code;
using scheduler::run_status;

TEST_CASE("expire_in rotates only keys expiring within the window", "[cckm][rotation]") {
    cloud_fixture f;
    auto soon = f.attach(f.make_key("aws", "soon", days(30), days(3)));
    auto later = f.attach(f.make_key("aws", "later", days(30), days(30)));
    auto never = f.attach(f.make_key("aws", "never", days(30)));
    auto overdue = f.attach(f.make_key("aws", "overdue", days(30), days(1)));
    f.clock.advance(days(2));  // `overdue` expired yesterday: still due

    auto r = f.rotate(R"({"cloud_name":"aws","expire_in":"7d"})");
    INFO(r.details);
    CHECK(r.status == run_status::completed);
    auto d = details(r);
    CHECK(count(d, "total_keys") == 4);
    CHECK(count(d, "num_rotated") == 2);
    CHECK(count(d, "num_skipped") == 2);
    CHECK(count(d, "num_failed") == 0);
    CHECK(key_entry(d, soon.id).at("result") == "rotated");
    CHECK(key_entry(d, overdue.id).at("result") == "rotated");
    CHECK(key_entry(d, later.id).at("result") == "skipped");
    CHECK(key_entry(d, never.id).at("reason").as_string().find("no expiry") != std::string::npos);
    CHECK(f.inventory_key(later).state == cckm::key_state::enabled);
}

TEST_CASE("rotation_after rotates keys created or last rotated long enough ago",
          "[cckm][rotation]") {
    cloud_fixture f;
    auto old_key = f.attach(f.make_key("AzureCloud", "old", days(100)));
    auto young = f.attach(f.make_key("AzureCloud", "young", days(10)));
    // Created long ago but rotated five days ago: its last rotation counts.
    auto recent = f.make_key("AzureCloud", "recent", days(100));
    f.clock.advance(-days(5));
    recent = f.sim("AzureCloud").rotate_key(recent.native_id, {}).value().key;
    f.clock.advance(days(5));
    recent = f.attach(recent);

    auto d = details(f.rotate(R"({"cloud_name":"AzureCloud","rotation_after":"30d"})"));
    CHECK(count(d, "num_rotated") == 1);
    CHECK(key_entry(d, old_key.id).at("result") == "rotated");
    CHECK(key_entry(d, young.id).at("result") == "skipped");
    CHECK(key_entry(d, recent.id).at("result") == "skipped");
    // Azure adds a version to the same key; the inventory shows it.
    auto after = f.inventory_key(old_key);
    CHECK(after.versions.size() == 2);
    CHECK(after.rotated_at == f.clock.now());
    CHECK(after.labels.at("job_config_id") == "config-1");

    // The next run finds nothing due: the key was just renewed.
    auto again = details(f.rotate(R"({"cloud_name":"AzureCloud","rotation_after":"30d"})"));
    CHECK(count(again, "num_rotated") == 0);
    CHECK(count(again, "num_skipped") == 3);
}

TEST_CASE("only keys attached to the config, of its cloud, and not gone are considered",
          "[cckm][rotation]") {
    cloud_fixture f;
    auto mine = f.attach(f.make_key("aws", "mine", days(100)));
    f.attach(f.make_key("aws", "other-config", days(100)), "config-2");
    f.attach(f.make_key("gcp", "other-cloud", days(100)));
    auto gone = f.make_key("aws", "gone", days(100));
    gone.gone = true;
    f.attach(gone);
    f.make_key("aws", "not-in-inventory", days(100));

    auto d = details(f.rotate(R"({"cloud_name":"aws"})"));
    CHECK(count(d, "total_keys") == 1);
    CHECK(count(d, "num_rotated") == 1);
    CHECK(key_entry(d, mine.id).at("result") == "rotated");
}

TEST_CASE("AWS rotation records the new key, moves the job to it and archives the old one",
          "[cckm][rotation][aws]") {
    cloud_fixture f;
    cckm::key_spec spec;
    spec.name = "app";
    spec.aliases = {"alias/app"};
    auto old_key = f.attach(f.make_key("aws", spec, days(100)));
    f.clock.set(at("2026-12-01T02:03:04Z"));

    auto r =
        f.rotate(R"({"cloud_name":"aws","expiration":"90d","aws_param":{"retain_alias":true}})");
    REQUIRE(r.status == run_status::completed);
    auto entry = key_entry(details(r), old_key.id);
    std::string const new_id(entry.at("new_id").as_string());

    auto archived = f.inventory_key(old_key);
    CHECK(archived.state == cckm::key_state::archived);
    CHECK(archived.aliases == std::vector<std::string>{"alias/app-20261201T020304Z"});
    CHECK(archived.rotated_to == new_id);
    CHECK_FALSE(archived.labels.count("job_config_id"));

    auto fresh = f.inventory->get("aws", new_id).value();
    CHECK(fresh.aliases == std::vector<std::string>{"alias/app"});
    CHECK(fresh.rotated_from == old_key.id);
    CHECK(fresh.expires_at == f.clock.now() + days(90));
    CHECK(fresh.labels.at("job_config_id") == "config-1");
    CHECK(fresh.synced_at == f.clock.now());

    // The next run rotates the new key, never the archived one.
    f.clock.advance(days(1));
    auto next = details(f.rotate(R"({"cloud_name":"aws"})"));
    CHECK(count(next, "total_keys") == 1);
    CHECK(key_entry(next, new_id).at("result") == "rotated");
}

TEST_CASE("rotate_material keeps the same key with new material", "[cckm][rotation][aws]") {
    cloud_fixture f;
    auto k = f.attach(f.make_key("aws", "imported", days(100)));
    auto r = f.rotate(R"({"cloud_name":"aws","aws_param":{"rotate_material":true}})");
    REQUIRE(r.status == run_status::completed);
    CHECK_FALSE(key_entry(details(r), k.id).contains("new_id"));
    auto after = f.inventory_key(k);
    CHECK(after.native_id == k.native_id);
    CHECK(after.versions.size() == 2);
    CHECK(after.state == cckm::key_state::enabled);
    CHECK(f.inventory->list({.cloud = "aws"}).value().total == 1);
}

TEST_CASE("a cloud's rule refusing a key fails that key, permanently, with the reason",
          "[cckm][rotation][rules]") {
    cloud_fixture f;
    auto k = f.attach(f.make_key("AzureCloud", "short-expiry", days(100)));
    int calls_before = static_cast<int>(f.sim("AzureCloud").calls());
    auto r = f.rotate(R"({"cloud_name":"AzureCloud","expiration":"10d"})");
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "1 of 1 keys failed to rotate");
    auto entry = key_entry(details(r), k.id);
    CHECK(entry.at("result") == "failed");
    CHECK(entry.at("message").as_string().find("28 days") != std::string::npos);
    CHECK(f.sim("AzureCloud").calls() == static_cast<std::uint64_t>(calls_before + 1));  // no retry
    CHECK(f.inventory_key(k).versions.size() == 1);

    auto data = f.attach(f.make_key("sfdc", "data-secret", 2h));
    auto sfdc = details(f.rotate(R"({"cloud_name":"sfdc"})"));
    CHECK(key_entry(sfdc, data.id).at("message").as_string().find("24 hours") != std::string::npos);
}

TEST_CASE("sfdc_param.key_type selects which tenant secrets rotate", "[cckm][rotation][sfdc]") {
    cloud_fixture f;
    auto data = f.attach(f.make_key("sfdc", "data", days(2)));
    cckm::key_spec spec;
    spec.name = "events";
    spec.key_type = "EventBus";
    auto events = f.attach(f.make_key("sfdc", spec, days(2)));
    auto d = details(f.rotate(R"({"cloud_name":"sfdc","sfdc_param":{"key_type":["EventBus"]}})"));
    CHECK(key_entry(d, events.id).at("result") == "rotated");
    CHECK(key_entry(d, data.id).at("result") == "skipped");
    CHECK(f.inventory_key(events).versions.size() == 2);
}

TEST_CASE("throttled calls are retried with backoff until they succeed",
          "[cckm][rotation][retry]") {
    cloud_fixture f;
    std::vector<cckm::cloud_key> keys;
    for (int i = 0; i < 4; ++i)
        keys.push_back(f.attach(f.make_key("gcp", "k" + std::to_string(i), days(100))));
    f.sim("gcp").configure({.calls_per_second = 1, .burst = 1});
    test_context ctx(f.clock, R"({"cloud_name":"gcp"})", "config-1");
    ctx.retry = {10, 1s, 2s};
    auto const start = f.clock.now();

    auto r = f.run(ctx, "cckm_key_rotation");
    INFO(r.details);
    CHECK(r.status == run_status::completed);
    auto d = details(r);
    CHECK(count(d, "num_rotated") == 4);
    CHECK(f.sim("gcp").calls() > 4);  // some calls were throttled
    int retried = 0;
    for (auto const& k : keys) {
        auto e = key_entry(d, k.id);
        if (e.contains("attempts")) ++retried;
        CHECK(f.inventory_key(k).versions.size() == 2);
    }
    CHECK(retried >= 3);                         // every key after the first waited
    CHECK(f.clock.now() - start >= 3s);          // the bucket refills at 1 call/s
    CHECK(ctx.waited == f.clock.now() - start);  // all of it through the context
    CHECK(ctx.progress.size() == 4);             // progress after every key
}

TEST_CASE("a key still throttled after its retries fails with the cloud's words",
          "[cckm][rotation][retry]") {
    cloud_fixture f;
    auto k = f.attach(f.make_key("aws", "k", days(100)));
    f.sim("aws").configure({.calls_per_second = 0.001, .burst = 1});
    REQUIRE(f.sim("aws").list_keys({}));  // uses the only token
    test_context ctx(f.clock, R"({"cloud_name":"aws"})", "config-1");
    ctx.retry = {2, 1ms, 1ms};
    auto r = f.run(ctx, "cckm_key_rotation");
    auto e = key_entry(details(r), k.id);
    CHECK(e.at("result") == "failed");
    CHECK(e.at("attempts").as_int64() == 3);
    CHECK(e.at("message").as_string().starts_with("resource_exhausted: ThrottlingException"));
}

TEST_CASE("cancelling midway stops between keys and says how far it got",
          "[cckm][rotation][cancel]") {
    cloud_fixture f;
    std::vector<cckm::cloud_key> keys;
    for (int i = 0; i < 5; ++i)
        keys.push_back(f.attach(f.make_key("oci", "k" + std::to_string(i), days(100 - i))));
    int rotations = 0;
    f.sim("oci").configure({.inject = [&](std::string_view call,
                                          std::string_view) -> std::optional<scheduler::status> {
        if (call == "rotate_key") ++rotations;
        return std::nullopt;
    }});
    test_context ctx(f.clock, R"({"cloud_name":"oci"})", "config-1");
    ctx.cancel_when = [&] { return rotations >= 2; };

    auto r = f.run(ctx, "cckm_key_rotation");
    CHECK(r.status == run_status::aborted);
    CHECK(r.error == "cancelled after 2 of 5 keys");
    auto d = details(r);
    CHECK(count(d, "total_keys") == 5);
    CHECK(count(d, "num_rotated") == 2);
    CHECK(count(d, "num_not_started") == 3);
    CHECK(key_entry(d, keys[0].id).at("result") == "rotated");
    CHECK(key_entry(d, keys[1].id).at("result") == "rotated");
    CHECK(key_entry(d, keys[2].id).at("result") == "not_started");
    CHECK(f.inventory_key(keys[2]).versions.size() == 1);
    CHECK(rotations == 2);
}

TEST_CASE("a provider failing half of the keys fails those keys, not the others",
          "[cckm][rotation][failures]") {
    cloud_fixture f;
    std::vector<cckm::cloud_key> keys;
    std::set<std::string> failing;
    for (int i = 0; i < 6; ++i) {
        keys.push_back(f.attach(f.make_key("sap", "k" + std::to_string(i), days(100))));
        if (i % 2) failing.insert(keys.back().native_id);
    }
    f.sim("sap").configure({.inject = [&](std::string_view call,
                                          std::string_view id) -> std::optional<scheduler::status> {
        if (call == "rotate_key" && failing.count(std::string(id)))
            return scheduler::status{code::permission_denied, "AccessDenied"};
        return std::nullopt;
    }});
    auto r = f.rotate(R"({"cloud_name":"sap"})");
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "3 of 6 keys failed to rotate");
    auto d = details(r);
    CHECK(count(d, "num_rotated") == 3);
    CHECK(count(d, "num_failed") == 3);
    for (auto const& k : keys) {
        bool const fails = failing.count(k.native_id) > 0;
        CHECK(key_entry(d, k.id).at("result") == (fails ? "failed" : "rotated"));
        CHECK(f.inventory_key(k).versions.size() == (fails ? 1u : 2u));
    }
}

TEST_CASE("a throwing provider becomes a failed key, not a crashed run",
          "[cckm][rotation][failures]") {
    cloud_fixture f;
    auto k = f.attach(f.make_key("gcp", "k", days(100)));
    f.sim("gcp").configure(
        {.inject = [](std::string_view call, std::string_view) -> std::optional<scheduler::status> {
            if (call == "rotate_key") throw std::runtime_error("plugin bug");
            return std::nullopt;
        }});
    auto r = f.rotate(R"({"cloud_name":"gcp"})");
    CHECK(r.status == run_status::failed);
    auto e = key_entry(details(r), k.id);
    CHECK(e.at("result") == "failed");
    CHECK(e.at("message") == "internal: gcp provider: rotate_key threw: plugin bug");
}

TEST_CASE("a rotation stopped part-way is reported as such, with the new key recorded",
          "[cckm][rotation][failures]") {
    cloud_fixture f;
    cckm::key_spec spec;
    spec.name = "app";
    spec.aliases = {"alias/app"};
    auto k = f.attach(f.make_key("aws", spec, days(100)));
    f.sim("aws").configure(
        {.inject = [](std::string_view call, std::string_view) -> std::optional<scheduler::status> {
            if (call == "rotate_key.aliases")
                return scheduler::status{code::failed_precondition, "alias limit"};
            return std::nullopt;
        }});
    auto r = f.rotate(R"({"cloud_name":"aws"})");
    CHECK(r.status == run_status::failed);
    auto d = details(r);
    CHECK(count(d, "num_failed") == 1);
    auto e = key_entry(d, k.id);
    CHECK(e.at("result") == "partially_rotated");
    CHECK(e.at("message").as_string().find("aliases not moved") != std::string::npos);
    // The old key keeps its aliases and its job; the new key is in the inventory, unattached.
    auto old_key = f.inventory_key(k);
    CHECK(old_key.aliases == std::vector<std::string>{"alias/app"});
    CHECK(old_key.labels.at("job_config_id") == "config-1");
    auto fresh = f.inventory->get("aws", std::string(e.at("new_id").as_string())).value();
    CHECK(fresh.labels.empty());
    CHECK(fresh.rotated_from == k.id);
}

namespace {

// An inventory whose writes can be made to fail, as a full disk or a locked database would.
class failing_inventory final : public cckm::key_store {
public:
    explicit failing_inventory(cckm::key_store& inner) : inner_(inner) {}
    bool fail_writes = false;

    scheduler::result<void> put(cckm::cloud_key const& k) override {
        return put_all(std::span<cckm::cloud_key const>(&k, 1));
    }
    scheduler::result<void> put_all(std::span<cckm::cloud_key const> keys) override {
        if (fail_writes) return scheduler::status{code::unavailable, "database is locked"};
        return inner_.put_all(keys);
    }
    scheduler::result<cckm::cloud_key> get(std::string_view c, std::string_view id) override {
        return inner_.get(c, id);
    }
    scheduler::result<cckm::cloud_key> find_native(std::string_view c,
                                                   std::string_view id) override {
        return inner_.find_native(c, id);
    }
    scheduler::result<cckm::key_page> list(cckm::key_query const& q) override {
        return inner_.list(q);
    }
    scheduler::result<void> remove(std::string_view c, std::string_view id) override {
        return inner_.remove(c, id);
    }

private:
    cckm::key_store& inner_;
};

}  // namespace

TEST_CASE("a rotation the inventory cannot record is reported as partially rotated",
          "[cckm][rotation][failures]") {
    cloud_fixture f;
    auto k = f.attach(f.make_key("oci", "k", days(100)));
    failing_inventory inventory(*f.inventory);
    inventory.fail_writes = true;
    scheduler::operation_registry ops;
    cckm::register_operations(ops, {.providers = &f.providers, .inventory = &inventory}).value();
    test_context ctx(f.clock, R"({"cloud_name":"oci"})", "config-1");

    auto r = ops.find("cckm_key_rotation")->run(ctx);
    CHECK(r.status == run_status::failed);
    auto e = key_entry(details(r), k.id);
    CHECK(e.at("result") == "partially_rotated");
    CHECK(e.at("message") ==
          "rotated in the cloud; the inventory was not updated: database is locked");
    // The cloud did rotate: the next synchronization brings the inventory up to date.
    CHECK(f.sim("oci").get_key(k.native_id).value().versions.size() == 2);
    CHECK(f.inventory_key(k).versions.size() == 1);
}

TEST_CASE("without providers or inventory the handlers say what is missing", "[cckm][rotation]") {
    scheduler::operation_registry ops;
    cckm::register_operations(ops).value();
    scheduler::manual_clock clock;
    test_context ctx(clock, R"({"cloud_name":"aws"})", "c");
    auto r = ops.find("cckm_key_rotation")->run(ctx);
    CHECK(r.status == run_status::failed);
    CHECK(r.error.find("no cloud providers") != std::string::npos);

    cloud_fixture f;
    cckm::provider_registry empty;
    cckm::operation_environment env{.providers = &empty, .inventory = f.inventory.get()};
    scheduler::operation_registry ops2;
    cckm::register_operations(ops2, env).value();
    auto none = ops2.find("cckm_key_rotation")->run(ctx);
    CHECK(none.error == "cckm_key_rotation: no provider for cloud aws");
}

TEST_CASE("a scheduled rotation runs through the engine", "[cckm][rotation][engine]") {
    cloud_fixture f;
    scheduler::test::in_memory_store store;
    scheduler::engine_options options;
    options.workers = 1;
    scheduler::engine eng(store, f.operations, f.clock, options);
    scheduler::job_config c;
    c.name = "rotate aws";
    c.operation = "cckm_key_rotation";
    c.run_at = "0 1 * * *";
    c.params = R"({"cloud_name":"aws","rotation_after":"30d"})";
    auto config = eng.create_config(c).value();
    auto k = f.attach(f.make_key("aws", "k", days(100)), config.id);

    auto run = eng.run_now(config.id).value();
    REQUIRE(eng.drain(std::chrono::seconds(10)));
    auto done = eng.get_run(run.id).value();
    INFO(done.details << " " << done.error);
    CHECK(done.status == run_status::completed);
    auto d = details({done.status, done.details, done.error});
    CHECK(count(d, "num_rotated") == 1);
    CHECK(f.inventory_key(k).state == cckm::key_state::archived);
}
