// SPDX-License-Identifier: Apache-2.0
// The request pipeline: one function from a parsed request to a response, used by the HTTP
// sessions and by tests without a socket (STYLE.md point 15):
//   request id -> route (404/405) -> auth (401 without/with a bad token, 403 without the group)
//   -> handler (one catch-all: an exception becomes a logged 500) -> metrics + access log.
#pragma once

#include "access_log.hpp"
#include "auth.hpp"
#include "http_types.hpp"
#include "metrics.hpp"
#include "router.hpp"

#include <string_view>

namespace schedulerd {

/// Routes, authenticates and runs handlers. Thread-safe once built (the router is read-only).
class request_pipeline {
public:
    request_pipeline(router const& routes, auth_service& auth, metrics& m, logger& log)
        : routes_(routes), auth_(auth), metrics_(m), log_(log) {}

    /// Handles one request; never throws. Every response carries X-Request-ID.
    [[nodiscard]] response handle(request const& req, std::string_view remote = {}) noexcept;

    /// A response the connection layer produces itself before a request could be handled
    /// (413 body too large, 431 header too large, 400 unparseable), logged and counted like
    /// any other; it closes the connection.
    [[nodiscard]] response reject(request const& req,
                                  http::status st,
                                  std::string_view remote = {}) noexcept;

    [[nodiscard]] metrics& stats() noexcept { return metrics_; }
    [[nodiscard]] logger& log() noexcept { return log_; }

private:
    response dispatch(request const& req,
                      request_context& ctx,
                      std::string& route_name,
                      principal& who);
    void finish(request const& req,
                response& res,
                request_context const& ctx,
                std::string_view route_name,
                std::string_view user,
                std::chrono::steady_clock::time_point start,
                std::string_view remote) noexcept;

    router const& routes_;
    auth_service& auth_;
    metrics& metrics_;
    logger& log_;
};

/// The token of an "Authorization: Bearer <token>" header ("" when absent or another scheme).
[[nodiscard]] std::string_view bearer_token(request const& req) noexcept;

}  // namespace schedulerd
