// SPDX-License-Identifier: Apache-2.0
// The AWS KMS provider over the real Beast transport against a fake KMS endpoint on loopback
// (tests/cckm/fake_kms.hpp) that checks every signature, keeps state, pages and throttles:
// provider calls one by one, then synchronization and rotation through the operations.
#include "fake_kms.hpp"
#include "provider_fixture.hpp"

#include <cckm/aws/kms_provider.hpp>

using namespace cckm_test;
using scheduler::code;
using scheduler::run_status;

namespace {

cckm::aws::credentials const creds{"AKIDFAKEKMS", "fake/secret/key", ""};

struct kms_fixture {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    fake_kms kms{creds, clock};
    std::vector<std::chrono::milliseconds> sleeps;
    cckm::provider_registry providers;
    std::unique_ptr<cckm::key_store> inventory = cckm::make_in_memory_key_store();
    scheduler::operation_registry operations;
    cckm::cloud_provider* aws = nullptr;

    explicit kms_fixture(cckm::aws::credentials c = creds) {
        cckm::aws::kms_provider_options o;
        o.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
        o.transport.request_timeout = std::chrono::seconds{10};
        auto p = cckm::aws::make_kms_provider({"prod", "111122223333", "eu-west-1", kms.url(), c},
                                              clock, o);
        INFO((p ? std::string("ok") : p.error().to_string()));
        REQUIRE(p.has_value());
        aws = p->get();
        providers.add(std::move(*p)).value();
        cckm::operation_environment env;
        env.providers = &providers;
        env.inventory = inventory.get();
        cckm::register_operations(operations, env).value();
    }

    scheduler::operation_result run(std::string const& operation,
                                    std::string const& params,
                                    std::string const& config = "config-1") {
        test_context ctx(clock, params, config);
        auto r = operations.find(operation)->run(ctx);
        INFO(r.details << " " << r.error);
        return r;
    }
};

}  // namespace

TEST_CASE("kms provider: list, get and create through the fake endpoint", "[kms][provider]") {
    kms_fixture f;
    for (int i = 0; i < 5; ++i)
        f.kms.add_key("key " + std::to_string(i), {"alias/k" + std::to_string(i)});

    auto page = f.aws->list_keys({{}, 1, 3});
    REQUIRE(page.has_value());
    CHECK(page->total == 5);
    REQUIRE(page->keys.size() == 3);
    CHECK(page->keys[0].name == "key 1");
    CHECK(page->keys[0].aliases == std::vector<std::string>{"alias/k1"});
    CHECK(page->keys[0].container == "prod");
    CHECK(page->keys[0].region == "eu-west-1");
    CHECK(page->keys[0].account == "111122223333");
    CHECK(page->keys[0].state == cckm::key_state::enabled);
    CHECK(page->keys[0].created_at == f.clock.now());
    CHECK(f.aws->list_keys({{"other-connection"}, 0, 10})->total == 0);

    cckm::key_spec spec;
    spec.name = "payments";
    spec.aliases = {"payments"};
    spec.tags = {{"env", "prod"}};
    auto created = f.aws->create_key(spec);
    REQUIRE(created.has_value());
    CHECK(created->aliases == std::vector<std::string>{"alias/payments"});
    CHECK(created->tags == std::map<std::string, std::string>{{"env", "prod"}});
    CHECK(created->key_type == "symmetric");
    CHECK_THAT(created->policy, Catch::Contains("2012-10-17"));
    CHECK(f.aws->get_key(created->native_id)->name == "payments");

    auto missing = f.aws->get_key("no-such-key");
    CHECK(missing.error().error_code() == code::not_found);
    CHECK_THAT(missing.error().message(), Catch::Contains("does not exist"));

    CHECK(f.kms.bad_signatures() == 0);
    CHECK(f.kms.connections() == 1);  // every call above went over one kept-alive connection
}

TEST_CASE("kms provider: enable, disable, deletion, policy and rotation schedule",
          "[kms][provider]") {
    kms_fixture f;
    auto const id = f.kms.add_key("k");

    CHECK(f.aws->set_enabled(id, false)->state == cckm::key_state::disabled);
    CHECK(f.kms.get(id)->state == "Disabled");
    CHECK(f.aws->set_enabled(id, true)->state == cckm::key_state::enabled);

    CHECK(f.aws->schedule_deletion(id, 3).error().field() == "days");
    auto pending = f.aws->schedule_deletion(id, 7);
    REQUIRE(pending.has_value());
    CHECK(pending->state == cckm::key_state::pending_deletion);
    CHECK(pending->deletion_date == f.clock.now() + days(7));
    auto again = f.aws->set_enabled(id, true);
    CHECK(again.error().error_code() == code::failed_precondition);  // KMSInvalidStateException
    CHECK_THAT(again.error().message(), Catch::Contains("pending deletion"));
    CHECK(f.aws->cancel_deletion(id)->state == cckm::key_state::disabled);

    CHECK(f.aws->apply_policy(id, R"({"Version":"2012-10-17","Id":"custom"})")->policy ==
          R"({"Version":"2012-10-17","Id":"custom"})");

    auto scheduled = f.aws->set_auto_rotation(id, cckm::rotation_policy{days(180), std::nullopt});
    REQUIRE(scheduled.has_value());
    REQUIRE(scheduled->auto_rotation);
    CHECK(scheduled->auto_rotation->period == days(180));
    CHECK(f.aws->set_auto_rotation(id, cckm::rotation_policy{days(30), std::nullopt})
              .error()
              .field() == "period");
    CHECK_FALSE(f.aws->set_auto_rotation(id, std::nullopt)->auto_rotation);
    CHECK(f.kms.bad_signatures() == 0);
}

TEST_CASE("kms provider: rotation makes a new key, moves aliases and archives the old one",
          "[kms][provider]") {
    kms_fixture f;
    auto const old_id = f.kms.add_key("orders", {"alias/orders"});
    f.clock.advance(days(100));

    SECTION("retain_alias keeps a stamped alias on the archived key") {
        auto r = f.aws->rotate_key(old_id, {std::nullopt, true, false});
        REQUIRE(r.has_value());
        CHECK(r->complete);
        CHECK(r->key.native_id != f.kms.arn(old_id));
        CHECK(r->key.native_id.starts_with("arn:aws:kms:eu-west-1:111122223333:key/"));
        CHECK(r->key.aliases == std::vector<std::string>{"alias/orders"});
        CHECK(r->key.rotated_from == f.kms.arn(old_id));
        CHECK(r->key.name == "orders");
        REQUIRE(r->archived);
        CHECK(r->archived->state == cckm::key_state::archived);
        CHECK(r->archived->rotated_to == r->key.native_id);
        CHECK(r->archived->aliases ==
              std::vector<std::string>{"alias/orders-" + cckm::aws::amz_date(f.clock.now())});
        CHECK(f.kms.arn(f.kms.aliases().at("alias/orders")) == r->key.native_id);
        CHECK(f.kms.get(old_id)->state == "Enabled");  // old ciphertexts still decrypt
    }
    SECTION("without retain_alias the old key keeps no alias") {
        auto r = f.aws->rotate_key(old_id, {});
        REQUIRE(r.has_value());
        CHECK(r->archived->aliases.empty());
        CHECK(f.kms.aliases().size() == 1);
    }
    SECTION("rotate_material rotates in place with RotateKeyOnDemand") {
        auto r = f.aws->rotate_key(old_id, {std::nullopt, false, true});
        REQUIRE(r.has_value());
        CHECK(r->key.native_id == f.kms.arn(old_id));
        CHECK_FALSE(r->archived);
        CHECK(r->key.rotated_at == f.clock.now());
        CHECK(f.kms.get(old_id)->on_demand_rotations == 1);
    }
    SECTION("an archived key is not rotated again") {
        REQUIRE(f.aws->rotate_key(old_id, {}).has_value());
        CHECK(f.aws->rotate_key(old_id, {}).error().error_code() == code::failed_precondition);
    }
    CHECK(f.kms.bad_signatures() == 0);
}

TEST_CASE("kms provider: throttling is retried with backoff, then reported transient",
          "[kms][provider]") {
    kms_fixture f;
    auto const id = f.kms.add_key("k");

    f.kms.throttle_next(2);
    REQUIRE(f.aws->get_key(id).has_value());
    CHECK(f.sleeps.size() == 2);

    f.kms.throttle_next(100);
    auto r = f.aws->set_enabled(id, false);
    CHECK(r.error().error_code() == code::resource_exhausted);
    CHECK(cckm::is_retryable(r.error()));
    CHECK_THAT(r.error().message(), Catch::Contains("ThrottlingException"));
    f.kms.throttle_next(0);
}

TEST_CASE("kms provider: a wrong secret is refused by the endpoint, permanently",
          "[kms][provider]") {
    kms_fixture f({"AKIDFAKEKMS", "not-the-secret", ""});
    auto r = f.aws->list_keys({});
    CHECK(r.error().error_code() == code::unauthenticated);
    CHECK_FALSE(cckm::is_retryable(r.error()));
    CHECK(f.kms.bad_signatures() == 1);
}

TEST_CASE("kms provider: an endpoint that is down is transient", "[kms][provider]") {
    scheduler::manual_clock clock;
    int port = 0;
    {
        fake_kms gone(creds, clock);
        port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
    }
    cckm::aws::kms_provider_options o;
    o.sleep = [](std::chrono::milliseconds) {};
    auto p = cckm::aws::make_kms_provider(
        {"prod", "1", "eu-west-1", "http://127.0.0.1:" + std::to_string(port), creds}, clock, o);
    REQUIRE(p.has_value());
    auto r = (*p)->list_keys({});
    CHECK(r.error().error_code() == code::unavailable);
}

TEST_CASE("kms provider: synchronization, rotation and disable through the operations",
          "[kms][provider][sync]") {
    kms_fixture f;
    for (int i = 0; i < 5; ++i)
        f.kms.add_key("key " + std::to_string(i), {"alias/key-" + std::to_string(i)});
    f.clock.advance(days(100));

    auto sync = f.run("cckm_synchronization", R"({"cloud_name":"aws","synchronize_all":true})");
    REQUIRE(sync.status == run_status::completed);
    CHECK(count(details(sync), "num_added") == 5);
    auto inv = f.inventory->list({.cloud = "aws"}).value();
    REQUIRE(inv.total == 5);

    // Attach one key to a rotation config and rotate it through the operation.
    auto attached = inv.keys[0];
    attached.labels[std::string(cckm::cloud_key::job_config_label)] = "config-1";
    f.inventory->put(attached).value();
    f.kms.throttle_next(1);  // one throttled call on the way, retried
    auto rot =
        f.run("cckm_key_rotation",
              R"({"cloud_name":"aws","rotation_after":"30d","aws_param":{"retain_alias":true}})");
    REQUIRE(rot.status == run_status::completed);
    CHECK(count(details(rot), "num_rotated") == 1);
    auto const new_id = f.kms.aliases().at(attached.aliases.front());
    CHECK(f.kms.arn(new_id) != attached.native_id);
    CHECK(f.kms.get(attached.native_id)->tags.at("cckm:archived") == "true");

    // Disable one through the provider, then the next sync sees the new key and the change.
    REQUIRE(f.aws->set_enabled(inv.keys[1].native_id, false).has_value());
    auto again =
        details(f.run("cckm_synchronization", R"({"cloud_name":"aws","synchronize_all":true})"));
    CHECK(count(again, "total_keys") == 6);
    CHECK(count(again, "num_added") == 0);  // the rotation already put the new key in
    auto const after = f.inventory->list({.cloud = "aws"}).value();
    for (auto const& k : after.keys) {
        if (k.native_id == inv.keys[1].native_id) CHECK(k.state == cckm::key_state::disabled);
        if (k.native_id == attached.native_id) CHECK(k.state == cckm::key_state::archived);
    }
    CHECK(f.kms.bad_signatures() == 0);
}
