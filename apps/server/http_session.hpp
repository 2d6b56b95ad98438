// SPDX-License-Identifier: Apache-2.0
// One HTTP(S) connection, after Beast's advanced_server (STYLE.md point 15): the connection runs
// on its own strand, re-creates its parser per request with the body and header limits, uses
// the idle timeout while waiting for a request header and the read timeout for its body, queues
// at most `pipeline_limit` responses before it stops reading, closes after
// `max_requests_per_connection`, and never lets an exception out of a handler.
#pragma once

#include "limits.hpp"
#include "pipeline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace schedulerd {

/// What the listener and every session share.
struct session_env;

/// A live connection the registry can ask to wind down.
class session_base {
public:
    virtual ~session_base() = default;
    /// Stop after the in-flight request: idle connections close now, busy ones after writing.
    virtual void shutdown() = 0;
};

/// The open connections: enforces max_connections and lets a graceful stop reach each one.
/// Thread-safe.
class session_registry {
public:
    explicit session_registry(std::size_t max_connections) : max_(max_connections) {}
    /// Registers a session; 0 when the server is full or stopping (the caller closes it).
    [[nodiscard]] std::uint64_t try_add(std::weak_ptr<session_base> s);
    void remove(std::uint64_t id);
    [[nodiscard]] std::size_t size() const;
    /// Marks the registry stopping and asks every session to wind down.
    void shutdown_all();
    [[nodiscard]] bool stopping() const noexcept {
        return stopping_.load(std::memory_order_acquire);
    }

private:
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::weak_ptr<session_base>> sessions_;
    std::uint64_t next_id_ = 1;
    std::size_t max_;
    std::atomic<bool> stopping_{false};
};

struct session_env {
    request_pipeline& pipeline;
    server_limits limits;
    session_registry registry;
    session_env(request_pipeline& p, server_limits const& l)
        : pipeline(p), limits(l), registry(l.max_connections) {}
};

/// Starts a plain-HTTP session on `socket` (whose executor should be a strand).
void start_plain_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<session_env> env);
/// Starts a TLS session: handshake (handshake_timeout), then HTTP as above.
void start_tls_session(boost::asio::ip::tcp::socket&& socket,
                       boost::asio::ssl::context& ctx,
                       std::shared_ptr<session_env> env);

}  // namespace schedulerd
