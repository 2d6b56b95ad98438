// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: scheduler::cron_expr::parse, then next_after. The input is the expression
// up to the first newline; the bytes after it, if any, pick the zone (first byte, among zones
// with DST gaps, overlaps, half-hour offsets and southern summers) and the start instant (next
// four bytes, seconds since 1970, little-endian; default 2026-03-01T00:00:00Z). A parse error is
// fine; a crash, a sanitizer report, a hang, or a fire time that does not move forward is a
// finding.
#include <scheduler/clock.hpp>
#include <scheduler/cron.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

constexpr std::array<std::string_view, 6> zone_names = {"UTC",
                                                        "Europe/Berlin",
                                                        "America/New_York",
                                                        "Australia/Lord_Howe",
                                                        "Asia/Kathmandu",
                                                        "America/Santiago"};

date::time_zone const* zone_at(std::size_t i) {
    static auto const zones = [] {
        std::array<date::time_zone const*, zone_names.size()> z{};
        for (std::size_t k = 0; k < z.size(); ++k)
            z[k] = scheduler::locate_zone(zone_names[k]).value();
        return z;
    }();
    return zones[i % zones.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view input(reinterpret_cast<char const*>(data), size);
    auto const newline = input.find('\n');
    auto const text = input.substr(0, newline);
    auto const trailer =
        newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

    std::size_t zone_index = 0;
    std::uint32_t start = 1772323200;  // 2026-03-01T00:00:00Z
    if (!trailer.empty()) {
        zone_index = static_cast<unsigned char>(trailer[0]);
        if (trailer.size() >= 5) {
            start = 0;
            for (std::size_t i = 0; i < 4; ++i)
                start |= std::uint32_t{static_cast<unsigned char>(trailer[1 + i])} << (8 * i);
        }
    }

    auto expr = scheduler::cron_expr::parse(text);
    if (!expr) return 0;
    (void)expr->is_wildcard();
    auto const* zone = zone_at(zone_index);
    scheduler::time_point t{std::chrono::seconds{start}};
    for (int i = 0; i < 4; ++i) {
        auto next = expr->next_after(t, zone);
        if (!next) break;
        if (*next <= t) __builtin_trap();  // fire times must move strictly forward
        t = *next;
    }
    return 0;
}
