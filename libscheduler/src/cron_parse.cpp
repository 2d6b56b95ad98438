// SPDX-License-Identifier: Apache-2.0
// cron_expr::parse: the dialect of DESIGN.md §4. A small hand-written parser: split into fields,
// each field into list items, each item into a base (`*`, value, range) and an optional step;
// the L/W/# extensions are recognised per day field and must stand alone. Every error names the
// cron field and the offending token.
#include <scheduler/cron.hpp>

#include "cron_walk.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace scheduler {

namespace {

enum class field_kind { second, minute, hour, day_of_month, month, day_of_week };

struct field_spec {
    field_kind kind;
    char const* name;
    int min;
    int max;           // largest value accepted (7 for day-of-week: 7 = Sunday)
    int wildcard_max;  // upper end of `*` and of `a/n` (6 for day-of-week)
};

constexpr std::array<field_spec, 6> specs{{
    {field_kind::second, "second", 0, 59, 59},
    {field_kind::minute, "minute", 0, 59, 59},
    {field_kind::hour, "hour", 0, 23, 23},
    {field_kind::day_of_month, "day-of-month", 1, 31, 31},
    {field_kind::month, "month", 1, 12, 12},
    {field_kind::day_of_week, "day-of-week", 0, 7, 6},
}};

constexpr std::array<std::string_view, 12> month_names{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> weekday_names{"SUN", "MON", "TUE", "WED",
                                                        "THU", "FRI", "SAT"};

struct macro {
    std::string_view name;
    std::string_view expansion;
};
constexpr std::array<macro, 7> macros{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t const start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

/// Parses one field's text into a cron_expr::fields; reports errors naming the field.
class field_parser {
public:
    field_parser(field_spec const& spec, std::string_view text, cron_expr::fields& out)
        : spec_(spec), text_(text), out_(out) {}

    [[nodiscard]] result<void> parse() {
        bool const is_day_field =
            spec_.kind == field_kind::day_of_month || spec_.kind == field_kind::day_of_week;
        if (is_day_field) {
            bool const restricted = text_.front() != '*' && text_.front() != '?';
            (spec_.kind == field_kind::day_of_month ? out_.dom_restricted : out_.dow_restricted) =
                restricted;
            if (text_.find(',') == std::string_view::npos && is_extension(text_))
                return parse_extension(text_);
        }
        std::uint64_t bits = 0;
        std::size_t pos = 0;
        for (;;) {
            std::size_t const comma = text_.find(',', pos);
            std::string_view const item = text_.substr(pos, comma - pos);
            if (item.empty()) return fail("empty list item in " + quoted(text_));
            if (is_day_field && is_extension(item))
                return fail(quoted(item) + " must stand alone in its field, not in a list");
            auto r = parse_item(item, bits);
            if (!r) return r;
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
        store(bits);
        return {};
    }

private:
    [[nodiscard]] status fail(std::string const& message) const {
        return invalid_argument("run_at", std::string(spec_.name) + ": " + message);
    }

    [[nodiscard]] status out_of_range(std::string_view token, int lo, int hi) const {
        return fail(quoted(token) + " is out of range " + std::to_string(lo) + "-" +
                    std::to_string(hi));
    }

    /// An L, W or # term of a day field (syntax only; its values are checked when parsed).
    [[nodiscard]] bool is_extension(std::string_view item) const {
        std::string const u = upper(item);
        if (spec_.kind == field_kind::day_of_month)
            return u.find_first_of("LW") != std::string::npos;
        if (spec_.kind == field_kind::day_of_week)
            return u.find('#') != std::string::npos || (!u.empty() && u.back() == 'L') ||
                   (u.find('L') != std::string::npos && u.find_first_of("-/") != std::string::npos);
        return false;
    }

    [[nodiscard]] static bool all_digits(std::string_view s) {
        return !s.empty() &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    }

    /// A number or (month, day-of-week) a name. `range_end` makes SUN mean 7, so SAT-SUN works.
    [[nodiscard]] result<int> parse_value(std::string_view token, bool range_end = false) const {
        if (all_digits(token)) {
            int v = 0;
            auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
            if (ec != std::errc{} || ptr != token.data() + token.size() || v < spec_.min ||
                v > spec_.max)
                return out_of_range(token, spec_.min, spec_.max);
            return v;
        }
        std::string const u = upper(token);
        if (spec_.kind == field_kind::month) {
            auto it = std::find(month_names.begin(), month_names.end(), u);
            if (it != month_names.end()) return static_cast<int>(it - month_names.begin()) + 1;
        }
        if (spec_.kind == field_kind::day_of_week) {
            auto it = std::find(weekday_names.begin(), weekday_names.end(), u);
            if (it != weekday_names.end()) {
                int const v = static_cast<int>(it - weekday_names.begin());
                return v == 0 && range_end ? 7 : v;
            }
        }
        if (token.empty()) return fail("missing value in " + quoted(text_));
        return fail(quoted(token) + " is not a valid value");
    }

    [[nodiscard]] result<void> parse_item(std::string_view item, std::uint64_t& bits) const {
        std::size_t const slash = item.find('/');
        std::string_view const base = item.substr(0, slash);
        int lo = 0;
        int hi = 0;
        if (base == "*" || base == "?") {
            lo = spec_.min;
            hi = spec_.wildcard_max;
        } else if (std::size_t const dash = base.find('-'); dash != std::string_view::npos) {
            auto a = parse_value(base.substr(0, dash));
            if (!a) return a.error();
            auto b = parse_value(base.substr(dash + 1), true);
            if (!b) return b.error();
            lo = *a;
            hi = *b;
            if (hi < lo) return fail("range " + quoted(base) + " is reversed");
        } else {
            auto v = parse_value(base);
            if (!v) return v.error();
            lo = *v;
            // `a/n` runs from a to the maximum; a plain value is just itself.
            hi = slash == std::string_view::npos ? lo : std::max(lo, spec_.wildcard_max);
        }
        int step = 1;
        if (slash != std::string_view::npos) {
            std::string_view const step_text = item.substr(slash + 1);
            if (step_text.empty()) return fail("missing step in " + quoted(item));
            if (!all_digits(step_text))
                return fail("step " + quoted(step_text) + " in " + quoted(item) +
                            " is not a number");
            int const span = spec_.wildcard_max - spec_.min + 1;
            auto [ptr, ec] =
                std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
            if (ec != std::errc{} || step > span) return out_of_range(step_text, 1, span);
            if (step == 0)
                return fail("step " + quoted(step_text) + " in " + quoted(item) +
                            " must be at least 1");
        }
        for (int v = lo; v <= hi; v += step) bits |= std::uint64_t{1} << v;
        return {};
    }

    /// L, LW, nW (day-of-month); nL, n#k (day-of-week). The whole field is this one term.
    [[nodiscard]] result<void> parse_extension(std::string_view term) {
        if (term.find_first_of("-/") != std::string_view::npos)
            return fail(quoted(term) + " must stand alone in its field, not in a range or step");
        std::string const u = upper(term);
        if (spec_.kind == field_kind::day_of_month) {
            if (u == "L") {
                out_.dom_last = true;
                return {};
            }
            if (u == "LW") {
                out_.dom_last_weekday = true;
                return {};
            }
            if (u.size() >= 2 && u.back() == 'W' && all_digits(term.substr(0, term.size() - 1))) {
                auto n = parse_value(term.substr(0, term.size() - 1));
                if (!n) return n.error();
                out_.dom_nearest_weekday = *n;
                return {};
            }
            return fail(quoted(term) + " is not a valid value (expected L, LW or nW)");
        }
        if (u == "L") return fail("'L' alone is not allowed; use nL for the last weekday n");
        if (std::size_t const hash = term.find('#'); hash != std::string_view::npos) {
            auto n = parse_weekday_of(term.substr(0, hash), term);
            if (!n) return n.error();
            std::string_view const k_text = term.substr(hash + 1);
            if (!all_digits(k_text) || k_text.size() > 1 || k_text[0] < '1' || k_text[0] > '5')
                return fail("occurrence " + quoted(k_text) + " in " + quoted(term) +
                            " is out of range 1-5");
            out_.dow_nth_weekday = *n % 7;
            out_.dow_nth = k_text[0] - '0';
            return {};
        }
        auto n = parse_weekday_of(term.substr(0, term.size() - 1), term);  // "5L", "FRIL"
        if (!n) return n.error();
        out_.dow_last = *n % 7;
        return {};
    }

    /// The weekday of an nL or n#k term; junk is reported with the whole term.
    [[nodiscard]] result<int> parse_weekday_of(std::string_view weekday,
                                               std::string_view term) const {
        std::string const u = upper(weekday);
        if (!all_digits(weekday) &&
            std::find(weekday_names.begin(), weekday_names.end(), u) == weekday_names.end())
            return fail(quoted(term) + " is not a valid value");
        return parse_value(weekday);
    }

    void store(std::uint64_t bits) {
        switch (spec_.kind) {
            case field_kind::second:
                out_.seconds = bits;
                break;
            case field_kind::minute:
                out_.minutes = bits;
                break;
            case field_kind::hour:
                out_.hours = static_cast<std::uint32_t>(bits);
                break;
            case field_kind::day_of_month:
                out_.days_of_month = static_cast<std::uint32_t>(bits);
                break;
            case field_kind::month:
                out_.months = static_cast<std::uint16_t>(bits);
                break;
            case field_kind::day_of_week:
                // 7 is Sunday too.
                out_.days_of_week = static_cast<std::uint8_t>((bits | bits >> 7) & 0x7Fu);
                break;
        }
    }

    field_spec const& spec_;
    std::string_view text_;
    cron_expr::fields& out_;
};

/// The macro's expansion, or the text itself when it is not a macro.
result<std::string_view> expand_macro(std::string_view text) {
    std::string_view trimmed = text;
    while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
    while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
    if (trimmed.empty() || trimmed.front() != '@') return text;
    std::string lower(trimmed);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto const& m : macros)
        if (m.name == lower) return m.expansion;
    return invalid_argument("run_at", "unknown macro " + quoted(trimmed.substr(0, 64)) +
                                          " (expected @yearly, @annually, @monthly, @weekly, "
                                          "@daily, @midnight or @hourly)");
}

}  // namespace

result<cron_expr> cron_expr::parse(std::string_view text) {
    auto expanded = expand_macro(text);
    if (!expanded) return expanded.error();
    std::vector<std::string_view> const parts = split_fields(*expanded);
    if (parts.size() != 5 && parts.size() != 6)
        return invalid_argument("run_at",
                                "expected 5 or 6 fields (or a macro such as @daily), got " +
                                    std::to_string(parts.size()));
    cron_expr expr;
    expr.text_ = std::string(text);
    expr.fields_.seconds = 1;  // 5 fields: second 0
    std::size_t const first_spec = parts.size() == 6 ? 0 : 1;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        field_parser p(specs[first_spec + i], parts[i], expr.fields_);
        auto r = p.parse();
        if (!r) return r.error();
    }
    std::size_t const minute = parts.size() == 6 ? 1 : 0;
    expr.wildcard_ = parts[minute].front() == '*' || parts[minute].front() == '?' ||
                     parts[minute + 1].front() == '*' || parts[minute + 1].front() == '?';
    if (!cron_internal::can_fire(expr.fields_)) {
        std::string_view const dom = parts[minute + 2];
        std::string_view const mon = parts[minute + 3];
        std::string_view const dow = parts[minute + 4];
        return invalid_argument("run_at", "day-of-month " + quoted(dom) + " and day-of-week " +
                                              quoted(dow) + " match no day of month " +
                                              quoted(mon) + ": the expression can never fire");
    }
    return expr;
}

}  // namespace scheduler
