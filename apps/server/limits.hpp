// SPDX-License-Identifier: Apache-2.0
// Every limit of the HTTP server in one place (STYLE.md point 16, DESIGN.md §7). Each member has
// a default and the reason for it; tests/server/limits_test.cpp crosses each one.
#pragma once

#include <chrono>
#include <cstddef>

namespace schedulerd {

/// Connection and request limits of the HTTP(S) server. A value type; the server copies it.
struct server_limits {
    /// Largest request body; job configs are a few KiB, 1 MiB leaves room and bounds memory.
    std::size_t body_limit = 1024 * 1024;
    /// Largest request header block; fits a JWT plus the usual headers, refuses header bombs.
    std::size_t header_limit = 16 * 1024;
    /// Time for a whole request (header and body) to arrive once its first byte has; stops
    /// slow-header (slowloris) and slow-body clients, however steadily they trickle.
    std::chrono::milliseconds read_timeout{30'000};
    /// Time a connection may wait for the first byte of its next request; frees idle sockets.
    std::chrono::milliseconds idle_timeout{60'000};
    /// Time to write one response; a client that does not read cannot pin a session.
    std::chrono::milliseconds write_timeout{30'000};
    /// Time for the TLS handshake; an unfinished handshake holds a connection slot.
    std::chrono::milliseconds handshake_timeout{10'000};
    /// Responses queued per connection before reading pauses (HTTP pipelining back-pressure).
    std::size_t pipeline_limit = 8;
    /// Requests served on one connection before it is closed; spreads long-lived clients.
    std::size_t max_requests_per_connection = 1000;
    /// Open connections; beyond this new ones are closed at once, bounding fds and memory.
    std::size_t max_connections = 512;
    /// Threads serving connections; handlers block on SQLite, so more than one.
    std::size_t io_threads = 4;
    /// How long SIGTERM waits for in-flight requests before the sockets are closed regardless.
    std::chrono::milliseconds shutdown_grace{10'000};
};

}  // namespace schedulerd
