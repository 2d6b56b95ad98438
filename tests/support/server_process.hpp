// SPDX-License-Identifier: Apache-2.0
// File: tests/support/server_process.hpp
//
// End-to-end harness: runs the real `schedulerd` binary on 127.0.0.1, port 0, in a fresh temp
// data dir, learns its port from the `listening on` line, and talks to it with a small
// synchronous Beast client (TLS with verification off, since the certificate is self-signed).
//
//   scheduler_test::server_process srv{SCHEDULERD_PATH};
//   srv.start();
//   auto cli = srv.client();
//   std::string token = cli.login("admin", srv.admin_password());
//   auto r = cli.request(http::verb::get, "/api/v1/scheduler/job-configs", nullptr, token);
//   REQUIRE(r.status == 200);
//   REQUIRE(srv.stop() == 0);   // SIGTERM, bounded wait, exit code
//
// Everything here throws std::runtime_error on a harness failure (process did not start, no
// listening line before the deadline): a test fails loudly instead of hanging.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scheduler_test {

namespace http = boost::beast::http;

/// One HTTP answer. `status` is 0 when the server closed the connection (or the transport
/// failed) without answering; `error` then says why.
struct http_reply {
    int status = 0;
    boost::json::value body;  ///< parsed JSON; null when the body is empty or not JSON
    std::string text;         ///< the raw body
    std::map<std::string, std::string> headers;  ///< lower-case field name -> value
    std::string error;                           ///< transport error, if any
};

/// A synchronous client, one connection per request. Cheap to copy.
class http_client {
public:
    http_client(std::string host, std::uint16_t port, bool tls);

    /// Sends `method target` with `body` as JSON (no body when null) and, when `token` is not
    /// empty, `Authorization: Bearer <token>`.
    [[nodiscard]] http_reply request(http::verb method,
                                     std::string_view target,
                                     boost::json::value const& body = nullptr,
                                     std::string_view token = {}) const;

    /// Full control: raw body text, content type ("" = no Content-Type header) and extra
    /// header fields.
    [[nodiscard]] http_reply request_text(
        http::verb method,
        std::string_view target,
        std::string body,
        std::string_view token = {},
        std::string_view content_type = "application/json",
        std::vector<std::pair<std::string, std::string>> const& extra_headers = {}) const;

    /// POST /api/v1/auth/tokens (password grant); the whole reply.
    [[nodiscard]] http_reply login_reply(std::string_view username,
                                         std::string_view password) const;
    /// POST /api/v1/auth/tokens and return the JWT; throws std::runtime_error unless 200.
    [[nodiscard]] std::string login(std::string_view username, std::string_view password) const;

    /// Opens a connection (TLS handshake included), sends nothing, and waits until the server
    /// closes it or `limit` passes. Returns how long the server kept it open, or nullopt when
    /// it was still open at `limit`. For idle/read timeout tests.
    [[nodiscard]] std::optional<std::chrono::milliseconds> wait_for_idle_close(
        std::chrono::milliseconds limit) const;

    /// Sends `count` pipelined keep-alive GETs of `target` on one connection and returns the
    /// statuses read back before the server closed it (for requests-per-connection tests).
    [[nodiscard]] std::vector<int> keep_alive_gets(std::string_view target, int count) const;

    [[nodiscard]] std::string const& host() const noexcept { return host_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] bool tls() const noexcept { return tls_; }

private:
    std::string host_;
    std::uint16_t port_;
    bool tls_;
};

/// How to start the server.
struct server_options {
    bool tls = true;                                    ///< false adds --plain-http
    std::string admin_password = "e2e-Admin-Passw0rd";  ///< SCHEDULER_ADMIN_PASSWORD
    bool set_admin_password = true;       ///< false leaves the variable unset (generated password)
    std::vector<std::string> extra_args;  ///< e.g. {"--enable-test-operations"}
    std::string config_json;  ///< when non-empty: written to <tmp>/config.json, --config passed
    std::chrono::seconds start_timeout{60};  ///< wait for the listening line
    std::chrono::seconds stop_timeout{30};   ///< wait for exit after SIGTERM
};

/// Options for tests that are not about password hashing: cheap PBKDF2 (1,000 iterations) and
/// two I/O threads. `extra_limits` / `extra_auth` are appended inside the "limits" / "auth"
/// objects (start them with a comma: R"(, "token_lifetime_s": 1)").
[[nodiscard]] server_options fast_server_options(std::string const& extra_limits = {},
                                                 std::string const& extra_auth = {});

/// One schedulerd process and its temp directory (removed by the destructor, which also kills a
/// still-running process). Not copyable.
class server_process {
public:
    /// `binary` is the path of schedulerd (tests pass SCHEDULERD_PATH). Creates the temp dir;
    /// the data dir inside it does not exist until the first start.
    explicit server_process(std::string binary, server_options options = {});
    ~server_process();
    server_process(server_process const&) = delete;
    server_process& operator=(server_process const&) = delete;

    /// Spawns schedulerd --data-dir <data_dir()> --listen 127.0.0.1:0 ... and waits for the
    /// listening line. On a restart the same data dir is reused. Throws on failure.
    void start();
    /// SIGTERM, then wait up to stop_timeout. Returns the exit code (128+signal if killed by
    /// a signal); throws when it does not exit in time (the process is then killed).
    int stop();
    /// SIGKILL and reap (a crash, for recovery tests).
    void kill();
    /// stop() (must exit 0, else throws) then start() on the same data dir.
    void restart();

    [[nodiscard]] bool running() const noexcept { return pid_ > 0; }
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// "https://127.0.0.1:PORT" (or http://).
    [[nodiscard]] std::string base_url() const;
    [[nodiscard]] std::string const& temp_dir() const noexcept { return temp_dir_; }
    [[nodiscard]] std::string const& data_dir() const noexcept { return data_dir_; }
    [[nodiscard]] std::string const& admin_password() const noexcept {
        return options_.admin_password;
    }
    [[nodiscard]] server_options& options() noexcept { return options_; }
    /// Everything the current/last process printed to stdout so far (all runs, in order).
    [[nodiscard]] std::string const& stdout_text() const noexcept { return stdout_; }
    /// The lines of stdout_text() that start with "listening on" (one per start).
    [[nodiscard]] std::vector<std::string> listening_lines() const;
    /// What the process wrote to stderr (access log, errors), read from <tmp>/stderr.log.
    [[nodiscard]] std::string stderr_text() const;
    /// A client for this server.
    [[nodiscard]] http_client client() const;

private:
    void read_until_listening();
    void drain_stdout();
    int wait_exit(std::chrono::seconds limit);

    std::string binary_;
    server_options options_;
    std::string temp_dir_;
    std::string data_dir_;
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string stdout_;
};

}  // namespace scheduler_test
