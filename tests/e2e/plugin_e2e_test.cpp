// SPDX-License-Identifier: Apache-2.0
// Provider plugins through the real schedulerd: --plugin-dir with the acme example plugin makes
// "acme" a cloud jobs can name (a synchronization brings its two demo keys into the
// inventory), and a plugin that does not load stops the start with a message naming it.
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

namespace json = boost::json;
namespace fs = std::filesystem;
using scheduler_test::http::verb;

namespace {

constexpr char const* configs = "/api/v1/scheduler/job-configs";
constexpr char const* jobs = "/api/v1/scheduler/jobs";

// A plugin directory in the server's temp dir holding `plugin` as `name`.
std::string plugin_dir(scheduler_test::server_process const& srv,
                       std::string const& plugin,
                       std::string const& name) {
    auto dir = fs::path(srv.temp_dir()) / "plugins";
    fs::create_directories(dir);
    fs::copy_file(plugin, dir / name);
    return dir.string();
}

}  // namespace

TEST_CASE("schedulerd serves a plugin's cloud from --plugin-dir", "[e2e][plugin]") {
    auto options = scheduler_test::fast_server_options();
    options.tls = false;
    scheduler_test::server_process srv{SCHEDULERD_PATH, options};
    srv.options().extra_args = {"--plugin-dir", plugin_dir(srv, ACME_PLUGIN_PATH, "acme.so")};
    srv.start();
    auto cli = srv.client();
    std::string const token = cli.login("admin", srv.admin_password());

    json::object config{{"name", "acme sync"},
                        {"operation", "cckm_synchronization"},
                        {"run_at", "0 1 * * *"},
                        {"cckm_synchronization_params",
                         json::object{{"cloud_name", "acme"}, {"synchronize_all", true}}}};
    auto created = cli.request(verb::post, configs, config, token);
    INFO(created.text);
    REQUIRE(created.status == 201);
    std::string const id(created.body.at("id").as_string());
    auto run =
        cli.request_text(verb::post, std::string(configs) + "/" + id + "/run-now", "", token, "");
    REQUIRE(run.status == 201);
    std::string const run_id(run.body.at("id").as_string());
    json::value done;
    for (int i = 0; i < 400 && done.is_null(); ++i) {
        auto r = cli.request(verb::get, std::string(jobs) + "/" + run_id, nullptr, token);
        REQUIRE(r.status == 200);
        auto const& status = r.body.at("status");
        if (status != "scheduled" && status != "in_progress") done = r.body;
        ::usleep(25'000);  // polling a real process: there is no clock to move
    }
    INFO(json::serialize(done));
    REQUIRE(done.is_object());
    CHECK(done.at("status") == "completed");
    CHECK(done.at("details").at("details").at("total_keys") == 2);
    CHECK(done.at("details").at("details").at("num_added") == 2);

    // A cloud no provider serves is still refused.
    config["name"] = "zeta sync";
    config["cckm_synchronization_params"].as_object()["cloud_name"] = "zeta";
    auto refused = cli.request(verb::post, configs, config, token);
    CHECK(refused.status == 400);
    CHECK(srv.stop() == 0);
}

TEST_CASE("schedulerd refuses to start when a plugin does not load", "[e2e][plugin]") {
    auto options = scheduler_test::fast_server_options();
    options.tls = false;
    options.start_timeout = std::chrono::seconds(20);
    scheduler_test::server_process srv{SCHEDULERD_PATH, options};
    auto const dir = plugin_dir(srv, std::string(TEST_PLUGIN_DIR) + "/wrong_abi.so", "old.so");
    srv.options().extra_args = {"--plugin-dir", dir};
    CHECK_THROWS_WITH(srv.start(), Catch::Contains("exited (2)") &&
                                       Catch::Contains("old.so: ABI version 2, this server "
                                                       "supports 1"));
}
