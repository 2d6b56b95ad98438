// SPDX-License-Identifier: Apache-2.0
// Private: one provider call with retries, for the operations. Like scheduler::retry_transient,
// but transient means what providers mean by it (unavailable or throttled), since a throttled
// cloud answers resource_exhausted and scheduler::is_transient counts only unavailable.
#pragma once

#include <cckm/cloud_provider.hpp>
#include <scheduler/operation.hpp>
#include <scheduler/retry.hpp>

#include <type_traits>

namespace cckm::detail {

/// Calls `fn` until it succeeds, fails permanently or has been retried `max_retries` times;
/// before retry n (from 0) calls `wait(n)`, which waits the backoff and returns false when the
/// work was cancelled meanwhile (then `code::cancelled`, naming the last error). `attempts`
/// counts the calls made.
template <class Wait, class F>
[[nodiscard]] auto retry_provider_call(int max_retries, int& attempts, Wait&& wait, F&& fn)
    -> std::invoke_result_t<F&> {
    for (int attempt = 0;; ++attempt) {
        attempts = attempt + 1;
        auto r = fn();
        if (r || !cckm::is_retryable(r.error()) || attempt >= max_retries) return r;
        if (!wait(attempt))
            return scheduler::status{scheduler::code::cancelled,
                                     "cancelled while retrying: " + r.error().message()};
    }
}

/// retry_provider_call with the run's retry settings, waiting through the context (instant
/// under a manual clock).
template <class F>
[[nodiscard]] auto call_with_retry(scheduler::operation_context& ctx, int& attempts, F&& fn)
    -> std::invoke_result_t<F&> {
    auto const policy = ctx.retry_settings();
    return retry_provider_call(
        policy.max_retries, attempts,
        [&](int attempt) { return scheduler::retry_wait(ctx, policy, attempt); },
        std::forward<F>(fn));
}

}  // namespace cckm::detail
