// SPDX-License-Identifier: Apache-2.0
// Small OpenSSL-backed helpers of the server: random bytes, UUID v4, hex/base64url, SHA-256,
// HMAC-SHA256 and constant-time comparison. OpenSSL's headers stay in the .cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace schedulerd {

/// `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error if the RNG fails (never expected).
[[nodiscard]] std::string random_bytes(std::size_t n);
/// A random (version 4) UUID, lower-case: "3f0e...-4...".
[[nodiscard]] std::string uuid_v4();
/// A version-4-shaped UUID for correlating one request in logs and error bodies. Not a
/// secret, so it comes from a per-thread generator seeded once from the CSPRNG instead of a
/// RAND_bytes call (and its lock) per request.
[[nodiscard]] std::string request_id();
/// Lower-case hex of `bytes`.
[[nodiscard]] std::string to_hex(std::string_view bytes);
/// RFC 4648 §5 base64url without padding (the JWT encoding).
[[nodiscard]] std::string base64url_encode(std::string_view bytes);
/// Decodes unpadded base64url; nullopt on a character outside the alphabet.
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);
/// SHA-256 of `data` as lower-case hex.
[[nodiscard]] std::string sha256_hex(std::string_view data);
/// HMAC-SHA256 of `data` under `key` (32 raw bytes).
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);
/// Compares without an early exit, so timing does not reveal the matching prefix.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace schedulerd
