// SPDX-License-Identifier: Apache-2.0
#include <scheduler/clock.hpp>

#include <date/date.h>

#include <cstdio>

namespace scheduler {

time_point system_clock_source::now() const {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

namespace {

bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > s.size()) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
        char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    out = v;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
    if (pos >= s.size()) return false;
    if (s[pos] != a && (b == '\0' || s[pos] != b)) return false;
    ++pos;
    return true;
}

}  // namespace

result<time_point> parse_rfc3339(std::string_view s, std::string_view field) {
    auto bad = [&] {
        // Appended step by step: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
        // "'" + std::string(...).
        std::string message = "'";
        message.append(s.substr(0, 64));
        message += "' is not an RFC 3339 time";
        return invalid_argument(std::string(field), message);
    };
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !read_digits(s, pos, 2, d) || !expect(s, pos, 'T', 't') ||
        !read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi) ||
        !expect(s, pos, ':') || !read_digits(s, pos, 2, sec))
        return bad();
    std::int64_t micros = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 6) micros = micros * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return bad();
        for (int i = digits; i < 6; ++i) micros *= 10;
    }
    int offset_minutes = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om) ||
            oh > 23 || om > 59)
            return bad();
        offset_minutes = sign * (oh * 60 + om);
    } else {
        return bad();
    }
    if (pos != s.size()) return bad();
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                             date::day{static_cast<unsigned>(d)}};
    // Leap seconds (":60") are not representable in sys_time; refuse rather than guess.
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return bad();
    auto t = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
             std::chrono::seconds{sec} + std::chrono::microseconds{micros} -
             std::chrono::minutes{offset_minutes};
    return time_point{std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch())};
}

std::string format_rfc3339(time_point t, bool with_fraction) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    date::hh_mm_ss<std::chrono::microseconds> tod{t - day};
    // Digits written by hand: every timestamp of every API response comes through here, and
    // snprintf's format parsing was a tenth of the time of a 1,000-config list.
    int const year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        char buf[48];
        int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", year,
                              static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                              static_cast<int>(tod.hours().count()),
                              static_cast<int>(tod.minutes().count()),
                              static_cast<int>(tod.seconds().count()));
        std::string out(buf, static_cast<std::size_t>(n));
        if (with_fraction) {
            std::snprintf(buf, sizeof buf, ".%06lld",
                          static_cast<long long>(tod.subseconds().count()));
            out += buf;
        }
        out += 'Z';
        return out;
    }
    std::string out(with_fraction ? 27 : 20, '0');
    auto put = [&out](std::size_t at, long long v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10)
            out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    };
    put(0, year, 4);
    out[4] = '-';
    put(5, static_cast<unsigned>(ymd.month()), 2);
    out[7] = '-';
    put(8, static_cast<unsigned>(ymd.day()), 2);
    out[10] = 'T';
    put(11, tod.hours().count(), 2);
    out[13] = ':';
    put(14, tod.minutes().count(), 2);
    out[16] = ':';
    put(17, tod.seconds().count(), 2);
    if (with_fraction) {
        out[19] = '.';
        put(20, tod.subseconds().count(), 6);
    }
    out.back() = 'Z';
    return out;
}

}  // namespace scheduler
