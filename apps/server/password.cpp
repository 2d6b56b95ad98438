// SPDX-License-Identifier: Apache-2.0
#include "password.hpp"

#include "crypto_util.hpp"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace schedulerd {

namespace {

constexpr std::string_view scheme = "pbkdf2-sha256";
constexpr std::size_t salt_size = 16;
constexpr std::size_t hash_size = 32;
constexpr int max_iterations = 10'000'000;  // refuses a stored hash that would stall a login

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
    std::string out(hash_size, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<unsigned char const*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1)
        throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
    return out;
}

/// Splits "a$b$c$d" into four parts.
std::optional<std::array<std::string_view, 4>> split4(std::string_view s) {
    std::array<std::string_view, 4> parts;
    for (std::size_t i = 0; i < 3; ++i) {
        auto d = s.find('$');
        if (d == std::string_view::npos) return std::nullopt;
        parts[i] = s.substr(0, d);
        s.remove_prefix(d + 1);
    }
    parts[3] = s;
    return parts;
}

}  // namespace

std::string hash_password(std::string_view password, int iterations) {
    auto salt = random_bytes(salt_size);
    return std::string(scheme) + '$' + std::to_string(iterations) + '$' + base64url_encode(salt) +
           '$' + base64url_encode(pbkdf2(password, salt, iterations));
}

bool verify_password(std::string_view password, std::string_view encoded) {
    auto parts = split4(encoded);
    if (!parts || (*parts)[0] != scheme) return false;
    int iterations = 0;
    auto it = (*parts)[1];
    auto [p, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
    if (ec != std::errc{} || p != it.data() + it.size() || iterations < 1 ||
        iterations > max_iterations)
        return false;
    auto salt = base64url_decode((*parts)[2]);
    auto expected = base64url_decode((*parts)[3]);
    if (!salt || !expected || expected->size() != hash_size) return false;
    return constant_time_equal(pbkdf2(password, *salt, iterations), *expected);
}

std::string generate_password(std::size_t length) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::string out;
    while (out.size() < length) {
        for (unsigned char b : random_bytes(length)) {
            // Rejection sampling keeps every character equally likely (no modulo bias).
            if (b >= 256 - 256 % alphabet.size()) continue;
            out += alphabet[b % alphabet.size()];
            if (out.size() == length) break;
        }
    }
    return out;
}

}  // namespace schedulerd
