// SPDX-License-Identifier: Apache-2.0
// Structured log lines (one JSON object per line) to stderr or a file. The access line carries
// method, route template, status, duration, request id and user, and nothing from headers or
// bodies: no Authorization header, password or token can reach the log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace schedulerd {

/// One finished request, as logged.
struct access_entry {
    std::string_view method;
    std::string_view route;  ///< the route template, or "unmatched"
    int status = 0;
    std::chrono::microseconds duration{0};
    std::string_view request_id;
    std::string_view user;    ///< username, or "" when anonymous
    std::string_view remote;  ///< peer address, may be empty
};

/// Line-oriented JSON logger. Thread-safe; each line is written whole. Access lines are
/// buffered and written at most 200 ms later (or once 32 KiB are pending), so a busy server
/// does not pay a write(2) per request; events are written at once, with everything before
/// them, and the destructor writes what is left.
class logger {
public:
    /// Logs to stderr.
    logger();
    /// Logs to `path` (appending; created 0600). Falls back to stderr when it cannot be opened.
    explicit logger(std::string const& path);
    ~logger();
    logger(logger const&) = delete;
    logger& operator=(logger const&) = delete;

    /// The access line of one request.
    void access(access_entry const& e);
    /// A free-form event: level "info"/"warn"/"error", a message (never a secret).
    void event(std::string_view level, std::string_view message);
    /// Writes buffered lines now.
    void flush();

private:
    void append(std::string const& line, bool now);
    /// Writes pending_ out. Caller holds mutex_.
    void write_pending();
    void flush_loop();

    std::mutex mutex_;
    std::condition_variable cv_;
    std::string pending_;  ///< whole lines not yet written
    bool stopping_ = false;
    std::FILE* file_ = nullptr;
    std::thread flusher_;  ///< last: starts once the members above exist
};

}  // namespace schedulerd
