// SPDX-License-Identifier: Apache-2.0
// File: scheduler/errors.hpp
//
// The error model of the library: one canonical `code` list, a `status` carrying a code, a
// message and (for validation) the offending field, and `result<T>` for functions that can fail
// for reasons a caller must handle. `.value()` on a failed result throws `scheduler::error`.
//
//   scheduler::result<scheduler::cron_expr> r = scheduler::cron_expr::parse("*/5 * * * *");
//   if (!r) std::cerr << r.error().field() << ": " << r.error().message() << '\n';
//   auto expr = scheduler::cron_expr::parse("0 1 * * *").value();  // throws on error
#pragma once

#include <boost/system/result.hpp>

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace scheduler {

/// Canonical error codes (after google.rpc.Code). Pick the most specific one that applies.
enum class code {
    ok = 0,
    /// The caller sent something malformed or out of range; retrying unchanged will fail again.
    invalid_argument,
    /// The named entity does not exist.
    not_found,
    /// A unique name or key is taken.
    already_exists,
    /// The system is not in the state the call needs (e.g. deleting a run still in progress);
    /// the caller must change that state before retrying.
    failed_precondition,
    /// A concurrency conflict (transaction aborted, overlap refused); retry at a higher level.
    aborted,
    /// Transient: store busy, provider throttled or unreachable. Retry with backoff.
    unavailable,
    /// The deadline passed before the work finished.
    deadline_exceeded,
    /// Authenticated, but not allowed.
    permission_denied,
    /// No valid credentials.
    unauthenticated,
    /// A quota or limit is exhausted (too many items, body too large).
    resource_exhausted,
    /// The work was cancelled by its caller.
    cancelled,
    /// Not implemented or not supported here.
    unimplemented,
    /// An invariant broke; a bug. Never used for bad input.
    internal,
};

/// Lower-case name of a code ("invalid_argument").
[[nodiscard]] std::string_view to_string(code c) noexcept;

/// The Boost.System / std category of `scheduler::code`, so codes travel through Asio handlers.
[[nodiscard]] std::error_category const& error_category() noexcept;
[[nodiscard]] std::error_code make_error_code(code c) noexcept;

/// A failure: code, human message and, for validation errors, the offending field name
/// (JSON field path such as "run_at" or "cckm_key_rotation_params.expire_in").
/// Thread safety: a value type; distinct objects may be used concurrently.
class [[nodiscard]] status {
public:
    status() = default;
    status(code c, std::string message, std::string field = {})
        : code_(c), message_(std::move(message)), field_(std::move(field)) {}

    [[nodiscard]] code error_code() const noexcept { return code_; }
    [[nodiscard]] bool ok() const noexcept { return code_ == code::ok; }
    [[nodiscard]] std::string const& message() const noexcept { return message_; }
    [[nodiscard]] std::string const& field() const noexcept { return field_; }
    /// "invalid_argument: run_at: bad minute token '61'"
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(status const&, status const&) = default;

private:
    code code_ = code::ok;
    std::string message_;
    std::string field_;
};

/// Prints status::to_string().
std::ostream& operator<<(std::ostream& os, status const& s);

/// Shorthands for the most common failures.
[[nodiscard]] status invalid_argument(std::string field, std::string message);
[[nodiscard]] status not_found(std::string message);

/// Exception thrown by `result<T>::value()` on failure, for callers who prefer exceptions.
class error : public std::runtime_error {
public:
    explicit error(status s);
    [[nodiscard]] scheduler::status const& get_status() const noexcept { return status_; }

private:
    scheduler::status status_;
};

/// Found by ADL from boost::system::result<T, status>::value().
[[noreturn]] void throw_exception_from_error(status const& s, boost::source_location const& loc);

/// Result of a fallible library call: a value or a `status`. Mark functions returning it
/// [[nodiscard]] (the alias cannot carry the attribute).
template <class T>
using result = boost::system::result<T, status>;

}  // namespace scheduler

template <>
struct std::is_error_code_enum<scheduler::code> : std::true_type {};
