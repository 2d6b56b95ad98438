// SPDX-License-Identifier: Apache-2.0
// The two account-level operations through the real schedulerd: a
// user_password_expiry_notification config run against the server's own user store (auth.db)
// writes its notices to DATA_DIR/password-expiry-notices.jsonl (0600), and an xks credential
// rotation over the simulated AWS cloud rotates the demo external key store.
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

constexpr char const* configs = "/api/v1/scheduler/job-configs";
constexpr char const* jobs = "/api/v1/scheduler/jobs";

// Creates a config, runs it now and waits (bounded) for the run to finish; returns the run.
json::value run_config(scheduler_test::http_client const& cli,
                       std::string const& token,
                       json::object config) {
    config["run_at"] = "0 1 * * *";
    auto created = cli.request(verb::post, configs, config, token);
    INFO(created.text);
    REQUIRE(created.status == 201);
    std::string const id(created.body.at("id").as_string());
    auto run =
        cli.request_text(verb::post, std::string(configs) + "/" + id + "/run-now", "", token, "");
    INFO(run.text);
    REQUIRE(run.status == 201);
    std::string const run_id(run.body.at("id").as_string());
    for (int i = 0; i < 400; ++i) {
        auto r = cli.request(verb::get, std::string(jobs) + "/" + run_id, nullptr, token);
        REQUIRE(r.status == 200);
        auto const& status = r.body.at("status");
        if (status != "scheduled" && status != "in_progress") return r.body;
        ::usleep(25'000);  // polling a real process: there is no clock to move
    }
    FAIL("run " << run_id << " did not finish");
    return {};
}

std::vector<json::object> read_lines(std::string const& path) {
    std::ifstream in(path);
    std::vector<json::object> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_object());
    return out;
}

}  // namespace

TEST_CASE("password expiry notification runs against the server's user store", "[e2e][password]") {
    auto options = scheduler_test::fast_server_options();
    options.tls = false;
    scheduler_test::server_process srv{SCHEDULERD_PATH, options};
    srv.start();
    auto cli = srv.client();
    std::string const token = cli.login("admin", srv.admin_password());
    auto const notices = srv.data_dir() + "/password-expiry-notices.jsonl";

    // The default policy (90 days): the admin created a moment ago is far from expiring.
    auto quiet = run_config(cli, token,
                            {{"name", "expiry default"},
                             {"operation", "user_password_expiry_notification"},
                             {"user_password_expiry_notification_params", json::object{}}});
    INFO(json::serialize(quiet));
    CHECK(quiet.at("status") == "completed");
    auto const& quiet_details = quiet.at("details").at("details");
    CHECK(quiet_details.at("total_users") == 1);
    CHECK(quiet_details.at("num_notified") == 0);
    CHECK(quiet_details.at("num_skipped") == 1);

    // A one-day policy with a two-day window: the admin's password expires tomorrow.
    auto due = run_config(cli, token,
                          {{"name", "expiry short policy"},
                           {"operation", "user_password_expiry_notification"},
                           {"user_password_expiry_notification_params",
                            {{"password_max_age", "1d"}, {"notify_before", "2d"}}}});
    INFO(json::serialize(due));
    CHECK(due.at("status") == "completed");
    auto const& details = due.at("details").at("details");
    CHECK(details.at("num_notified") == 1);
    auto const& user = details.at("users").at(0);
    CHECK(user.at("username") == "admin");
    CHECK(user.at("result") == "notified");
    CHECK(json::serialize(due).find(srv.admin_password()) == std::string::npos);

    auto lines = read_lines(notices);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].at("username") == "admin");
    CHECK(lines[0].at("job_config_id") == due.at("job_config_id"));
    CHECK(lines[0].at("expired") == false);
    struct stat st {};
    REQUIRE(::stat(notices.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(srv.stop() == 0);
}

TEST_CASE("xks credential rotation runs over the simulated AWS cloud", "[e2e][xks]") {
    auto options = scheduler_test::fast_server_options();
    options.tls = false;
    scheduler_test::server_process srv{SCHEDULERD_PATH, options};
    srv.start();
    auto cli = srv.client();
    std::string const token = cli.login("admin", srv.admin_password());
    auto run = run_config(cli, token,
                          {{"name", "rotate xks"},
                           {"operation", "cckm_xks_credential_rotation"},
                           {"cckm_xks_credential_rotation_params", {{"cloud_name", "aws"}}}});
    INFO(json::serialize(run));
    CHECK(run.at("status") == "completed");
    // The demo external key store of the first start gets its second credential.
    auto const& details = run.at("details").at("details");
    CHECK(details.at("total") == 1);
    CHECK(details.at("num_rotated") == 1);
    CHECK(details.at("items").at(0).at("name") == "demo-xks-proxy");
    CHECK(details.at("items").at(0).at("credential_version") == 2);
    REQUIRE(srv.stop() == 0);
}
