// SPDX-License-Identifier: Apache-2.0
#include <scheduler/retry.hpp>

#include <algorithm>
#include <cstdint>
#include <random>

namespace scheduler {

std::chrono::microseconds retry_backoff(retry_policy const& p, int attempt) {
    using std::chrono::microseconds;
    auto const cap = std::chrono::duration_cast<microseconds>(p.cap).count();
    auto ceiling = std::chrono::duration_cast<microseconds>(p.base).count();
    // Doubling stops at the cap; also keeps the shift from overflowing on large attempts.
    for (int i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::clamp<std::int64_t>(ceiling, 0, cap);
    thread_local std::mt19937_64 gen{std::random_device{}()};
    std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
    return microseconds{pick(gen)};
}

bool retry_wait(operation_context& ctx, retry_policy const& p, int attempt) {
    if (ctx.cancelled()) return false;
    return ctx.wait_for(retry_backoff(p, attempt));
}

}  // namespace scheduler
