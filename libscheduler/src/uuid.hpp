// SPDX-License-Identifier: Apache-2.0
// Private: UUID text for config and run ids (v7: time-ordered, so new rows append to the
// primary-key index instead of landing on a random page).
// libscheduler does not link OpenSSL, so the bits come from a std::random_device-seeded
// 64-bit Mersenne Twister per thread.
#pragma once

#include <string>

namespace scheduler::detail {

/// A fresh RFC 9562 version-7 UUID: 48-bit Unix milliseconds, then a per-thread counter and
/// random bits. Ids made later by one thread sort after earlier ones. Thread-safe.
[[nodiscard]] std::string make_uuid_v7();

}  // namespace scheduler::detail
