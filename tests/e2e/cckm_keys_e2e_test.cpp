// SPDX-License-Identifier: Apache-2.0
// The key inventory through the real schedulerd: a cckm_synchronization run brings the
// simulated AWS demo keys into the inventory, GET /cckm/aws/keys lists them in the shape of
// seeds/004, and enable/disable-rotation-job attach one to a rotation config and detach it.
#include "support/catch.hpp"
#include "support/e2e_api.hpp"
#include "support/server_process.hpp"

#include <boost/json/serialize.hpp>

#include <string>

#include <unistd.h>

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

using scheduler_test::configs_path;
std::string const aws_keys = "/api/v1/cckm/aws/keys";

std::string create_config(scheduler_test::http_client const& cli,
                          std::string const& token,
                          std::string const& name,
                          std::string const& operation,
                          json::object params) {
    auto r = cli.request(verb::post, configs_path,
                         json::object{{"name", name},
                                      {"operation", operation},
                                      {"run_at", "0 1 * * *"},
                                      {operation + "_params", std::move(params)}},
                         token);
    INFO(r.text);
    REQUIRE(r.status == 201);
    return std::string(r.body.at("id").as_string());
}

}  // namespace

TEST_CASE("synchronized AWS keys are listed and attached to a rotation job", "[e2e][cckm_keys]") {
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;

    // Before any synchronization the inventory is empty.
    auto empty = cli.request(verb::get, aws_keys, nullptr, token);
    INFO(empty.text);
    REQUIRE(empty.status == 200);
    CHECK(empty.body.at("total") == 0);

    auto sync = create_config(cli, token, "sync aws", "cckm_synchronization",
                              {{"cloud_name", "aws"}, {"synchronize_all", true}});
    auto run = cli.request_text(verb::post, std::string(configs_path) + "/" + sync + "/run-now", "",
                                token, "");
    REQUIRE(run.status == 201);
    auto synced = scheduler_test::wait_settled(
        cli, token,
        std::string(scheduler_test::jobs_path) + "/" + std::string(run.body.at("id").as_string()));
    INFO(json::serialize(synced));
    REQUIRE(synced.at("status") == "completed");

    auto list = cli.request(verb::get, aws_keys + "?limit=2&sort=-createdAt", nullptr, token);
    INFO(list.text);
    REQUIRE(list.status == 200);
    CHECK(list.body.at("total") == 4);  // the simulated cloud's demo keys
    CHECK(list.body.at("limit") == 2);
    REQUIRE(list.body.at("resources").as_array().size() == 2);
    auto const& first = list.body.at("resources").at(0);
    std::string const key_id(first.at("id").as_string());
    CHECK(first.at("uri").as_string() == "kylo:kylo:cckm:aws-key:" + key_id);
    CHECK(first.at("cloud_name") == "aws");
    CHECK(first.at("aws_param").at("KeyState") == "Enabled");
    CHECK(first.at("aws_param").at("Arn").as_string().starts_with("arn:aws:kms:"));
    // Another cloud's list does not show AWS keys; an unknown cloud is 404.
    CHECK(cli.request(verb::get, "/api/v1/cckm/azure/keys", nullptr, token).body.at("total") == 0);
    CHECK(cli.request(verb::get, "/api/v1/cckm/ibm/keys", nullptr, token).status == 404);
    CHECK(cli.request(verb::get, aws_keys + "?sort=policy", nullptr, token).status == 400);

    auto rotation = create_config(cli, token, "rotate aws", "cckm_key_rotation",
                                  {{"cloud_name", "aws"}, {"rotation_after", "90d"}});
    auto const key = aws_keys + "/" + key_id;
    auto refused = cli.request(verb::post, key + "/enable-rotation-job",
                               json::object{{"job_config_id", sync}}, token);
    CHECK(refused.status == 400);
    CHECK(refused.body.at("field") == "job_config_id");

    auto on = cli.request(
        verb::post, key + "/enable-rotation-job",
        json::object{{"job_config_id", rotation}, {"auto_rotate_key_source", "local"}}, token);
    INFO(on.text);
    REQUIRE(on.status == 200);
    CHECK(on.body.at("labels").at("job_config_id") == json::value(rotation));
    auto attached = cli.request(verb::get, aws_keys + "?job_config_id=" + rotation, nullptr, token);
    REQUIRE(attached.status == 200);
    CHECK(attached.body.at("total") == 1);
    CHECK(attached.body.at("resources").at(0).at("id") == json::value(key_id));

    // Bodyless, as seeds/004 sends it.
    auto off = cli.request_text(verb::post, key + "/disable-rotation-job", "", token, "");
    INFO(off.text);
    REQUIRE(off.status == 200);
    CHECK(off.body.at("labels").as_object().empty());
    CHECK(cli.request(verb::get, aws_keys + "?job_config_id=" + rotation, nullptr, token)
              .body.at("total") == 0);
    CHECK(cli.request(verb::get, key, nullptr, token).body.at("labels").as_object().empty());
    CHECK(srv.stop() == 0);
}

TEST_CASE("a key rotation config fires on its cron and rotates the attached key",
          "[e2e][cckm_keys][rotation]") {
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;

    auto synced = scheduler_test::run_config_now(
        cli, token,
        json::object{{"name", "sync aws"},
                     {"operation", "cckm_synchronization"},
                     {"cckm_synchronization_params",
                      json::object{{"cloud_name", "aws"}, {"synchronize_all", true}}}});
    REQUIRE(synced.at("status") == "completed");
    // The oldest demo key (400 days) is due under rotation_after 90d.
    auto oldest = cli.request(verb::get, aws_keys + "?limit=1&sort=createdAt", nullptr, token);
    REQUIRE(oldest.status == 200);
    std::string const key_id(oldest.body.at("resources").at(0).at("id").as_string());

    // Every second: the engine, not a run-now, starts these runs.
    auto rotation = create_config(cli, token, "rotate aws every second", "cckm_key_rotation",
                                  {{"cloud_name", "aws"}, {"rotation_after", "90d"}});
    auto const patch = cli.request(verb::patch, std::string(configs_path) + "/" + rotation,
                                   json::object{{"run_at", "* * * * * *"}}, token);
    INFO(patch.text);
    REQUIRE(patch.status == 200);
    REQUIRE(cli.request(verb::post, aws_keys + "/" + key_id + "/enable-rotation-job",
                        json::object{{"job_config_id", rotation}}, token)
                .status == 200);

    // Bounded wait for a scheduled run that rotated the key (earlier ones may have found no
    // key attached yet).
    json::value rotated;
    for (int i = 0; i < 400 && rotated.is_null(); ++i) {
        auto runs = cli.request(verb::get,
                                std::string(scheduler_test::jobs_path) +
                                    "?job_config_id=" + rotation + "&status=completed&limit=-1",
                                nullptr, token);
        REQUIRE(runs.status == 200);
        for (auto const& r : runs.body.at("resources").as_array()) {
            auto const& d = r.at("details").at("details");
            if (d.is_object() && d.as_object().contains("num_rotated") && d.at("num_rotated") == 1)
                rotated = r;
        }
        if (rotated.is_null()) ::usleep(25'000);  // a real process: there is no clock to move
    }
    INFO(json::serialize(rotated));
    REQUIRE(rotated.is_object());
    CHECK(rotated.at("trigger") == "schedule");
    auto const& report = rotated.at("details").at("details").at("keys").at(0);
    CHECK(report.at("id") == json::value(key_id));
    CHECK(report.at("result") == "rotated");
    CHECK(srv.stop() == 0);
}
