// SPDX-License-Identifier: Apache-2.0
// Private: random UUID v4 text for config and run ids. libscheduler does not link OpenSSL, so
// the bits come from a std::random_device-seeded 64-bit Mersenne Twister per thread.
#pragma once

#include <string>

namespace scheduler::detail {

/// A fresh RFC 4122 version-4 UUID in lower-case canonical form
/// ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"). Thread-safe.
[[nodiscard]] std::string make_uuid_v4();

}  // namespace scheduler::detail
