// SPDX-License-Identifier: Apache-2.0
// key_store: the in-memory and SQLite implementations keep the same contract (round trip,
// filters, paging, unique native ids, all-or-nothing batches); the SQLite one lives beside the
// scheduler's tables in the same file.
#include <cckm/key_store.hpp>
#include <scheduler/sqlite_store.hpp>

#include "support/catch.hpp"

#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

scheduler::time_point t0() {
    return scheduler::parse_rfc3339("2026-12-01T10:00:00.123456Z").value();
}

cckm::cloud_key full_key() {
    cckm::cloud_key k;
    k.id = "f36e8dbb-0259-4c61-a35f-d74b6d39effc";
    k.cloud = "aws";
    k.native_id = "9905c8da-2a0f-4666-a9c9-555c2567a242";
    k.name = "aws-test-key-1";
    k.account = "123456789012";
    k.region = "ap-south-1";
    k.container = "kms";
    k.aliases = {"alias/aws-test-key-1", "alias/other"};
    k.key_type = "symmetric";
    k.origin = "cckm";
    k.state = cckm::key_state::disabled;
    k.created_at = t0();
    k.rotated_at = t0() + 1h;
    k.expires_at = t0() + 24h * 30;
    k.deletion_date = t0() + 24h * 7;
    k.versions = {{"1", t0(), std::nullopt, false}, {"2", t0() + 1h, t0() + 24h * 30, true}};
    k.backups = {{"b1", t0() + 2h}};
    k.auto_rotation = cckm::rotation_policy{24h * 90, 24h * 365};
    k.rotated_from = "old-id";
    k.rotated_to = "new-id";
    k.policy = R"({"Version":"2012-10-17"})";
    k.tags = {{"key", "value"}};
    k.labels = {{"job_config_id", "config-1"}, {"auto_rotate_key_source", "ciphertrust"}};
    k.gone = true;
    k.synced_at = t0() + 3h;
    k.updated_at = t0() + 4h;
    return k;
}

cckm::cloud_key small_key(std::string id,
                          std::string native,
                          int minutes,
                          std::string container = "kms",
                          std::string cloud = "aws") {
    cckm::cloud_key k;
    k.id = std::move(id);
    k.cloud = std::move(cloud);
    k.native_id = std::move(native);
    k.container = std::move(container);
    k.created_at = t0() + std::chrono::minutes(minutes);
    return k;
}

struct temp_dir {
    fs::path path = fs::temp_directory_path() /
                    ("cckm-key-store-test-" + std::to_string(std::random_device{}()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::vector<std::string> ids(cckm::key_page const& p) {
    std::vector<std::string> out;
    for (auto const& k : p.keys) out.push_back(k.id);
    return out;
}

}  // namespace

TEST_CASE("key stores keep the same contract", "[cckm][key_store]") {
    temp_dir dir;
    auto const kind = GENERATE(as<std::string>{}, "in memory", "sqlite");
    INFO(kind);
    auto store = kind == "sqlite"
                     ? cckm::open_sqlite_key_store((dir.path / "scheduler.db").string()).value()
                     : cckm::make_in_memory_key_store();

    SECTION("a key round-trips with every field") {
        auto const k = full_key();
        REQUIRE(store->put(k));
        CHECK(store->get("aws", k.id).value() == k);
        CHECK(store->find_native("aws", k.native_id).value() == k);
        CHECK(store->get("gcp", k.id).error().error_code() == scheduler::code::not_found);
    }
    SECTION("put replaces; remove removes") {
        auto k = full_key();
        REQUIRE(store->put(k));
        k.name = "renamed";
        k.labels.clear();
        REQUIRE(store->put(k));
        CHECK(store->get("aws", k.id).value().name == "renamed");
        CHECK(store->list({.job_config_id = "config-1"}).value().total == 0);
        REQUIRE(store->remove("aws", k.id));
        CHECK(store->remove("aws", k.id).error().error_code() == scheduler::code::not_found);
    }
    SECTION("filters and pages, oldest first") {
        auto a = small_key("a", "na", 3);
        auto b = small_key("b", "nb", 1, "other");
        auto c = small_key("c", "nc", 2);
        c.labels["job_config_id"] = "config-1";
        auto d = small_key("d", "nd", 0, "kms", "gcp");
        auto e = small_key("e", "ne", 4);
        e.gone = true;
        auto f = small_key("f", "nf", 5);
        f.state = cckm::key_state::deleted;
        cckm::cloud_key const all[] = {a, b, c, d, e, f};
        REQUIRE(store->put_all(all));

        CHECK(ids(store->list({.cloud = "aws"}).value()) ==
              std::vector<std::string>{"b", "c", "a", "e", "f"});
        CHECK(ids(store->list({}).value()) ==
              std::vector<std::string>{"d", "b", "c", "a", "e", "f"});
        CHECK(ids(store->list({.cloud = "aws", .containers = {"other"}}).value()) ==
              std::vector<std::string>{"b"});
        CHECK(ids(store->list({.cloud = "aws", .job_config_id = "config-1"}).value()) ==
              std::vector<std::string>{"c"});
        CHECK(ids(store->list({.cloud = "aws", .include_gone = false, .include_deleted = false})
                      .value()) == std::vector<std::string>{"b", "c", "a"});
        auto page = store->list({.cloud = "aws", .skip = 1, .limit = 2}).value();
        CHECK(ids(page) == std::vector<std::string>{"c", "a"});
        CHECK(page.total == 5);
    }
    SECTION("filters by name, region, gone and state; sorts by allowed fields") {
        auto a = small_key("a", "na", 3);
        a.name = "zulu";
        a.region = "eu-west-1";
        auto b = small_key("b", "nb", 1);
        b.name = "alpha";
        b.region = "us-east-1";
        b.gone = true;
        auto c = small_key("c", "nc", 2);
        c.name = "alpha";
        c.region = "us-east-1";
        c.state = cckm::key_state::disabled;
        cckm::cloud_key const all[] = {a, b, c};
        REQUIRE(store->put_all(all));

        CHECK(ids(store->list({.name = "alpha"}).value()) == std::vector<std::string>{"b", "c"});
        CHECK(ids(store->list({.region = "eu-west-1"}).value()) == std::vector<std::string>{"a"});
        CHECK(ids(store->list({.gone = true}).value()) == std::vector<std::string>{"b"});
        CHECK(ids(store->list({.gone = false}).value()) == std::vector<std::string>{"c", "a"});
        CHECK(ids(store->list({.state = cckm::key_state::disabled}).value()) ==
              std::vector<std::string>{"c"});
        // Ties fall back to created_at, id.
        CHECK(ids(store->list({.sort = {{"name", false}}}).value()) ==
              std::vector<std::string>{"b", "c", "a"});
        CHECK(ids(store->list({.sort = {{"name", true}}}).value()) ==
              std::vector<std::string>{"a", "b", "c"});
        CHECK(ids(store->list({.sort = {{"createdAt", true}}}).value()) ==
              std::vector<std::string>{"a", "c", "b"});
        CHECK(ids(store->list({.sort = {{"gone", true}, {"id", true}}}).value()) ==
              std::vector<std::string>{"b", "c", "a"});
        auto bad = store->list({.sort = {{"body", false}}});
        REQUIRE_FALSE(bad);
        CHECK(bad.error().error_code() == scheduler::code::invalid_argument);
        CHECK(bad.error().field() == "sort");
    }
    SECTION("update is one read-modify-write; a failed change writes nothing") {
        auto k = full_key();
        REQUIRE(store->put(k));
        auto updated = store->update("aws", k.id, [](cckm::cloud_key& key) {
            key.labels.erase("job_config_id");
            return scheduler::result<void>{};
        });
        REQUIRE(updated);
        CHECK_FALSE(updated->labels.contains("job_config_id"));
        CHECK(store->get("aws", k.id).value() == *updated);
        CHECK(store->list({.job_config_id = "config-1"}).value().total == 0);

        auto refused =
            store->update("aws", k.id, [](cckm::cloud_key& key) -> scheduler::result<void> {
                key.name = "half-done";
                return scheduler::invalid_argument("name", "refused");
            });
        REQUIRE_FALSE(refused);
        CHECK(refused.error().field() == "name");
        CHECK(store->get("aws", k.id).value() == *updated);

        auto moved = store->update("aws", k.id, [](cckm::cloud_key& key) {
            key.id = "elsewhere";
            return scheduler::result<void>{};
        });
        CHECK(moved.error().error_code() == scheduler::code::invalid_argument);
        CHECK(store->get("aws", "elsewhere").error().error_code() == scheduler::code::not_found);
        CHECK(store
                  ->update("aws", "missing",
                           [](cckm::cloud_key&) { return scheduler::result<void>{}; })
                  .error()
                  .error_code() == scheduler::code::not_found);
    }
    SECTION("native ids are unique per cloud") {
        REQUIRE(store->put(small_key("a", "same", 0)));
        auto clash = store->put(small_key("b", "same", 0));
        REQUIRE_FALSE(clash);
        CHECK(clash.error().error_code() == scheduler::code::already_exists);
        CHECK(store->put(small_key("b", "same", 0, "kms", "gcp")));  // another cloud: fine
        CHECK(store->put(small_key("c", "", 0)));                    // no native id: fine
        CHECK(store->put(small_key("d", "", 0)));
    }
    SECTION("a failed batch writes nothing") {
        REQUIRE(store->put(small_key("existing", "n-existing", 0)));
        auto changed = small_key("existing", "n-existing", 0);
        changed.name = "changed";
        // The third key clashes with the native id of the first: the whole batch is refused,
        // including the new key and the change written before the clash.
        cckm::cloud_key const batch[] = {small_key("fresh", "n-fresh", 1), changed,
                                         small_key("clash", "n-fresh", 2)};
        auto r = store->put_all(batch);
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == scheduler::code::already_exists);
        CHECK(store->get("aws", "fresh").error().error_code() == scheduler::code::not_found);
        CHECK(store->get("aws", "existing").value().name.empty());
        CHECK(store->list({}).value().total == 1);
    }
    SECTION("merge_all writes over a stale read without losing a newer field") {
        auto k = small_key("m", "n-m", 0);
        REQUIRE(store->put(k));
        auto stale = store->get("aws", "m").value();  // a writer reads...
        // ...another attaches a rotation job meanwhile...
        REQUIRE(store->update("aws", "m", [](cckm::cloud_key& key) {
            key.labels["job_config_id"] = "config-9";
            return scheduler::result<void>{};
        }));
        // ...and the first writes back what it read, keeping the labels through the merge.
        stale.name = "refreshed";
        auto fresh = small_key("new", "n-new", 1);
        fresh.labels["job_config_id"] = "config-1";  // not stored yet: written as given
        cckm::cloud_key const batch[] = {stale, fresh};
        REQUIRE(store->merge_all(batch, [](cckm::cloud_key const& stored, cckm::cloud_key& in) {
            in.labels = stored.labels;
        }));
        auto const got = store->get("aws", "m").value();
        CHECK(got.name == "refreshed");
        CHECK(got.labels.at("job_config_id") == "config-9");
        CHECK(store->get("aws", "new").value().labels.at("job_config_id") == "config-1");
        // A plain put_all of the stale copy would have dropped it: the merge is what keeps it.
        cckm::cloud_key const plain[] = {stale};
        REQUIRE(store->put_all(plain));
        CHECK(store->get("aws", "m").value().labels.empty());
    }
    SECTION("keys need a cloud and an id") {
        CHECK(store->put(small_key("", "n", 0)).error().error_code() ==
              scheduler::code::invalid_argument);
        CHECK(store->put(small_key("x", "n", 0, "kms", "")).error().error_code() ==
              scheduler::code::invalid_argument);
    }
}

TEST_CASE("the sqlite key store shares the scheduler's file, in its own tables",
          "[cckm][key_store][sqlite]") {
    temp_dir dir;
    auto const path = (dir.path / "scheduler.db").string();
    auto scheduler_db = scheduler::sqlite_store::open(path).value();
    auto inventory = cckm::open_sqlite_key_store(path, "inventory").value();
    auto sim = cckm::open_sqlite_key_store(path, "sim").value();

    auto const k = full_key();
    REQUIRE(inventory->put(k));
    CHECK(sim->list({}).value().total == 0);  // realms are separate collections
    REQUIRE(sim->put(k));                     // and may hold the same ids

    scheduler::job_config c;
    c.id = "c1";
    c.name = "config beside keys";
    c.operation = "database_backup";
    c.run_at = "0 1 * * *";
    c.created_at = c.updated_at = t0();
    REQUIRE(scheduler_db->insert_config(c));
    CHECK(scheduler_db->integrity_check());

    inventory.reset();
    auto reopened = cckm::open_sqlite_key_store(path, "inventory").value();
    CHECK(reopened->get("aws", k.id).value() == k);
    CHECK(scheduler_db->get_config("c1").value().name == "config beside keys");
}

TEST_CASE("the sqlite key store reports a file it cannot open", "[cckm][key_store][sqlite]") {
    auto r = cckm::open_sqlite_key_store("/nonexistent-dir/for/sure/keys.db");
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == scheduler::code::unavailable);
}
