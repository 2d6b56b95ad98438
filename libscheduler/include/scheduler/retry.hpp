// SPDX-License-Identifier: Apache-2.0
// File: scheduler/retry.hpp
//
// Retrying a unit of work (one key, one provider call) on transient errors, as DESIGN.md §5
// asks: only `code::unavailable` is retried, with exponential backoff and full jitter, waiting
// through operation_context::wait_for (so a manual clock makes the waits instant in tests) and
// giving up as soon as the run is cancelled or past its deadline.
//
//   auto r = scheduler::retry_transient(ctx, [&] { return provider.rotate_key(id); });
//   if (!r) report(r.error());  // permanent error, retries exhausted, or cancelled
#pragma once

#include <scheduler/errors.hpp>
#include <scheduler/operation.hpp>

#include <chrono>
#include <type_traits>
#include <utility>

namespace scheduler {

/// The wait before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)]
/// ("full jitter", so many runs hitting one throttled provider spread out). Thread-safe.
[[nodiscard]] std::chrono::microseconds retry_backoff(retry_policy const& p, int attempt);

/// Waits the backoff of `attempt` through ctx.wait_for. False when the run was cancelled.
[[nodiscard]] bool retry_wait(operation_context& ctx, retry_policy const& p, int attempt);

/// True for errors worth retrying: the provider or store said "try again later".
[[nodiscard]] inline bool is_transient(status const& s) noexcept {
    return s.error_code() == code::unavailable;
}

/// Calls `fn` (returning a `result<T>`) until it succeeds, fails permanently, exhausts
/// `p.max_retries` retries, or the run is cancelled (then `code::cancelled`, naming the last
/// error). Never throws beyond what `fn` throws.
template <class F>
[[nodiscard]] auto retry_transient(operation_context& ctx, retry_policy const& p, F&& fn)
    -> std::invoke_result_t<F&> {
    for (int attempt = 0;; ++attempt) {
        auto r = fn();
        if (r || !is_transient(r.error()) || attempt >= p.max_retries) return r;
        if (!retry_wait(ctx, p, attempt)) {
            return status{code::cancelled, "cancelled while retrying: " + r.error().message(),
                          r.error().field()};
        }
    }
}

/// Same, with the engine's retry settings (engine_options::max_retries and retry_base).
template <class F>
[[nodiscard]] auto retry_transient(operation_context& ctx, F&& fn) -> std::invoke_result_t<F&> {
    return retry_transient(ctx, ctx.retry_settings(), std::forward<F>(fn));
}

}  // namespace scheduler
