// SPDX-License-Identifier: Apache-2.0
#include <scheduler/duration.hpp>

#include <cstdint>

namespace scheduler {

namespace {

struct unit_info {
    char suffix;
    duration::units flag;
    std::int64_t seconds;
};
constexpr unit_info unit_table[] = {{'d', duration::days, 86400},
                                    {'h', duration::hours, 3600},
                                    {'m', duration::minutes, 60},
                                    {'s', duration::seconds, 1}};

std::string allowed_text(duration::units allowed) {
    std::string out;
    for (auto const& u : unit_table) {
        if (!(allowed & u.flag)) continue;
        if (!out.empty()) out += '|';
        out += "<n>";
        out += u.suffix;
    }
    return out;
}

}  // namespace

result<duration> duration::parse(std::string_view text, std::string_view field, units allowed) {
    auto bad = [&](std::string why) {
        return invalid_argument(std::string(field), "'" + std::string(text.substr(0, 32)) + "' " +
                                                        why + " (expected " +
                                                        allowed_text(allowed) + ")");
    };
    if (text.size() < 2) return bad("is not a duration");
    std::string_view digits = text.substr(0, text.size() - 1);
    // At most 10 digits keeps n * 86400 far inside int64.
    if (digits.size() > 10) return bad("is too large");
    std::int64_t n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return bad("is not a duration");
        n = n * 10 + (c - '0');
    }
    char const suffix = text.back();
    for (auto const& u : unit_table) {
        if (u.suffix != suffix) continue;
        if (!(allowed & u.flag)) return bad("uses a unit this field does not accept");
        duration d;
        d.value_ = std::chrono::seconds{n * u.seconds};
        d.text_ = std::string(text);
        return d;
    }
    return bad("is not a duration");
}

duration duration::from(std::chrono::seconds s) {
    duration d;
    d.value_ = s;
    std::int64_t const n = s.count();
    for (auto const& u : unit_table) {
        if (n != 0 && n % u.seconds == 0) {
            d.text_ = std::to_string(n / u.seconds) + u.suffix;
            return d;
        }
    }
    d.text_ = std::to_string(n) + "s";
    return d;
}

}  // namespace scheduler
