// SPDX-License-Identifier: Apache-2.0
// The two account-level operations through the real schedulerd: a
// user_password_expiry_notification config run against the server's own user store (auth.db)
// writes its notices to DATA_DIR/password-expiry-notices.jsonl (0600), and an xks credential
// rotation over the simulated AWS cloud rotates the demo external key store.
#include "support/catch.hpp"
#include "support/e2e_api.hpp"
#include "support/server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

std::vector<json::object> read_lines(std::string const& path) {
    std::ifstream in(path);
    std::vector<json::object> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_object());
    return out;
}

}  // namespace

TEST_CASE("password expiry notification runs against the server's user store", "[e2e][password]") {
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;
    auto const notices = srv.data_dir() + "/password-expiry-notices.jsonl";

    // The default policy (90 days): the admin created a moment ago is far from expiring.
    auto quiet = scheduler_test::run_config_now(
        cli, token,
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
    auto due =
        scheduler_test::run_config_now(cli, token,
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
    scheduler_test::signed_in_server session{SCHEDULERD_PATH};
    auto& srv = session.srv;
    auto& cli = session.cli;
    std::string const& token = session.token;
    auto run = scheduler_test::run_config_now(
        cli, token,
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
