// SPDX-License-Identifier: Apache-2.0
// schedulerd wired together: the data dir (0700), the scheduler store (scheduler.db), the auth
// store (auth.db) and JWT secret, the engine with its asio_runner, the router with every API
// area, and the HTTP(S) listener. main.cpp only parses the command line and waits for a signal.
#pragma once

#include "auth.hpp"
#include "limits.hpp"
#include "metrics.hpp"
#include "router.hpp"
#include "services.hpp"

#include <scheduler/errors.hpp>

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

namespace schedulerd {

/// Everything the command line and the config file set.
struct server_config {
    std::string data_dir = "./data";
    std::string listen = "127.0.0.1:8443";  ///< HOST:PORT; port 0 picks a free port
    bool plain_http = false;
    std::string tls_cert;  ///< empty: DATA_DIR/tls-cert.pem, generated when missing
    std::string tls_key;   ///< empty: DATA_DIR/tls-key.pem
    std::string node_id = "local-node";
    std::size_t workers = 4;  ///< engine operation threads
    bool simulated_clouds = true;
    std::string plugin_dir;               ///< provider plugins (*.so) to load; empty: none
    bool enable_test_operations = false;  ///< registers test_sleep (e2e tests)
    std::string log_file;                 ///< empty: stderr
    server_limits limits;
    auth_settings auth;
};

/// Applies a JSON config file ({"limits": {...}, "auth": {...}, "node_id", "workers"}) over
/// `cfg`. invalid_argument naming the key for an unknown key or a wrong type.
[[nodiscard]] scheduler::result<void> load_config_file(std::string const& path, server_config& cfg);

/// Registers the operation "test_sleep" (params field "test_sleep_params": {"seconds": n},
/// 0..3600): waits with ctx.wait_for in small steps and ends aborted when cancelled.
[[nodiscard]] scheduler::result<void> register_test_operations(
    scheduler::operation_registry& registry);

/// All routes of the server: scheduler API, auth, user management, health and metrics.
[[nodiscard]] router build_router(services& svc, auth_service& auth, metrics& m);

/// The running server. Create, start, then stop (from a signal) and destroy.
class server {
public:
    /// Opens the data dir and stores and bootstraps the first admin; lines meant for the
    /// operator (the generated admin password) go to `out`. Fails with the reason.
    [[nodiscard]] static scheduler::result<std::unique_ptr<server>> create(server_config cfg,
                                                                           std::ostream& out);
    ~server();
    server(server const&) = delete;
    server& operator=(server const&) = delete;

    /// Binds, starts the I/O threads and the engine loop. Returns once listening.
    [[nodiscard]] scheduler::result<void> start();
    /// "https://HOST:PORT" with the real port.
    [[nodiscard]] std::string url() const;
    /// Graceful stop: stop accepting, let in-flight requests finish (bounded by
    /// limits.shutdown_grace), stop the engine loop and running operations, join threads.
    void stop();

    struct impl;

private:
    explicit server(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace schedulerd
