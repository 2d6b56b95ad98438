// SPDX-License-Identifier: Apache-2.0
#include "uuid.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace scheduler::detail {

namespace {

std::mt19937_64& generator() {
    // One generator per thread: no lock on the hot path, and each is seeded from the OS so two
    // processes never share a sequence.
    thread_local std::mt19937_64 gen = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }();
    return gen;
}

}  // namespace

std::string make_uuid_v4() {
    std::array<std::uint8_t, 16> bytes{};
    auto& gen = generator();
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        auto word = gen();
        for (std::size_t j = 0; j < 8; ++j)
            bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(hex[bytes[i] >> 4]);
        out.push_back(hex[bytes[i] & 0x0f]);
    }
    return out;
}

}  // namespace scheduler::detail
