// SPDX-License-Identifier: Apache-2.0
// Test fixture of the server's own tests: in-memory auth store, a manual clock, fast PBKDF2, a
// request pipeline and a logger writing to a temp file, so auth and routing are tested
// without a socket and without sleeping.
#pragma once

#include "access_log.hpp"
#include "auth.hpp"
#include "metrics.hpp"
#include "pipeline.hpp"
#include "router.hpp"
#include "server_routes.hpp"
#include "user_store.hpp"

#include <scheduler/clock.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace server_test {

namespace http = boost::beast::http;
namespace json = boost::json;

/// A fresh directory under the system temp dir, removed at scope exit.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "schedulerd-test-XXXXXX").string();
        path = ::mkdtemp(pattern.data()) ? pattern : std::string{};
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
};

inline schedulerd::auth_settings fast_auth() {
    schedulerd::auth_settings s;
    s.pbkdf2_iterations = 1000;  // tests need speed, not brute-force resistance
    return s;
}

inline std::string read_file(std::string const& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Auth store + JWT + auth service + pipeline, with the auth/usermgmt/system routes.
struct auth_fixture {
    temp_dir dir;
    scheduler::manual_clock clock{scheduler::parse_rfc3339("2026-03-01T12:00:00Z").value()};
    std::unique_ptr<schedulerd::user_store> users =
        schedulerd::user_store::open(":memory:", clock).value();
    schedulerd::jwt_codec jwt{std::string(32, 'k'), clock};
    schedulerd::auth_service auth{*users, jwt, clock, fast_auth()};
    schedulerd::metrics stats;
    std::string log_path = dir.path + "/access.log";
    schedulerd::logger log{log_path};
    schedulerd::router routes;
    schedulerd::request_pipeline pipeline{routes, auth, stats, log};

    static constexpr char const* admin_password = "admin-Passw0rd!";

    auth_fixture() {
        schedulerd::register_system_routes(routes, stats);
        schedulerd::register_auth_routes(routes, auth);
        schedulerd::register_usermgmt_routes(routes, auth);
        (void)auth.create_user("admin", admin_password, {"admin"}).value();
    }

    /// Sends one request through the pipeline.
    schedulerd::response call(http::verb method,
                              std::string const& target,
                              std::string const& body = {},
                              std::string const& token = {},
                              std::string const& content_type = "application/json") {
        schedulerd::request req{method, target, 11};
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!content_type.empty()) req.set(http::field::content_type, content_type);
        req.body() = body;
        req.prepare_payload();
        return pipeline.handle(req, "127.0.0.1:1");
    }

    schedulerd::response login(std::string const& user, std::string const& password) {
        return call(http::verb::post, "/api/v1/auth/tokens",
                    json::serialize(json::object{{"username", user}, {"password", password}}));
    }

    std::string token(std::string const& user, std::string const& password) {
        auto res = login(user, password);
        return std::string(json::parse(res.body()).at("jwt").as_string());
    }

    std::string admin_token() { return token("admin", admin_password); }
};

/// The JSON body of a response (null when empty).
inline json::value body_of(schedulerd::response const& res) {
    if (res.body().empty()) return nullptr;
    return json::parse(res.body());
}

}  // namespace server_test
