// SPDX-License-Identifier: Apache-2.0
// Password hashing: PBKDF2-HMAC-SHA256 (OpenSSL PKCS5_PBKDF2_HMAC) with a random 16-byte salt,
// stored as "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>" so the iteration count can
// rise later without invalidating stored hashes. Verification compares in constant time.
#pragma once

#include <string>
#include <string_view>

namespace schedulerd {

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; tests pass a lower count.
inline constexpr int default_pbkdf2_iterations = 210'000;

/// Hashes `password` with a fresh salt.
[[nodiscard]] std::string hash_password(std::string_view password,
                                        int iterations = default_pbkdf2_iterations);
/// True when `password` matches the stored `encoded` hash; false for a malformed hash.
[[nodiscard]] bool verify_password(std::string_view password, std::string_view encoded);
/// A random password of `length` characters from an unambiguous alphabet (first admin).
[[nodiscard]] std::string generate_password(std::size_t length = 24);

}  // namespace schedulerd
