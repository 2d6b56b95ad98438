// SPDX-License-Identifier: Apache-2.0
// Randomized cross-check of cron_expr::next_after against a brute-force evaluator written here,
// independently and simply: it generates expressions from the grammar (with the L/W/#
// extensions, names, steps, '?', 6 fields), keeps its own value sets rather than reading the
// parser's, walks real UTC minutes one by one (skipping only whole wall-clock days that cannot
// match), converts each to wall time with the zone and applies the rules of DESIGN.md §4
// literally:
//  - a minute fires when its wall time matches (day rule included) and either the job is a
//    wildcard job or no earlier instant showed the same wall time (fixed-time: first occurrence);
//  - a fixed-time job also fires at the first instant after a jump forward when one of the
//    skipped wall-clock minutes matches.
// Scale with SCHEDULER_CRON_REFERENCE_CASES (default 3000) and SCHEDULER_CRON_REFERENCE_SEED.
#include <scheduler/cron.hpp>

#include "support/catch.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

using scheduler::cron_expr;
using scheduler::time_point;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

// ---------------------------------------------------------------------------------------------
// Generator: random expressions from the grammar, with the value sets they denote.

struct generated {
    std::string text;
    bool has_seconds = false;
    std::bitset<60> second;
    std::bitset<60> minute;
    std::bitset<24> hour;
    std::bitset<32> dom;
    std::bitset<13> month;
    std::bitset<7> dow;
    enum class dom_kind { plain, last, last_weekday, nearest } dom_ext = dom_kind::plain;
    int dom_n = 0;
    enum class dow_kind { plain, last, nth } dow_ext = dow_kind::plain;
    int dow_n = 0;
    int dow_k = 0;
    bool dom_restricted = false;
    bool dow_restricted = false;
    bool wildcard = false;
};

constexpr char const* month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr char const* weekday_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum class kind { second, minute, hour, dom, month, dow };

class generator {
public:
    explicit generator(std::uint64_t seed) : rng_(seed) {}

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return uniform(0, 99) < percent; }
    std::mt19937_64& rng() { return rng_; }

    generated next() {
        generated g;
        g.has_seconds = chance(25);
        std::vector<bool> v;
        std::string sec_text;
        if (g.has_seconds) {
            sec_text = plain(kind::second, 0, 59, 59, v);
            for (int i = 0; i < 60; ++i) g.second[i] = v[i];
        } else {
            g.second[0] = true;
        }
        std::string const min_text = plain(kind::minute, 0, 59, 59, v);
        for (int i = 0; i < 60; ++i) g.minute[i] = v[i];
        std::string const hour_text = plain(kind::hour, 0, 23, 23, v);
        for (int i = 0; i < 24; ++i) g.hour[i] = v[i];
        std::string const dom_text = day_of_month(g);
        std::string const month_text = chance(60) ? "*" : plain(kind::month, 1, 12, 12, v);
        if (month_text == "*") v.assign(13, true);
        for (int i = 1; i <= 12; ++i) g.month[i] = v[i];
        std::string const dow_text = day_of_week(g);
        g.dom_restricted = dom_text[0] != '*' && dom_text[0] != '?';
        g.dow_restricted = dow_text[0] != '*' && dow_text[0] != '?';
        g.wildcard =
            min_text[0] == '*' || min_text[0] == '?' || hour_text[0] == '*' || hour_text[0] == '?';
        g.text = (g.has_seconds ? sec_text + " " : "") + min_text + " " + hour_text + " " +
                 dom_text + " " + month_text + " " + dow_text;
        return g;
    }

private:
    std::string random_case(std::string s) {
        for (char& c : s)
            if (chance(40)) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }

    /// A value as text: sometimes a name; SUN stands for 7 only at the end of a range.
    std::string value_text(kind k, int value, bool range_end) {
        if (k == kind::month && chance(30)) return random_case(month_names[value - 1]);
        if (k == kind::dow && chance(30)) {
            if (value >= 1 && value <= 6) return random_case(weekday_names[value]);
            if ((value == 7 && range_end) || (value == 0 && !range_end)) return random_case("SUN");
        }
        return std::to_string(value);
    }

    int pick(kind k, int lo, int hi) {
        // Hours near the DST transitions (01:00-03:59 in the zones tested) half the time.
        if (k == kind::hour && chance(50)) return uniform(1, 3);
        if (k == kind::minute && chance(30)) return uniform(0, 3) * 15;
        return uniform(lo, hi);
    }

    /// Lists, ranges, steps, '*', '?'; fills `v` (indexed by value, day-of-week 7 folded to 0).
    std::string plain(kind k, int lo, int hi, int wild_hi, std::vector<bool>& v) {
        v.assign(static_cast<std::size_t>(hi) + 1, false);
        auto set = [&](int a, int b, int step) {
            for (int x = a; x <= b; x += step) v[static_cast<std::size_t>(x)] = true;
        };
        int const span = wild_hi - lo + 1;
        int const r = uniform(0, 99);
        if (r < 15 || ((k == kind::dom || k == kind::dow) && r < 22)) {
            set(lo, wild_hi, 1);
            return r < 12 ? "*" : "?";
        }
        if (r < 30) {
            int const step = uniform(1, std::min(span, 12));
            set(lo, wild_hi, step);
            return "*/" + std::to_string(step);
        }
        std::string text;
        int const items = uniform(1, 3);
        for (int i = 0; i < items; ++i) {
            if (i > 0) text += ",";
            int const form = uniform(0, 99);
            int a = pick(k, lo, hi);
            if (form < 45) {
                set(a, a, 1);
                text += value_text(k, a, false);
            } else if (form < 75) {
                int b = pick(k, lo, hi);
                if (a > b) std::swap(a, b);
                set(a, b, 1);
                text += value_text(k, a, false) + "-" + value_text(k, b, true);
            } else if (form < 90) {
                int b = pick(k, lo, hi);
                if (a > b) std::swap(a, b);
                int const step = uniform(1, std::min(span, 10));
                set(a, b, step);
                text += value_text(k, a, false) + "-" + value_text(k, b, true) + "/" +
                        std::to_string(step);
            } else {
                a = uniform(lo, wild_hi);
                int const step = uniform(1, std::min(span, 10));
                set(a, wild_hi, step);
                text += value_text(k, a, false) + "/" + std::to_string(step);
            }
        }
        return text;
    }

    std::string day_of_month(generated& g) {
        if (chance(15)) {
            switch (uniform(0, 2)) {
                case 0:
                    g.dom_ext = generated::dom_kind::last;
                    return chance(50) ? "L" : "l";
                case 1:
                    g.dom_ext = generated::dom_kind::last_weekday;
                    return "LW";
                default:
                    g.dom_ext = generated::dom_kind::nearest;
                    g.dom_n = chance(30) ? uniform(28, 31) : chance(20) ? 1 : uniform(1, 31);
                    return std::to_string(g.dom_n) + (chance(50) ? "W" : "w");
            }
        }
        std::vector<bool> v;
        std::string text = plain(kind::dom, 1, 31, 31, v);
        for (int i = 1; i <= 31; ++i) g.dom[i] = v[i];
        return text;
    }

    std::string day_of_week(generated& g) {
        if (chance(15)) {
            g.dow_n = uniform(0, 7);
            std::string const n = value_text(kind::dow, g.dow_n, false);
            g.dow_n %= 7;
            if (chance(50)) {
                g.dow_ext = generated::dow_kind::last;
                return n + "L";
            }
            g.dow_ext = generated::dow_kind::nth;
            g.dow_k = uniform(1, 5);
            return n + "#" + std::to_string(g.dow_k);
        }
        std::vector<bool> v;
        std::string text = plain(kind::dow, 0, 7, 6, v);
        for (int i = 0; i <= 7; ++i)
            if (v[static_cast<std::size_t>(i)]) g.dow[static_cast<std::size_t>(i % 7)] = true;
        return text;
    }

    std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------
// Reference evaluator.

using local_minutes = date::local_time<minutes>;
using sys_minutes = date::sys_time<minutes>;

bool weekend(date::year_month_day ymd) {
    auto const wd = date::weekday{date::sys_days{ymd}};
    return wd == date::Saturday || wd == date::Sunday;
}

bool day_matches(generated const& g, date::year_month_day ymd) {
    using dk = generated::dom_kind;
    using wk = generated::dow_kind;
    auto const d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    auto const last = static_cast<int>(static_cast<unsigned>(
        date::year_month_day_last{ymd.year(), ymd.month() / date::last}.day()));
    auto const day = [&](int n) {
        return date::year_month_day{ymd.year(), ymd.month(), date::day(static_cast<unsigned>(n))};
    };
    auto const wd = static_cast<int>(date::weekday{date::sys_days{ymd}}.c_encoding());
    bool dom_ok = false;
    switch (g.dom_ext) {
        case dk::plain:
            dom_ok = g.dom[static_cast<std::size_t>(d)];
            break;
        case dk::last:
            dom_ok = d == last;
            break;
        case dk::last_weekday: {
            int t = last;
            while (weekend(day(t))) --t;
            dom_ok = d == t;
            break;
        }
        case dk::nearest: {
            int const n = g.dom_n;
            if (n > last) break;
            auto const wn = date::weekday{date::sys_days{day(n)}};
            int t = n;
            if (wn == date::Saturday) t = n == 1 ? 3 : n - 1;
            if (wn == date::Sunday) t = n == last ? n - 2 : n + 1;
            dom_ok = d == t;
            break;
        }
    }
    bool dow_ok = false;
    switch (g.dow_ext) {
        case wk::plain:
            dow_ok = g.dow[static_cast<std::size_t>(wd)];
            break;
        case wk::last:
            dow_ok = wd == g.dow_n && d + 7 > last;
            break;
        case wk::nth:
            dow_ok = wd == g.dow_n && (d - 1) / 7 + 1 == g.dow_k;
            break;
    }
    return g.dom_restricted && g.dow_restricted ? (dom_ok || dow_ok) : (dom_ok && dow_ok);
}

bool minute_matches(generated const& g, local_minutes l) {
    auto const day = date::floor<date::days>(l);
    date::year_month_day const ymd{day};
    date::hh_mm_ss<minutes> const hms{l - day};
    return g.month[static_cast<unsigned>(ymd.month())] &&
           g.hour[static_cast<std::size_t>(hms.hours().count())] &&
           g.minute[static_cast<std::size_t>(hms.minutes().count())] && day_matches(g, ymd);
}

/// Can the expression fire at all? Every day of a full 400-year Gregorian cycle.
bool ever_fires(generated const& g) {
    for (date::sys_days d = date::year{2000} / 1 / 1; d < date::year{2400} / 1 / 1;
         d += date::days{1}) {
        date::year_month_day const ymd{d};
        if (g.month[static_cast<unsigned>(ymd.month())] && day_matches(g, ymd)) return true;
    }
    return false;
}

class reference {
public:
    reference(generated const& g, date::time_zone const* zone) : g_(g), zone_(zone) {}

    /// Fire instants inside the UTC minute starting at `u`, ascending.
    std::vector<date::sys_seconds> fires_in_minute(sys_minutes u) const {
        std::vector<date::sys_seconds> out;
        local_minutes const l = local(u);
        local_minutes const before = local(u - minutes{1});
        if (!g_.wildcard && l - before > minutes{1}) {
            // The wall clock jumped forward: a matching skipped minute fires now.
            for (local_minutes s = before + minutes{1}; s < l; s += minutes{1})
                if (minute_matches(g_, s)) {
                    out.push_back(u);
                    break;
                }
        }
        if (minute_matches(g_, l) && (g_.wildcard || first_occurrence(u, l)))
            for (int s = 0; s < 60; ++s)
                if (g_.second[static_cast<std::size_t>(s)] && (out.empty() || s > 0))
                    out.push_back(u + seconds{s});
        return out;
    }

    /// The first fire strictly after `after` within `horizon`, if any.
    std::optional<date::sys_seconds> next(time_point after, minutes horizon) const {
        sys_minutes const first = date::floor<minutes>(after);
        for (sys_minutes u = first; u <= first + horizon;) {
            for (auto t : fires_in_minute(u))
                if (t > after) return t;
            u += minutes_to_skip(u);
        }
        return std::nullopt;
    }

private:
    local_minutes local(sys_minutes u) const { return date::floor<minutes>(zone_->to_local(u)); }

    /// One minute, or, when the wall-clock day of `u` cannot match and the offset stays put
    /// until well after the next local midnight, the minutes up to that midnight.
    minutes minutes_to_skip(sys_minutes u) const {
        local_minutes const l = local(u);
        auto const day = date::floor<date::days>(l);
        date::year_month_day const ymd{day};
        if (g_.month[static_cast<unsigned>(ymd.month())] && day_matches(g_, ymd)) return minutes{1};
        minutes const to_midnight = day + date::days{1} - l;
        if (zone_->get_info(u).end <= u + to_midnight + std::chrono::hours{3}) return minutes{1};
        return to_midnight;
    }

    /// False when an instant in the three hours before showed the same wall time.
    bool first_occurrence(sys_minutes u, local_minutes l) const {
        if (zone_->get_info(u).begin <= u - std::chrono::hours{3}) return true;
        for (sys_minutes v = u - minutes{1}; v >= u - std::chrono::hours{3}; v -= minutes{1})
            if (local(v) == l) return false;
        return true;
    }

    generated const& g_;
    date::time_zone const* zone_;
};

std::uint64_t env_or(char const* name, std::uint64_t fallback) {
    char const* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

/// A start instant: half the time within 36 hours of one of the zone's offset changes.
time_point random_start(generator& gen, date::time_zone const* zone) {
    using std::chrono::microseconds;
    std::int64_t const lo = 631152000;   // 1990-01-01
    std::int64_t const hi = 2240611200;  // 2041-01-01
    std::int64_t t = std::uniform_int_distribution<std::int64_t>(lo, hi)(gen.rng());
    if (gen.chance(50)) {
        auto const info = zone->get_info(date::sys_seconds{seconds{t}});
        std::int64_t const edge =
            (gen.chance(50) ? info.begin : info.end).time_since_epoch().count();
        // Sometimes the search starts exactly at the change (the gap's fixed-time fire).
        if (edge > lo && edge < hi)
            t = edge + (gen.chance(20) ? -1 : gen.uniform(-36 * 3600, 36 * 3600));
    }
    std::int64_t micros = 0;
    if (gen.chance(50)) {
        micros = gen.uniform(0, 999999);
    } else if (gen.chance(50)) {
        t -= t % 60;  // exactly on a minute: often exactly on a fire
    }
    return time_point{microseconds{t * 1'000'000 + micros}};
}

}  // namespace

TEST_CASE("cron next_after agrees with a brute-force evaluator", "[cron][dst][reference]") {
    std::uint64_t const seed = env_or("SCHEDULER_CRON_REFERENCE_SEED", 20260329);
    std::uint64_t const cases = env_or("SCHEDULER_CRON_REFERENCE_CASES", 3000);
    generator gen(seed);
    char const* const zone_names[] = {"UTC", "Europe/Berlin", "America/New_York",
                                      "Australia/Lord_Howe", "Pacific/Chatham"};
    minutes const horizon = std::chrono::hours{24 * 366 * 3};
    int compared = 0;
    int beyond_horizon = 0;
    int never = 0;
    for (std::uint64_t i = 0; i < cases; ++i) {
        generated const g = gen.next();
        auto const zone_index = static_cast<std::size_t>(gen.uniform(0, 4));
        date::time_zone const* zone = date::locate_zone(zone_names[zone_index]);
        INFO("seed " << seed << " case " << i << ": '" << g.text << "' in "
                     << zone_names[zone_index]);
        auto const expr = cron_expr::parse(g.text);
        if (!expr) {
            INFO(expr.error().to_string());
            REQUIRE_THAT(expr.error().message(), Catch::Contains("can never fire"));
            REQUIRE_FALSE(ever_fires(g));
            ++never;
            continue;
        }
        REQUIRE(expr->is_wildcard() == g.wildcard);
        reference const ref(g, zone);
        // The library with a null zone must agree with the reference in UTC.
        date::time_zone const* lib_zone = zone_index == 0 && gen.chance(50) ? nullptr : zone;
        time_point after = random_start(gen, zone);
        for (int step = 0; step < 3; ++step) {
            INFO("after " << scheduler::format_rfc3339(after));
            auto const lib = expr->next_after(after, lib_zone);
            auto const want = ref.next(after, horizon);
            REQUIRE(lib.has_value());
            if (!want) {
                // Nothing within the horizon: the library's answer must lie beyond it and be a
                // real fire.
                REQUIRE(*lib > after + horizon);
                auto const fires = ref.fires_in_minute(date::floor<minutes>(*lib));
                REQUIRE(std::find(fires.begin(), fires.end(), date::floor<seconds>(*lib)) !=
                        fires.end());
                ++beyond_horizon;
                break;
            }
            REQUIRE(scheduler::format_rfc3339(*lib) ==
                    scheduler::format_rfc3339(time_point{*want}));
            ++compared;
            after = *lib;
        }
    }
    INFO("compared " << compared << ", beyond horizon " << beyond_horizon << ", never " << never);
    CHECK(compared > static_cast<int>(cases));
}
