// SPDX-License-Identifier: Apache-2.0
// File: support/e2e_api.hpp
//
// What the end-to-end tests share about the API of a running schedulerd: the collection paths
// and "create a config, run it now, wait for the run" (bounded polling: a real process has no
// clock to move).
//
//   auto run = scheduler_test::run_config_now(cli, token, {{"name", "sync"}, ...});
//   CHECK(run.at("status") == "completed");
#pragma once

#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

#include <unistd.h>

namespace scheduler_test {

inline constexpr char const* configs_path = "/api/v1/scheduler/job-configs";
inline constexpr char const* jobs_path = "/api/v1/scheduler/jobs";

/// A plain-HTTP schedulerd on fast_server_options(), started, with a client and an admin
/// token: how most end-to-end tests begin.
///
///   scheduler_test::signed_in_server session{SCHEDULERD_PATH};
///   auto& cli = session.cli;  // references, not structured bindings: Clang 14 cannot
///                             // capture those in lambdas
struct signed_in_server {
    explicit signed_in_server(std::string const& binary,
                              server_options options = fast_server_options())
        : srv(binary, plain_http(std::move(options))),
          cli(started(srv)),
          token(cli.login("admin", srv.admin_password())) {}

    server_process srv;
    http_client cli;
    std::string token;

private:
    static server_options plain_http(server_options o) {
        o.tls = false;
        return o;
    }
    static http_client started(server_process& s) {
        s.start();
        return s.client();
    }
};

/// Polls GET `path` until its `field` leaves "scheduled"/"in_progress" (a run's status, a bulk
/// job's overall_status) and returns the last body; fails the test after about 10 s.
inline boost::json::value wait_settled(http_client const& cli,
                                       std::string const& token,
                                       std::string const& path,
                                       std::string const& field = "status") {
    for (int i = 0; i < 400; ++i) {
        auto r = cli.request(http::verb::get, path, nullptr, token);
        INFO(r.text);
        REQUIRE(r.status == 200);
        auto const& s = r.body.at(field);
        if (s != "scheduled" && s != "in_progress") return r.body;
        ::usleep(25'000);  // polling a real process: there is no clock to move
    }
    FAIL(path << " did not settle");
    return {};
}

/// Creates `config` (`run_at` defaults to a nightly schedule), runs it now and waits for the
/// run to finish; returns the run.
inline boost::json::value run_config_now(http_client const& cli,
                                         std::string const& token,
                                         boost::json::object config) {
    if (!config.contains("run_at")) config["run_at"] = "0 1 * * *";
    auto created = cli.request(http::verb::post, configs_path, config, token);
    INFO(created.text);
    REQUIRE(created.status == 201);
    std::string const id(created.body.at("id").as_string());
    auto run = cli.request_text(http::verb::post, std::string(configs_path) + "/" + id + "/run-now",
                                "", token, "");
    INFO(run.text);
    REQUIRE(run.status == 201);
    return wait_settled(cli, token,
                        std::string(jobs_path) + "/" + std::string(run.body.at("id").as_string()));
}

}  // namespace scheduler_test
