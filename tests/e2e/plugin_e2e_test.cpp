// SPDX-License-Identifier: Apache-2.0
// Provider plugins through the real schedulerd: --plugin-dir with the acme example plugin makes
// "acme" a cloud jobs can name (a synchronization brings its two demo keys into the
// inventory), and a plugin that does not load stops the start with a message naming it.
#include "support/catch.hpp"
#include "support/e2e_api.hpp"
#include "support/server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <string>

namespace json = boost::json;
namespace fs = std::filesystem;
using scheduler_test::http::verb;

namespace {

using scheduler_test::configs_path;

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
    auto const done = scheduler_test::run_config_now(cli, token, config);
    INFO(json::serialize(done));
    REQUIRE(done.is_object());
    CHECK(done.at("status") == "completed");
    CHECK(done.at("details").at("details").at("total_keys") == 2);
    CHECK(done.at("details").at("details").at("num_added") == 2);

    // A cloud no provider serves is still refused.
    config["name"] = "zeta sync";
    config["cckm_synchronization_params"].as_object()["cloud_name"] = "zeta";
    auto refused = cli.request(verb::post, configs_path, config, token);
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
