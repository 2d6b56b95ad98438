// SPDX-License-Identifier: Apache-2.0
// An AWS connection through the real schedulerd, against the fake KMS endpoint of the tests
// (127.0.0.1, every request's SigV4 signature checked, pages of 2, throttling on demand):
// the connection API refuses bad input and never shows the secret, a synchronization imports
// the account's keys, a rotation config with retain_alias makes a new key and moves the alias,
// an AWS bulk job disables keys in KMS, a restart keeps the connection (its secret sealed on
// disk), and a deleted connection is no longer used.
#include "../cckm/fake_kms.hpp"
#include "support/catch.hpp"
#include "support/e2e_api.hpp"
#include "support/server_process.hpp"

#include <scheduler/clock.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

constexpr char const* kms_path = "/api/v1/cckm/aws/kms";
constexpr char const* aws_keys = "/api/v1/cckm/aws/keys";
cckm::aws::credentials const creds{"AKIDE2EKMS", "e2e/Secret+Access/Key-0123456789", ""};

json::object connection_body(std::string const& url) {
    return {{"name", "prod"},
            {"account_id", "111122223333"},
            {"regions", json::array{"eu-west-1"}},
            {"endpoint_url", url},
            {"access_key_id", creds.access_key_id},
            {"secret_access_key", creds.secret_access_key}};
}

// The inventory keys of connection `name` (their `kms` container), by native KeyID.
std::map<std::string, json::object> connection_keys(scheduler_test::http_client const& cli,
                                                    std::string const& token,
                                                    std::string const& name) {
    auto r = cli.request(verb::get, std::string(aws_keys) + "?limit=-1", nullptr, token);
    INFO(r.text);
    REQUIRE(r.status == 200);
    std::map<std::string, json::object> out;
    for (auto const& k : r.body.at("resources").as_array())
        if (k.at("kms") == json::value(name))
            out[std::string(k.at("aws_param").at("KeyID").as_string())] = k.as_object();
    return out;
}

// True when any file under `dir` contains `needle`.
bool any_file_contains(std::string const& dir, std::string const& needle) {
    for (auto const& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (ss.str().find(needle) != std::string::npos) return true;
    }
    return false;
}

std::string sync_config(scheduler_test::http_client const& cli, std::string const& token) {
    auto r = cli.request(
        verb::post, scheduler_test::configs_path,
        json::object{{"name", "sync prod"},
                     {"operation", "cckm_synchronization"},
                     {"run_at", "0 1 * * *"},
                     {"cckm_synchronization_params",
                      json::object{{"cloud_name", "aws"}, {"kms", json::array{"prod"}}}}},
        token);
    INFO(r.text);
    REQUIRE(r.status == 201);
    return std::string(r.body.at("id").as_string());
}

json::value run_now(scheduler_test::http_client const& cli,
                    std::string const& token,
                    std::string const& config) {
    auto run = cli.request_text(
        verb::post, std::string(scheduler_test::configs_path) + "/" + config + "/run-now", "",
        token, "");
    INFO(run.text);
    REQUIRE(run.status == 201);
    return scheduler_test::wait_settled(
        cli, token,
        std::string(scheduler_test::jobs_path) + "/" + std::string(run.body.at("id").as_string()));
}

}  // namespace

TEST_CASE("an AWS connection: synchronize, rotate and bulk-disable real keys through KMS",
          "[e2e][aws_kms]") {
    scheduler::system_clock_source clock;
    cckm_test::fake_kms kms{creds, clock};
    std::string const payments = kms.add_key("payments", {"alias/payments"});
    std::string const reports = kms.add_key("reports", {"alias/reports"});
    std::string const archive = kms.add_key("archive");

    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;

    {
        // Each refusal names its field; nothing is stored.
        auto bad = [&](json::object body, std::string const& field) {
            auto r = cli.request(verb::post, kms_path, body, token);
            INFO(field << ": " << r.text);
            CHECK(r.status == 400);
            CHECK(r.body.at("field") == json::value(field));
            CHECK(r.text.find(creds.secret_access_key) == std::string::npos);
        };
        auto body = connection_body(kms.url());
        auto with = [&](std::string const& k, json::value v) {
            auto b = body;
            b[k] = std::move(v);
            return b;
        };
        bad(with("name", "../etc"), "name");
        bad(with("account_id", "1234"), "account_id");
        bad(with("regions", "eu-west-1"), "regions");
        bad(with("regions", json::array{"EU West"}), "regions");
        bad(with("regions", json::array{}), "regions");
        bad(with("endpoint_url", "ftp://kms.example"), "endpoint_url");
        bad(with("endpoint_url", "http://kms.example.com"), "endpoint_url");  // http: loopback only
        bad(with("secret_access_key", 42), "secret_access_key");
        auto no_id = body;
        no_id.erase("access_key_id");
        bad(no_id, "access_key_id");
        auto no_secret = body;
        no_secret.erase("secret_access_key");
        bad(no_secret, "secret_access_key");
        CHECK(cli.request_text(verb::post, kms_path, "{not json", token).status == 400);
        CHECK(cli.request(verb::get, kms_path, nullptr, token).body.at("total") == 0);
    }

    // Added: shown without the secret; a second one by the same name is a conflict.
    auto added = cli.request(verb::post, kms_path, connection_body(kms.url()), token);
    INFO(added.text);
    REQUIRE(added.status == 201);
    CHECK(added.body.at("name") == "prod");
    CHECK(added.body.at("account_id") == "111122223333");
    CHECK(added.body.at("credential_source") == "static");
    CHECK(added.body.at("access_key_id") == json::value(creds.access_key_id));
    CHECK_FALSE(added.body.as_object().contains("secret_access_key"));
    CHECK(added.text.find(creds.secret_access_key) == std::string::npos);
    std::string const conn_id(added.body.at("id").as_string());
    CHECK(cli.request(verb::post, kms_path, connection_body(kms.url()), token).status == 409);
    auto listed = cli.request(verb::get, std::string(kms_path) + "?sort=name", nullptr, token);
    REQUIRE(listed.status == 200);
    CHECK(listed.body.at("total") == 1);
    CHECK(listed.text.find(creds.secret_access_key) == std::string::npos);
    CHECK(cli.request(verb::get, std::string(kms_path) + "/prod", nullptr, token).status == 200);
    CHECK(cli.request(verb::get, std::string(kms_path) + "/" + conn_id, nullptr, token).status ==
          200);
    CHECK(cli.request(verb::get, std::string(kms_path) + "?sort=secret", nullptr, token).status ==
          400);

    // Synchronize the connection: the account's three keys, paged by 2 and throttled once.
    kms.throttle_next(1);
    auto const sync = sync_config(cli, token);
    auto synced = run_now(cli, token, sync);
    INFO(json::serialize(synced));
    REQUIRE(synced.at("status") == "completed");
    auto keys = connection_keys(cli, token, "prod");
    REQUIRE(keys.size() == 3);
    REQUIRE(keys.count(payments) == 1);
    CHECK(keys.at(payments).at("aws_param").at("Alias").at(0) == "alias/payments");
    CHECK(keys.at(payments).at("region") == "eu-west-1");

    // Rotate "payments" with retain_alias: a new key takes the alias, the old one keeps
    // alias/payments-<timestamp>.
    auto rotation = cli.request(
        verb::post, scheduler_test::configs_path,
        json::object{{"name", "rotate prod"},
                     {"operation", "cckm_key_rotation"},
                     {"run_at", "0 1 * * *"},
                     {"cckm_key_rotation_params",
                      json::object{{"cloud_name", "aws"},
                                   {"aws_param", json::object{{"retain_alias", true}}}}}},
        token);
    INFO(rotation.text);
    REQUIRE(rotation.status == 201);
    std::string const rotation_id(rotation.body.at("id").as_string());
    std::string const payments_key(keys.at(payments).at("id").as_string());
    auto attached =
        cli.request(verb::post, std::string(aws_keys) + "/" + payments_key + "/enable-rotation-job",
                    json::object{{"job_config_id", rotation_id}}, token);
    INFO(attached.text);
    REQUIRE(attached.status == 200);
    auto rotated = run_now(cli, token, rotation_id);
    INFO(json::serialize(rotated));
    REQUIRE(rotated.at("status") == "completed");
    auto const aliases = kms.aliases();
    REQUIRE(aliases.count("alias/payments") == 1);
    std::string const new_key = aliases.at("alias/payments");
    CHECK(new_key != payments);
    CHECK(kms.get(new_key).has_value());
    bool retained = false;
    for (auto const& [alias, target] : aliases)
        if (alias.starts_with("alias/payments-") && target == payments) retained = true;
    CHECK(retained);
    CHECK(kms.get(payments)->state == "Enabled");  // archived, still decrypts old ciphertexts

    // Bulk disable "reports" and "archive" through the AWS bulk job.
    auto job = cli.request(
        verb::post, "/api/v1/cckm/aws/bulkjob",
        json::object{{"operation", "disablekey"},
                     {"keys", json::array{keys.at(reports).at("id"), keys.at(archive).at("id")}}},
        token);
    INFO(job.text);
    REQUIRE(job.status == 201);
    auto done = scheduler_test::wait_settled(
        cli, token, "/api/v1/cckm/aws/bulkjob/" + std::string(job.body.at("id").as_string()),
        "overall_status");
    INFO(json::serialize(done));
    CHECK(done.at("overall_status") == "completed");
    CHECK(kms.get(reports)->state == "Disabled");
    CHECK(kms.get(archive)->state == "Disabled");
    CHECK(kms.bad_signatures() == 0);

    // The secret is on disk only sealed, and never in the logs.
    CHECK_FALSE(any_file_contains(srv.temp_dir(), creds.secret_access_key));
    CHECK(srv.stdout_text().find(creds.secret_access_key) == std::string::npos);
    CHECK(srv.stderr_text().find(creds.secret_access_key) == std::string::npos);

    // A restart unseals it: the connection still works (a new sync sees the rotated key).
    srv.restart();
    cli = srv.client();  // a new port
    std::string const token2 = cli.login("admin", srv.admin_password());
    auto resynced = run_now(cli, token2, sync);
    INFO(json::serialize(resynced));
    REQUIRE(resynced.at("status") == "completed");
    CHECK(connection_keys(cli, token2, "prod").count(new_key) == 1);

    // Deleted: gone from the API and no longer used.
    CHECK(cli.request(verb::delete_, std::string(kms_path) + "/prod", nullptr, token2).status ==
          204);
    CHECK(cli.request(verb::get, std::string(kms_path) + "/prod", nullptr, token2).status == 404);
    CHECK(cli.request(verb::delete_, std::string(kms_path) + "/prod", nullptr, token2).status ==
          404);
    auto const calls = kms.operations().size();
    auto after = run_now(cli, token2, sync);
    CHECK(after.at("status") == "completed");
    CHECK(kms.operations().size() == calls);
    CHECK(srv.stop() == 0);
}
