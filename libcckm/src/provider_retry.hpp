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

/// Calls `fn` until it succeeds, fails permanently or exhausts ctx.retry_settings(), waiting
/// the backoff through the context (instant under a manual clock). `code::cancelled` when the
/// run is cancelled while waiting, naming the last error.
template <class F>
[[nodiscard]] auto call_with_retry(scheduler::operation_context& ctx, int& attempts, F&& fn)
    -> std::invoke_result_t<F&> {
    auto const policy = ctx.retry_settings();
    for (int attempt = 0;; ++attempt) {
        attempts = attempt + 1;
        auto r = fn();
        if (r || !cckm::is_retryable(r.error()) || attempt >= policy.max_retries) return r;
        if (!scheduler::retry_wait(ctx, policy, attempt))
            return scheduler::status{scheduler::code::cancelled,
                                     "cancelled while retrying: " + r.error().message()};
    }
}

}  // namespace cckm::detail
