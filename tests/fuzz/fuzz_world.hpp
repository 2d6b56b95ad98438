// SPDX-License-Identifier: Apache-2.0
// File: fuzz/fuzz_world.hpp
//
// The server without a socket, for the fuzzers that go through the real request pipeline:
// user store, JWT codec and auth service (one per process: building them costs a PBKDF2 hash)
// and, per input, a fresh SQLite ":memory:" store, engine, router and pipeline, so one input
// cannot change what the next one sees through the scheduler API.
//
//   static schedulerd::fuzz::auth_world auth;
//   schedulerd::fuzz::api_world api(auth);
//   auto res = api.call(http::verb::post, "/api/v1/scheduler/job-configs", body, auth.admin_jwt);
#pragma once

#include "access_log.hpp"
#include "auth.hpp"
#include "handlers/handlers.hpp"
#include "metrics.hpp"
#include "pipeline.hpp"
#include "router.hpp"
#include "server_routes.hpp"
#include "services.hpp"
#include "support/manual_executor.hpp"
#include "user_store.hpp"

#include <cckm/aws/connections.hpp>
#include <cckm/bulk_jobs.hpp>
#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <cckm/operations.hpp>
#include <cckm/simulated_provider.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <memory>
#include <string>
#include <string_view>

namespace schedulerd::fuzz {

namespace json = boost::json;

/// The fixed instant every fuzz input starts from.
inline scheduler::time_point fuzz_epoch() {
    return scheduler::parse_rfc3339("2026-03-02T10:00:00Z").value();
}

/// Users, tokens and the access log, shared by all inputs of one process. The clock never
/// moves, so the admin's token stays valid for the whole run.
struct auth_world {
    static constexpr char const* admin_password = "admin-Passw0rd!";

    scheduler::manual_clock clock{fuzz_epoch()};
    std::unique_ptr<user_store> users = user_store::open(":memory:", clock).value();
    jwt_codec jwt{std::string(32, 'k'), clock};
    auth_service auth{*users, jwt, clock, settings()};
    metrics stats;
    logger log{"/dev/null"};
    user_record admin;
    std::string admin_jwt;
    std::string refresh_token;

    auth_world() {
        admin = auth.create_user("admin", admin_password, {"admin"}).value();
        auto grant = auth.password_grant("admin", admin_password, "fuzz").value();
        admin_jwt = grant.jwt;
        refresh_token = grant.refresh_token;
    }

    static auth_settings settings() {
        auth_settings s;
        s.pbkdf2_iterations = 1000;  // fuzzing needs executions per second, not hash strength
        return s;
    }
};

/// A directory for the AWS connections' sealing key, made once per process and removed at exit.
inline std::string const& connection_key_dir() {
    struct temp {
        std::string path;
        temp() {
            char name[] = "/tmp/handlers-fuzz-XXXXXX";
            if (char* made = ::mkdtemp(name)) path = made;
        }
        ~temp() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static temp const dir;
    return dir.path;
}

/// The scheduler and cloud-key half, rebuilt per input: one job config and one run of it exist,
/// and the simulated clouds hold one AWS, one Azure and one SAP key, all in the inventory.
/// Bulk jobs are accepted but never run (their executor is never drained).
struct api_world {
    explicit api_world(auth_world& a) : auth(a) {
        cckm::register_operations(ops).value();
        scheduler::engine_options o;
        o.executor = exec.executor();  // runs nothing unless drained: no threads, no clouds
        eng = std::make_unique<scheduler::engine>(*store, ops, auth.clock, o);
        cckm::add_simulated_providers(providers, *cloud_state, auth.clock).value();
        cckm::bulk_job_options bo;
        bo.stop_grace = std::chrono::milliseconds(1);  // nothing ever runs: nothing to wait for
        jobs = std::make_unique<cckm::bulk_job_service>(*job_store, *inventory, providers,
                                                        auth.clock, exec.executor(), bo);
        svc = std::make_unique<services>(
            services{*eng, ops, *store, "fuzz-node", inventory.get(), &providers});
        svc->bulk_jobs = jobs.get();
        // AWS connections in memory; adding one builds providers but never calls them.
        aws_connections =
            cckm::aws::open_kms_connections(":memory:", connection_key_dir(), aws_router,
                                            cckm::aws::default_kms_factory(auth.clock), auth.clock)
                .value();
        svc->aws_connections = aws_connections.get();
        aws_key = add_key("aws", {});
        azure_key = add_key("AzureCloud", "vault-1");
        sap_key = add_key("sap", "group-1");
        register_system_routes(routes, auth.stats);
        register_auth_routes(routes, auth.auth);
        register_usermgmt_routes(routes, auth.auth);
        register_scheduler_routes(routes, *svc);
        register_cckm_key_routes(routes, *svc);
        register_cckm_job_routes(routes, *svc);
        register_cckm_aws_kms_routes(routes, *svc);
        auto created = call(http::verb::post, "/api/v1/scheduler/job-configs",
                            R"({"name":"rotate AWS keys","operation":"cckm_key_rotation",
                                "run_at":"0 1 * * *","cckm_key_rotation_params":{"cloud_name":"aws"}})",
                            auth.admin_jwt);
        config_id = id_of(created);
        auto run = call(http::verb::post, "/api/v1/scheduler/job-configs/" + config_id + "/run-now",
                        {}, auth.admin_jwt);
        run_id = id_of(run);
    }

    /// A key created in `cloud` and copied into the inventory; returns its inventory id.
    std::string add_key(std::string const& cloud, std::string const& container) {
        cckm::key_spec spec;
        spec.name = cloud + "-fuzz-key";
        spec.container = container;
        auto k = providers.find(cloud)->create_key(spec).value();
        k.id = cckm::new_key_id();
        inventory->put(k).value();
        return k.id;
    }

    /// One request through the pipeline, as the HTTP session would hand it over.
    response call(http::verb method,
                  std::string const& target,
                  std::string body,
                  std::string_view token,
                  std::string_view content_type = "application/json") {
        request req{method, target, 11};
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
        if (!content_type.empty()) req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
        req.prepare_payload();
        return pipeline.handle(req, "127.0.0.1:1");
    }

    static std::string id_of(response const& res) {
        boost::system::error_code ec;
        auto v = json::parse(res.body(), ec);
        if (ec || !v.is_object()) return "missing";
        auto const* id = v.as_object().if_contains("id");
        return id && id->is_string() ? std::string(id->as_string()) : "missing";
    }

    auth_world& auth;
    std::unique_ptr<scheduler::store> store = scheduler::sqlite_store::open(":memory:").value();
    scheduler::operation_registry ops;
    scheduler::test::manual_executor exec;
    std::unique_ptr<scheduler::engine> eng;
    std::unique_ptr<cckm::key_store> cloud_state = cckm::make_in_memory_key_store();
    std::unique_ptr<cckm::key_store> inventory = cckm::make_in_memory_key_store();
    cckm::provider_registry providers;
    std::unique_ptr<cckm::bulk_job_store> job_store = cckm::make_in_memory_bulk_job_store();
    std::unique_ptr<cckm::bulk_job_service> jobs;
    cckm::aws::connection_router aws_router;
    std::unique_ptr<cckm::aws::kms_connections> aws_connections;
    std::unique_ptr<services> svc;
    router routes;
    request_pipeline pipeline{routes, auth.auth, auth.stats, auth.log};
    std::string config_id;
    std::string run_id;
    std::string aws_key;
    std::string azure_key;
    std::string sap_key;
};

/// A finding unless the status is a valid HTTP status below 500 and every error body is a
/// JSON object with the CCKM codeDesc: bad input must never become a 5xx.
inline void check_response(response const& res) {
    auto const status = res.result_int();
    bool bad = status < 100 || status >= 500;
    if (!bad && status >= 400) {
        boost::system::error_code ec;
        auto v = json::parse(res.body(), ec);
        bad = ec || !v.is_object() || !v.as_object().contains("codeDesc");
    }
    if (bad) {
        std::fprintf(stderr, "finding: status %u, body: %s\n", status, res.body().c_str());
        __builtin_trap();
    }
}

}  // namespace schedulerd::fuzz
