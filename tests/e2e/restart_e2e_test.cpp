// SPDX-License-Identifier: Apache-2.0
// Issue 4's restart guarantees, against the real binary: configs and runs survive a graceful
// stop/start, and a run in progress when the process is killed with SIGKILL is `failed` with
// error "interrupted" after the restart (DESIGN.md §5, crash safety).
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <chrono>
#include <thread>

using scheduler_test::http_client;
using scheduler_test::server_options;
using scheduler_test::server_process;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr char const* configs = "/api/v1/scheduler/job-configs";
constexpr char const* jobs = "/api/v1/scheduler/jobs";

server_options sleepy_server() {
    auto o = scheduler_test::fast_server_options();
    o.extra_args = {"--enable-test-operations"};
    return o;
}

/// Polls a run until its status is `wanted` (bounded): a real process has no clock to move.
json::value wait_status(http_client const& cli,
                        std::string const& token,
                        std::string const& id,
                        std::string const& wanted) {
    auto const deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = cli.request(http::verb::get, std::string(jobs) + "/" + id, nullptr, token);
        if (r.status == 200 && r.body.at("status") == json::value(wanted)) return r.body;
        std::this_thread::sleep_for(25ms);
    }
    return nullptr;
}

std::string create(http_client const& cli, std::string const& token, json::value body) {
    auto r = cli.request(http::verb::post, configs, body, token);
    INFO(r.text);
    REQUIRE(r.status == 201);
    return std::string(r.body.at("id").as_string());
}

std::string run_now(http_client const& cli, std::string const& token, std::string const& id) {
    auto r = cli.request_text(http::verb::post, std::string(configs) + "/" + id + "/run-now", "",
                              token, "");
    INFO(r.text);
    REQUIRE(r.status == 201);
    return std::string(r.body.at("id").as_string());
}

}  // namespace

TEST_CASE("e2e: configs and finished runs survive a stop and start", "[e2e][restart]") {
    server_process srv(SCHEDULERD_PATH, sleepy_server());
    srv.start();
    auto cli = srv.client();
    auto token = cli.login("admin", srv.admin_password());
    auto config_id = create(cli, token,
                            json::object{{"name", "quick"},
                                         {"operation", "test_sleep"},
                                         {"run_at", "0 1 * * *"},
                                         {"test_sleep_params", json::object{{"seconds", 0}}}});
    auto run_id = run_now(cli, token, config_id);
    auto done = wait_status(cli, token, run_id, "completed");
    REQUIRE(done.is_object());
    auto const config_before =
        cli.request(http::verb::get, std::string(configs) + "/" + config_id, nullptr, token).body;

    REQUIRE(srv.stop() == 0);
    srv.start();
    cli = srv.client();
    token = cli.login("admin", srv.admin_password());
    auto config_after =
        cli.request(http::verb::get, std::string(configs) + "/" + config_id, nullptr, token);
    REQUIRE(config_after.status == 200);
    CHECK(config_after.body == config_before);
    auto run_after = cli.request(http::verb::get, std::string(jobs) + "/" + run_id, nullptr, token);
    REQUIRE(run_after.status == 200);
    CHECK(run_after.body == done);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: a run in progress at kill -9 is failed \"interrupted\" after restart",
          "[e2e][restart]") {
    server_process srv(SCHEDULERD_PATH, sleepy_server());
    srv.start();
    auto cli = srv.client();
    auto token = cli.login("admin", srv.admin_password());
    auto config_id = create(cli, token,
                            json::object{{"name", "long"},
                                         {"operation", "test_sleep"},
                                         {"run_at", "0 1 * * *"},
                                         {"test_sleep_params", json::object{{"seconds", 600}}}});
    auto run_id = run_now(cli, token, config_id);
    REQUIRE(wait_status(cli, token, run_id, "in_progress").is_object());

    srv.kill();  // SIGKILL: no chance to record anything
    srv.start();
    cli = srv.client();
    token = cli.login("admin", srv.admin_password());
    auto run = cli.request(http::verb::get, std::string(jobs) + "/" + run_id, nullptr, token);
    REQUIRE(run.status == 200);
    CHECK(run.body.at("status") == "failed");
    CHECK(run.body.at("error") == "interrupted");
    CHECK(run.body.at("details").at("status") == "failed");
    // The config is intact and can run again.
    auto again = run_now(cli, token, config_id);
    CHECK(again != run_id);
    CHECK(srv.stop() == 0);
}
