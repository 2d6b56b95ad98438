// SPDX-License-Identifier: Apache-2.0
// An AWS bulk job through the real schedulerd: a cckm_synchronization run brings the simulated
// AWS demo keys into the inventory, a bulk disable of some of them runs in the background, and
// polling the job shows it completed with "Success" per key; the keys are disabled.
#include "support/catch.hpp"
#include "support/e2e_api.hpp"
#include "support/server_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

constexpr char const* bulk = "/api/v1/cckm/aws/bulkjob";

// The inventory's AWS key ids and states, read from the server's database (the key inventory
// endpoints are another area's; the file is the inventory's truth either way).
std::vector<std::pair<std::string, std::string>> aws_inventory(std::string const& db_path) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    SQLite::Statement st(db,
                         "SELECT id, state FROM cckm_keys WHERE realm = 'inventory' AND cloud = "
                         "'aws' ORDER BY created_at, id");
    std::vector<std::pair<std::string, std::string>> out;
    while (st.executeStep())
        out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
    return out;
}

}  // namespace

TEST_CASE("an AWS bulk disable of synchronized keys completes", "[e2e][bulk]") {
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;

    // Synchronize: run-now of a cckm_synchronization config for aws.
    auto synced = scheduler_test::run_config_now(
        cli, token,
        json::object{{"name", "sync aws"},
                     {"operation", "cckm_synchronization"},
                     {"cckm_synchronization_params",
                      json::object{{"cloud_name", "aws"}, {"synchronize_all", true}}}});
    INFO(json::serialize(synced));
    REQUIRE(synced.at("status") == "completed");

    auto keys = aws_inventory(srv.data_dir() + "/scheduler.db");
    json::array chosen;
    for (auto const& [id, state] : keys)
        if (state == "enabled" && chosen.size() < 3) chosen.emplace_back(id);
    REQUIRE(chosen.size() >= 2);

    // A bad request first: an unknown key id is named, nothing is created.
    auto refused = cli.request(verb::post, bulk,
                               json::object{{"operation", "disablekey"},
                                            {"keys", json::array{keys[0].first, "no-such-key"}}},
                               token);
    CHECK(refused.status == 400);
    CHECK(refused.text.find("no-such-key") != std::string::npos);

    auto job = cli.request(verb::post, bulk,
                           json::object{{"operation", "disablekey"}, {"keys", chosen}}, token);
    INFO(job.text);
    REQUIRE(job.status == 201);
    CHECK(job.body.at("overall_status") == "in_progress");
    std::string const job_id(job.body.at("id").as_string());

    auto done = scheduler_test::wait_settled(cli, token, std::string(bulk) + "/" + job_id,
                                             "overall_status");
    INFO(json::serialize(done));
    CHECK(done.at("overall_status") == "completed");
    CHECK(done.at("abort") == false);
    for (auto const& id : chosen) CHECK(done.at("detailed_status").at(id.as_string()) == "Success");

    // The chosen keys are disabled in the inventory; the others kept their state.
    auto after = aws_inventory(srv.data_dir() + "/scheduler.db");
    REQUIRE(after.size() == keys.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        bool const was_chosen =
            std::find(chosen.begin(), chosen.end(), json::value(after[i].first)) != chosen.end();
        CHECK(after[i].second == (was_chosen ? std::string("disabled") : keys[i].second));
    }

    // Cancelling a finished job only records the wish: its status stays (seeds/001).
    auto cancelled =
        cli.request_text(verb::post, std::string(bulk) + "/" + job_id + "/cancel", "", token, "");
    INFO(cancelled.text);
    CHECK(cancelled.status == 200);
    CHECK(cancelled.body.at("abort") == true);
    CHECK(cancelled.body.at("overall_status") == "completed");

    auto list =
        cli.request(verb::get, std::string(bulk) + "?overall_status=completed", nullptr, token);
    REQUIRE(list.status == 200);
    CHECK(list.body.at("total") == 1);
    CHECK(srv.stop() == 0);
}

TEST_CASE("SAP key jobs and Azure bulk jobs run through the server", "[e2e][bulk]") {
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;
    for (char const* cloud : {"sap", "AzureCloud"}) {
        auto synced = scheduler_test::run_config_now(
            cli, token,
            json::object{{"name", std::string("sync ") + cloud},
                         {"operation", "cckm_synchronization"},
                         {"cckm_synchronization_params",
                          json::object{{"cloud_name", cloud}, {"synchronize_all", true}}}});
        REQUIRE(synced.at("status") == "completed");
    }
    auto first_key = [&](std::string const& segment) {
        auto r =
            cli.request(verb::get, "/api/v1/cckm/" + segment + "/keys?limit=1", nullptr, token);
        INFO(r.text);
        REQUIRE(r.status == 200);
        REQUIRE(r.body.at("total").as_int64() > 0);
        return r.body.at("resources").at(0).as_object();
    };

    // SAP: delete keeping a backup; PENDING -> ... -> COMPLETED (seeds/002).
    std::string const sap_jobs = "/api/v1/cckm/sap/keys/jobs";
    std::string const sap_key(first_key("sap").at("id").as_string());
    auto bad = cli.request(verb::post, sap_jobs,
                           json::object{{"id", sap_key}, {"operation", "rotate"}}, token);
    CHECK(bad.status == 400);
    CHECK(bad.body.at("field") == "operation");
    auto sap = cli.request(
        verb::post, sap_jobs,
        json::object{{"id", sap_key}, {"operation", "delete"}, {"delete_if_backup_fails", true}},
        token);
    INFO(sap.text);
    REQUIRE(sap.status == 201);
    std::string const sap_job(sap.body.at("id").as_string());
    json::value state;
    for (int i = 0; i < 400; ++i) {
        auto r = cli.request(verb::get, sap_jobs + "/" + sap_job, nullptr, token);
        REQUIRE(r.status == 200);
        state = r.body.at("state");
        if (state != "PENDING" && state != "IN_PROGRESS") break;
        ::usleep(25'000);  // a real process: there is no clock to move
    }
    CHECK(state == "COMPLETED");
    CHECK(cli.request(verb::get, sap_jobs + "?state=COMPLETED", nullptr, token).body.at("total") ==
          1);

    // Azure: mutually exclusive selectors are refused naming the block; a vault's backups go.
    std::string const azure_jobs = "/api/v1/cckm/azure/bulkjobs";
    auto const azure_key = first_key("azure");
    std::string const vault(azure_key.at("azure_param").at("key_vault").as_string());
    auto refused = cli.request(
        verb::post, azure_jobs,
        json::object{{"operation", "delete-key-backups"},
                     {"delete_key_backups_param",
                      json::object{{"key_id", azure_key.at("id")}, {"vault_id", vault}}}},
        token);
    CHECK(refused.status == 400);
    CHECK(refused.body.at("field") == "delete_key_backups_param");
    CHECK(cli.request(verb::get, azure_jobs, nullptr, token).body.at("total") == 0);
    auto azure = cli.request(
        verb::post, azure_jobs,
        json::object{{"operation", "delete-key-backups"},
                     {"delete_key_backups_param", json::object{{"key_id", azure_key.at("id")}}}},
        token);
    INFO(azure.text);
    REQUIRE(azure.status == 201);
    std::string const azure_job(azure.body.at("id").as_string());
    auto done =
        scheduler_test::wait_settled(cli, token, azure_jobs + "/" + azure_job, "overall_status");
    INFO(json::serialize(done));
    CHECK(done.at("overall_status") == "completed");
    auto cancelled =
        cli.request_text(verb::post, azure_jobs + "/" + azure_job + "/cancel", "", token, "");
    CHECK(cancelled.status == 200);
    CHECK(cancelled.body.at("abort") == true);
    CHECK(cli.request(verb::delete_, azure_jobs + "/" + azure_job, nullptr, token).status == 204);
    CHECK(cli.request(verb::get, azure_jobs + "/" + azure_job, nullptr, token).status == 404);
    CHECK(srv.stop() == 0);
}
