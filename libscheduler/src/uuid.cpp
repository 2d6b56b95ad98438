// SPDX-License-Identifier: Apache-2.0
#include "uuid.hpp"

#include <array>
#include <chrono>
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

std::array<std::uint8_t, 16> random_bytes() {
    std::array<std::uint8_t, 16> bytes{};
    auto& gen = generator();
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        auto word = gen();
        for (std::size_t j = 0; j < 8; ++j)
            bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
    return bytes;
}

std::string to_text(std::array<std::uint8_t, 16> const& bytes) {
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

}  // namespace

std::string make_uuid_v7() {
    // RFC 9562 §6.2 method 1: the 12 bits after the version are a counter that restarts at a
    // random value below 2048 each millisecond, so ids made by one thread within a millisecond
    // still sort in creation order (and up to 2048 of them fit before the counter borrows the
    // next millisecond's value).
    thread_local std::uint64_t last_ms = 0;
    thread_local std::uint32_t counter = 0;
    auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    auto bytes = random_bytes();
    if (ms > last_ms) {
        last_ms = ms;
        counter = bytes[6] & 0x07u;
        counter = (counter << 8) | bytes[7];
    } else if (++counter > 0x0fffu) {
        ++last_ms;  // counter exhausted: borrow the next millisecond rather than repeat
        counter = 0;
    }
    ms = last_ms;
    for (int i = 0; i < 6; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    bytes[6] = static_cast<std::uint8_t>(0x70 | ((counter >> 8) & 0x0f));  // version 7
    bytes[7] = static_cast<std::uint8_t>(counter & 0xff);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
    return to_text(bytes);
}

}  // namespace scheduler::detail
