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
    auto options = scheduler_test::fast_server_options();
    options.tls = false;
    scheduler_test::server_process srv{SCHEDULERD_PATH, options};
    srv.start();
    auto cli = srv.client();
    std::string const token = cli.login("admin", srv.admin_password());

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

    auto list =
        cli.request(verb::get, std::string(bulk) + "?overall_status=completed", nullptr, token);
    REQUIRE(list.status == 200);
    CHECK(list.body.at("total") == 1);
    CHECK(srv.stop() == 0);
}
