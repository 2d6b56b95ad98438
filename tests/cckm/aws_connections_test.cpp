// SPDX-License-Identifier: Apache-2.0
// AWS connections: validation naming each field, the SQLite store with sealed secrets (never
// in the file in clear, refused when altered, kept across a reopen), and the router that puts
// several connections and the simulated AWS cloud behind the one "aws" provider: paging across
// them, per-key calls reaching the connection that holds the key, removal.
#include "fake_kms.hpp"
#include "provider_fixture.hpp"

#include <cckm/aws/connections.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <sys/stat.h>

using namespace cckm_test;
using cckm::aws::connection_router;
using cckm::aws::connection_spec;
using scheduler::code;

namespace fs = std::filesystem;

namespace {

cckm::aws::credentials const creds{"AKIDCONNTEST", "conn/test/Secret+Key-42", ""};

struct temp_dir {
    fs::path path =
        fs::temp_directory_path() / ("cckm-conn-test-" + std::to_string(std::random_device{}()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    [[nodiscard]] std::string db() const { return (path / "scheduler.db").string(); }
};

connection_spec spec_for(std::string name, std::string const& url) {
    return {std::move(name), "111122223333", {"eu-west-1"}, url, creds};
}

// Providers over the fake endpoints: no real sleeps between retries.
cckm::aws::kms_provider_factory test_factory(scheduler::clock& clock) {
    cckm::aws::kms_provider_options o;
    o.sleep = [](std::chrono::milliseconds) {};
    return cckm::aws::default_kms_factory(clock, o);
}

std::string file_text(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("aws connections: validation names the field", "[aws][connections]") {
    auto const good = spec_for("prod", "");
    REQUIRE(cckm::aws::validate(good).has_value());
    auto field_of = [](connection_spec const& s) {
        auto r = cckm::aws::validate(s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().error_code() == code::invalid_argument);
        CHECK(r.error().message().find(creds.secret_access_key) == std::string::npos);
        return r.error().field();
    };
    auto s = good;
    s.name = "";
    CHECK(field_of(s) == "name");
    s.name = ".hidden";
    CHECK(field_of(s) == "name");
    s.name = "a/b";
    CHECK(field_of(s) == "name");
    s = good;
    s.account_id = "11112222333x";
    CHECK(field_of(s) == "account_id");
    s = good;
    s.regions = {};
    CHECK(field_of(s) == "regions");
    for (char const* bad : {"eu-west", "EU-west-1", "eu--west-1", "-eu-1", "eu-west-1 "}) {
        s.regions = {bad};
        INFO(bad);
        CHECK(field_of(s) == "regions");
    }
    s.regions = {"eu-west-1", "eu-west-1"};
    CHECK(field_of(s) == "regions");
    s.regions = {"us-gov-west-1", "ap-southeast-2", "il-central-1"};
    CHECK(cckm::aws::validate(s).has_value());
    s = good;
    s.endpoint_url = "http://kms.example.com";  // plain HTTP only to loopback
    CHECK(field_of(s) == "endpoint_url");
    s.endpoint_url = "https://kms.example.com/path";
    CHECK(field_of(s) == "endpoint_url");
    s = good;
    s.creds->access_key_id = "has space";
    CHECK(field_of(s) == "access_key_id");
    s = good;
    s.creds->secret_access_key = "";
    CHECK(field_of(s) == "secret_access_key");
    s = good;
    s.creds = std::nullopt;  // default chain: valid
    CHECK(cckm::aws::validate(s).has_value());
}

TEST_CASE("aws connections: stored sealed, listed without secrets, kept across a reopen",
          "[aws][connections]") {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    fake_kms kms{creds, clock};
    kms.add_key("one", {"alias/one"});
    kms.add_key("two");
    kms.add_key("three");
    temp_dir dir;

    {
        connection_router router;
        auto conns = cckm::aws::open_kms_connections(dir.db(), dir.path.string(), router,
                                                     test_factory(clock), clock)
                         .value();
        auto added = conns->add(spec_for("prod", kms.url()));
        REQUIRE(added.has_value());
        CHECK(added->credential_source == "static");
        CHECK(added->access_key_id == creds.access_key_id);
        CHECK(router.connections() == std::vector<std::string>{"prod"});

        auto dup = conns->add(spec_for("prod", kms.url()));
        REQUIRE_FALSE(dup.has_value());
        CHECK(dup.error().error_code() == code::already_exists);
        CHECK(dup.error().field() == "name");

        CHECK(conns->get("prod")->id == added->id);
        CHECK(conns->get(added->id)->name == "prod");
        CHECK(conns->get("nope").error().error_code() == code::not_found);
        CHECK(conns->list()->size() == 1);

        // Temporary credentials: the session token is sealed with the secret.
        auto temp = spec_for("temporary", kms.url());
        temp.creds->session_token = "session/Token+Value-77";
        auto with_token = conns->add(temp);
        REQUIRE(with_token.has_value());
        CHECK(with_token->has_session_token);

        auto page = router.list_keys({{"prod"}, 0, 100});
        REQUIRE(page.has_value());
        CHECK(page->total == 3);
    }

    // On disk: the key file is 0600 and the secret is nowhere in clear.
    struct stat st {};
    REQUIRE(::stat((dir.path / "connection-secrets.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    for (auto const& e : fs::directory_iterator(dir.path)) {
        INFO(e.path());
        CHECK(file_text(e.path()).find(creds.secret_access_key) == std::string::npos);
        CHECK(file_text(e.path()).find("session/Token+Value-77") == std::string::npos);
    }

    // Reopened: the connection is routed again with its unsealed secret (the fake checks it).
    {
        connection_router router;
        std::vector<std::string> warnings;
        auto conns = cckm::aws::open_kms_connections(
                         dir.db(), dir.path.string(), router, test_factory(clock), clock,
                         [&](std::string const& w) { warnings.push_back(w); })
                         .value();
        CHECK(warnings.empty());  // both unsealed, the session token too
        CHECK(router.connections() == std::vector<std::string>{"prod", "temporary"});
        auto page = router.list_keys({{"prod"}, 0, 100});
        REQUIRE(page.has_value());
        CHECK(page->total == 3);
        CHECK(kms.bad_signatures() == 0);

        REQUIRE(conns->remove("prod").has_value());
        REQUIRE(conns->remove("temporary").has_value());
        CHECK(router.connections().empty());
        CHECK(conns->remove("prod").error().error_code() == code::not_found);
        CHECK(conns->list()->empty());
    }
}

TEST_CASE("aws connections: an altered sealed secret is refused, not used", "[aws][connections]") {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    fake_kms kms{creds, clock};
    temp_dir dir;
    {
        connection_router router;
        auto conns = cckm::aws::open_kms_connections(dir.db(), dir.path.string(), router,
                                                     test_factory(clock), clock)
                         .value();
        REQUIRE(conns->add(spec_for("prod", kms.url())).has_value());
        REQUIRE(conns->add(spec_for("other", kms.url())).has_value());
    }
    {
        // Swap the two sealed blobs: each is bound to its own connection id.
        SQLite::Database db(dir.db(), SQLite::OPEN_READWRITE);
        std::vector<std::pair<std::string, std::string>> rows;  // id, sealed secret
        SQLite::Statement read(db, "SELECT id, secret FROM cckm_aws_connections");
        while (read.executeStep())
            rows.emplace_back(read.getColumn(0).getString(), read.getColumn(1).getString());
        REQUIRE(rows.size() == 2);
        for (std::size_t i = 0; i < 2; ++i) {
            SQLite::Statement write(db,
                                    "UPDATE cckm_aws_connections SET secret = ?1 WHERE id = ?2");
            auto const& blob = rows[1 - i].second;
            write.bind(1, blob.data(), static_cast<int>(blob.size()));
            write.bind(2, rows[i].first);
            REQUIRE(write.exec() == 1);
        }
    }
    connection_router router;
    std::vector<std::string> warnings;
    auto conns = cckm::aws::open_kms_connections(
        dir.db(), dir.path.string(), router, test_factory(clock), clock,
        [&](std::string const& w) { warnings.push_back(w); });
    REQUIRE(conns.has_value());  // the server still starts
    CHECK(warnings.size() == 2);
    for (auto const& w : warnings) {
        CHECK(w.find("do not open") != std::string::npos);
        CHECK(w.find(creds.secret_access_key) == std::string::npos);
    }
    CHECK(router.connections().empty());
    // Not silently empty: a listing that includes them fails, naming the connection.
    auto listed = router.list_keys({});
    REQUIRE_FALSE(listed.has_value());
    CHECK(listed.error().error_code() == code::failed_precondition);
    CHECK(listed.error().message().find("is not in use") != std::string::npos);

    // Deleting them clears that; an unreadable row is listed (so it can be found) and deletable.
    REQUIRE(conns->get()->remove("other").has_value());
    {
        SQLite::Database db(dir.db(), SQLite::OPEN_READWRITE);
        db.exec("UPDATE cckm_aws_connections SET body = 'not json' WHERE name = 'prod'");
    }
    auto shown = conns->get()->list();
    REQUIRE(shown.has_value());
    REQUIRE(shown->size() == 1);
    CHECK(shown->front().credential_source == "unreadable");
    REQUIRE(conns->get()->remove("prod").has_value());
    CHECK(router.list_keys({}).error().message().find("no AWS connection") != std::string::npos);
}

TEST_CASE("aws connections: default credentials come from the environment or are refused",
          "[aws][connections]") {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    temp_dir dir;
    connection_router router;
    auto conns = cckm::aws::open_kms_connections(dir.db(), dir.path.string(), router,
                                                 test_factory(clock), clock)
                     .value();
    auto s = spec_for("envless", "");
    s.creds = std::nullopt;
    // Point the shared-credentials lookup at nothing, and clear the key variables.
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir.path / "no-such-file").c_str(), 1);
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    auto refused = conns->add(s);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().field() == "access_key_id");
    CHECK(conns->list()->empty());

    ::setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "from/env/secret", 1);
    auto added = conns->add(s);
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    REQUIRE(added.has_value());
    CHECK(added->credential_source == "default");
    CHECK(added->access_key_id.empty());
}

TEST_CASE("connection router: pages across connections and the fallback, routes each key",
          "[aws][connections][router]") {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    fake_kms east{creds, clock, 2, "us-east-1"};
    fake_kms west{creds, clock, 2, "eu-west-1"};
    std::vector<std::string> east_ids, west_ids;
    for (int i = 0; i < 3; ++i) east_ids.push_back(east.add_key("east " + std::to_string(i)));
    for (int i = 0; i < 2; ++i) west_ids.push_back(west.add_key("west " + std::to_string(i)));

    // The simulated AWS cloud as the fallback, with its demo keys.
    auto sim_state = cckm::make_in_memory_key_store();
    cckm::provider_registry sims;
    cckm::add_simulated_providers(sims, *sim_state, clock).value();
    auto const demo = cckm::seed_demo_keys(sims).value();
    REQUIRE(demo > 0);
    std::shared_ptr<cckm::cloud_provider> simulated = sims.release("aws");
    REQUIRE(simulated);
    auto const sim_total = simulated->list_keys({}).value().total;

    connection_router router(simulated);
    auto factory = test_factory(clock);
    auto make = [&](std::string name, std::string region, fake_kms& kms) {
        auto p = factory({std::move(name), "111122223333", region, kms.url(), creds});
        REQUIRE(p.has_value());
        return connection_router::regional_provider{
            region, std::shared_ptr<cckm::cloud_provider>(std::move(*p))};
    };
    router.set_connection("b-east", {make("b-east", "us-east-1", east)});
    router.set_connection("a-west", {make("a-west", "eu-west-1", west)});

    // Pages of 2 over everything: connections by name, then the fallback; no key twice.
    std::vector<std::string> seen;
    std::size_t total = 0;
    for (std::size_t skip = 0;; skip += 2) {
        auto page = router.list_keys({{}, skip, 2});
        REQUIRE(page.has_value());
        total = page->total;
        for (auto const& k : page->keys) seen.push_back(k.native_id);
        if (page->keys.empty()) break;
    }
    CHECK(total == 5 + sim_total);
    CHECK(seen.size() == total);
    std::vector<std::string> const first5(seen.begin(), seen.begin() + 5);
    std::vector<std::string> expected;
    for (auto const& id : west_ids) expected.push_back(west.arn(id));
    for (auto const& id : east_ids) expected.push_back(east.arn(id));
    CHECK(first5 == expected);
    // The two endpoints use the same key ids (as a multi-region key does in each region).
    CHECK(west_ids[0] == east_ids[0]);

    // A container selects one connection.
    auto only_east = router.list_keys({{"b-east"}, 0, 100}).value();
    CHECK(only_east.total == 3);
    for (auto const& k : only_east.keys) CHECK(k.container == "b-east");

    // Per-key calls reach the holder, also for a router that has not listed them yet.
    connection_router fresh(simulated);
    fresh.set_connection("b-east", {make("b-east", "us-east-1", east)});
    fresh.set_connection("a-west", {make("a-west", "eu-west-1", west)});
    // Same id in both regions: the ARN decides, and only that region's key changes.
    auto disabled = fresh.set_enabled(west.arn(west_ids[1]), false);
    REQUIRE(disabled.has_value());
    CHECK(west.get(west_ids[1])->state == "Disabled");
    CHECK(east.get(east_ids[1])->state == "Enabled");
    CHECK(fresh.get_key(east.arn(east_ids[1]))->state == cckm::key_state::enabled);
    CHECK(fresh.get_key(west.arn(west_ids[1]))->state == cckm::key_state::disabled);
    auto sim_key = simulated->list_keys({}).value().keys.front();
    CHECK(fresh.get_key(sim_key.native_id)->container == sim_key.container);
    CHECK(fresh.get_key("no-such-key").error().error_code() == code::not_found);

    // create_key goes to the connection its container names.
    cckm::key_spec spec;
    spec.name = "made";
    spec.container = "b-east";
    auto made = fresh.create_key(spec);
    REQUIRE(made.has_value());
    CHECK(east.get(made->native_id).has_value());
    spec.region = "ap-south-1";
    CHECK(fresh.create_key(spec).error().field() == "region");

    // Removed: its keys are no longer reachable, the rest still are.
    CHECK(fresh.remove_connection("b-east"));
    CHECK_FALSE(fresh.remove_connection("b-east"));
    CHECK(fresh.list_keys({{"b-east"}, 0, 100}).value().total == 0);
    CHECK(fresh.get_key(east.arn(east_ids[0])).error().error_code() == code::not_found);
    CHECK(fresh.get_key(west.arn(west_ids[0])).has_value());
}

TEST_CASE("connection router: without connections or fallback a call says what to do",
          "[aws][connections][router]") {
    connection_router router;
    auto r = router.get_key("k");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().error_code() == code::failed_precondition);
    CHECK(r.error().message().find("/api/v1/cckm/aws/kms") != std::string::npos);
    // An empty listing would read as "every AWS key is gone" to a synchronization.
    auto listed = router.list_keys({});
    REQUIRE_FALSE(listed.has_value());
    CHECK(listed.error().error_code() == code::failed_precondition);
}
