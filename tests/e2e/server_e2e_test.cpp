// SPDX-License-Identifier: Apache-2.0
// The real schedulerd over HTTPS on 127.0.0.1, port 0, in a temp data dir (support/server_process).
// Waits are on real events (the listening line, a close, a bounded poll), never fixed sleeps.
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/json/serialize.hpp>

#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using scheduler_test::server_options;
using scheduler_test::server_process;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

/// Fast password hashing for tests that are not about hashing.
server_options fast(std::string const& extra_limits = {}, std::string const& extra_auth = {}) {
    return scheduler_test::fast_server_options(extra_limits, extra_auth);
}

json::value user_body(std::string const& name,
                      std::string const& password,
                      json::array groups = {}) {
    return json::object{{"username", name}, {"password", password}, {"groups", std::move(groups)}};
}

int run_exit_code(std::string const& command) {
    int rc = std::system(command.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(std::string const& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count_of(std::string const& hay, std::string const& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("e2e: schedulerd prints one listening line, serves healthz and stops with 0",
          "[e2e][server]") {
    server_process srv(SCHEDULERD_PATH, fast());
    srv.start();
    auto lines = srv.listening_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "listening on https://127.0.0.1:" + std::to_string(srv.port()));
    auto r = srv.client().request(http::verb::get, "/healthz");
    CHECK(r.status == 200);
    CHECK(r.body == json::value(json::object{{"status", "ok"}}));
    CHECK(r.headers.count("x-request-id") == 1);
    CHECK(srv.client()
              .request(http::verb::get, "/metrics")
              .text.find("schedulerd_http_requests_total") != std::string::npos);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: plain HTTP mode announces http://", "[e2e][server]") {
    auto opts = fast();
    opts.tls = false;
    server_process srv(SCHEDULERD_PATH, opts);
    srv.start();
    CHECK(srv.listening_lines().at(0).starts_with("listening on http://127.0.0.1:"));
    CHECK(srv.client().request(http::verb::get, "/healthz").status == 200);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: login, 401 without/with a tampered token, secret-free access log",
          "[e2e][server][auth]") {
    server_process srv(SCHEDULERD_PATH, fast());
    srv.start();
    auto cli = srv.client();
    auto token = cli.login("admin", srv.admin_password());
    CHECK(cli.request(http::verb::get, "/api/v1/usermgmt/users", nullptr, token).status == 200);
    auto none = cli.request(http::verb::get, "/api/v1/usermgmt/users");
    CHECK(none.status == 401);
    CHECK(none.body.at("code").as_int64() == 5);
    auto tampered = token;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'x' ? 'y' : 'x';
    CHECK(cli.request(http::verb::get, "/api/v1/usermgmt/users", nullptr, tampered).status == 401);
    CHECK(cli.login_reply("admin", "wrong-password").status == 401);
    CHECK(srv.stop() == 0);

    auto log = srv.stderr_text();
    CHECK(log.find("\"route\":\"/api/v1/usermgmt/users\"") != std::string::npos);
    CHECK(log.find(srv.admin_password()) == std::string::npos);
    CHECK(log.find(token) == std::string::npos);
    CHECK(log.find("wrong-password") == std::string::npos);
}

TEST_CASE("e2e: an expired token is refused", "[e2e][server][auth]") {
    server_process srv(SCHEDULERD_PATH, fast({}, R"(, "token_lifetime_s": 1)"));
    srv.start();
    auto cli = srv.client();
    auto token = cli.login("admin", srv.admin_password());
    // Poll until the 1 s token lapses (bounded): the server's own clock decides.
    auto deadline = std::chrono::steady_clock::now() + 15s;
    scheduler_test::http_reply r;
    do {
        r = cli.request(http::verb::get, "/api/v1/usermgmt/groups", nullptr, token);
        if (r.status == 401) break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    REQUIRE(r.status == 401);
    CHECK(std::string(r.body.at("message").as_string()).find("expired") != std::string::npos);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: user management, 403 for a non-admin, restart keeps users", "[e2e][server][auth]") {
    server_process srv(SCHEDULERD_PATH, fast());
    srv.start();
    auto cli = srv.client();
    auto admin = cli.login("admin", srv.admin_password());
    auto created = cli.request(http::verb::post, "/api/v1/usermgmt/users",
                               user_body("viewer", "viewer-pass-1"), admin);
    REQUIRE(created.status == 201);
    std::string id(created.body.at("id").as_string());

    auto viewer = cli.login("viewer", "viewer-pass-1");
    auto denied = cli.request(http::verb::get, "/api/v1/usermgmt/users", nullptr, viewer);
    CHECK(denied.status == 403);
    CHECK(cli.request(http::verb::get, "/api/v1/scheduler/job-configs", nullptr, viewer).status ==
          200);

    auto listed = cli.request(http::verb::get, "/api/v1/usermgmt/users?limit=-1", nullptr, admin);
    CHECK(listed.body.at("total").as_int64() == 2);
    CHECK(cli.request(http::verb::post, "/api/v1/usermgmt/groups/CCKM%20Admins/users/" + id,
                      nullptr, admin)
              .status == 200);
    auto groups = cli.request(http::verb::get, "/api/v1/usermgmt/users/" + id, nullptr, admin)
                      .body.at("groups");
    CHECK(groups == json::value(json::array{"CCKM Admins"}));

    srv.restart();
    cli = srv.client();
    auto again = cli.login("viewer", "viewer-pass-1");
    CHECK(cli.request(http::verb::get, "/api/v1/usermgmt/users", nullptr, again).status == 403);
    admin = cli.login("admin", srv.admin_password());
    CHECK(cli.request(http::verb::delete_, "/api/v1/usermgmt/groups/CCKM%20Admins/users/" + id,
                      nullptr, admin)
              .status == 204);
    CHECK(cli.request(http::verb::delete_, "/api/v1/usermgmt/users/" + id, nullptr, admin).status ==
          204);
    CHECK(cli.login_reply("viewer", "viewer-pass-1").status == 401);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: oversized body 413, huge header 431/closed, idle connections cut",
          "[e2e][server][limits]") {
    server_process srv(SCHEDULERD_PATH, fast(R"(, "idle_timeout_ms": 300)"));
    srv.start();
    auto cli = srv.client();
    auto big = cli.request_text(http::verb::post, "/api/v1/auth/tokens",
                                std::string(2 * 1024 * 1024, ' '));
    CHECK(big.status == 413);
    std::vector<std::pair<std::string, std::string>> pads;  // 64 KiB of header fields
    for (int i = 0; i < 8; ++i)
        pads.emplace_back("X-Pad-" + std::to_string(i), std::string(8 * 1024, 'h'));
    auto huge = cli.request_text(http::verb::get, "/healthz", "", "", "", pads);
    CHECK((huge.status == 431 || huge.status == 0));
    auto open_for = cli.wait_for_idle_close(10s);
    REQUIRE(open_for.has_value());
    CHECK(*open_for >= 250ms);
    CHECK(cli.request(http::verb::get, "/healthz").status == 200);  // still serving
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: first admin password is generated, printed once and stored 0600",
          "[e2e][server][auth]") {
    auto opts = fast();
    opts.set_admin_password = false;
    server_process srv(SCHEDULERD_PATH, opts);
    srv.start();
    std::string const marker = "initial admin password: ";
    auto out = srv.stdout_text();
    auto at = out.find(marker);
    REQUIRE(at != std::string::npos);
    auto password =
        out.substr(at + marker.size(), out.find(' ', at + marker.size()) - at - marker.size());
    CHECK(password.size() >= 20);

    auto file = srv.data_dir() + "/initial-admin-password";
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(slurp(file) == password + "\n");
    REQUIRE(::stat(srv.data_dir().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((srv.data_dir() + "/jwt-secret").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((srv.data_dir() + "/tls-key.pem").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    CHECK_FALSE(srv.client().login(std::string("admin"), password).empty());
    srv.restart();
    CHECK(count_of(srv.stdout_text(), marker) == 1);  // never printed again
    CHECK(srv.listening_lines().size() == 2);
    CHECK(srv.stderr_text().find(password) == std::string::npos);
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: a killed server restarts on the same data dir", "[e2e][server]") {
    server_process srv(SCHEDULERD_PATH, fast());
    srv.start();
    auto cli = srv.client();
    auto admin = cli.login("admin", srv.admin_password());
    REQUIRE(cli.request(http::verb::post, "/api/v1/usermgmt/users",
                        user_body("survivor", "survivor-pass"), admin)
                .status == 201);
    srv.kill();
    srv.start();
    CHECK_FALSE(srv.client().login("survivor", "survivor-pass").empty());
    CHECK(srv.stop() == 0);
}

TEST_CASE("e2e: command line errors exit 2 with one line; --help answers", "[e2e][server]") {
    std::string const bin = SCHEDULERD_PATH;
    CHECK(run_exit_code(bin + " --help > /dev/null") == 0);
    CHECK(run_exit_code(bin + " --no-such-flag 2> /dev/null") == 2);
    CHECK(run_exit_code(bin + " --workers 2> /dev/null") == 2);
    CHECK(run_exit_code(
              bin + " --listen nonsense --data-dir /tmp/schedulerd-e2e-never 2> /dev/null") == 2);
    CHECK_FALSE(
        std::filesystem::exists("/tmp/schedulerd-e2e-never"));  // refused before touching disk
}

namespace {
/// Polls GET /scheduler/jobs/{id} until its status is one of `wanted` (bounded: 20 s).
json::value wait_run(scheduler_test::http_client const& cli,
                     std::string const& token,
                     std::string const& id,
                     std::vector<std::string> const& wanted) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = cli.request(http::verb::get, "/api/v1/scheduler/jobs/" + id, nullptr, token);
        if (r.status == 200)
            for (auto const& w : wanted)
                if (r.body.at("status") == json::value(w)) return r.body;
        std::this_thread::sleep_for(50ms);  // polling a real process: there is no clock to move
    }
    return nullptr;
}
}  // namespace

TEST_CASE("e2e: test_sleep honours cancellation and SIGTERM stops a running operation",
          "[e2e][server]") {
    auto opts = fast();
    opts.extra_args = {"--enable-test-operations"};
    server_process srv(SCHEDULERD_PATH, opts);
    srv.start();
    auto cli = srv.client();
    auto token = cli.login("admin", srv.admin_password());
    json::value config = json::object{{"name", "sleepy"},
                                      {"operation", "test_sleep"},
                                      {"run_at", "0 1 * * *"},
                                      {"test_sleep_params", json::object{{"seconds", 600}}}};
    auto created = cli.request(http::verb::post, "/api/v1/scheduler/job-configs", config, token);
    INFO(created.text);
    REQUIRE(created.status == 201);
    std::string config_id(created.body.at("id").as_string());
    auto start_run = [&] {
        auto run = cli.request_text(http::verb::post,
                                    "/api/v1/scheduler/job-configs/" + config_id + "/run-now", "",
                                    token, "");
        INFO(run.text);
        REQUIRE(run.status == 201);
        std::string id(run.body.at("id").as_string());
        REQUIRE(wait_run(cli, token, id, {"in_progress"}).is_object());
        return id;
    };

    auto first = start_run();
    REQUIRE(cli.request_text(http::verb::post, "/api/v1/scheduler/jobs/" + first + "/cancel", "",
                             token, "")
                .status == 200);
    CHECK(wait_run(cli, token, first, {"aborted"}).is_object());

    auto second = start_run();
    CHECK(srv.stop() == 0);  // engine.stop() cancels test_sleep at its next 0.1 s step
    srv.start();
    cli = srv.client();
    token = cli.login("admin", srv.admin_password());
    CHECK(wait_run(cli, token, second, {"aborted", "failed"}).is_object());
    CHECK(srv.stop() == 0);
}
