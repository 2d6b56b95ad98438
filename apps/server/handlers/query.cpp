// SPDX-License-Identifier: Apache-2.0
#include "handlers/query.hpp"

#include <scheduler/job.hpp>

#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace schedulerd {

namespace {

using scheduler::invalid_argument;
using scheduler::result;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The parameter's value, or nullptr when absent or empty (an empty filter filters nothing).
std::string const* param(query_map const& q, std::string_view key) {
    auto it = q.find(key);
    if (it == q.end() || trim(it->second).empty()) return nullptr;
    return &it->second;
}

std::optional<std::string> text_param(query_map const& q, std::string_view key) {
    if (auto const* v = param(q, key)) return *v;
    return std::nullopt;
}

result<std::optional<std::int64_t>> int_param(query_map const& q, std::string_view key) {
    auto const* v = param(q, key);
    if (!v) return std::optional<std::int64_t>{};
    std::string_view s = trim(*v);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return invalid_argument(std::string(key), "must be an integer");
    }
    return std::optional<std::int64_t>{n};
}

result<void> parse_sort(std::string_view text,
                        std::span<std::string_view const> allowed,
                        std::vector<scheduler::sort_key>& out) {
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item.empty()) continue;
        scheduler::sort_key key;
        if (item.front() == '-' || item.front() == '+') {
            key.descending = item.front() == '-';
            item.remove_prefix(1);
        }
        if (std::find(allowed.begin(), allowed.end(), item) == allowed.end()) {
            std::string names;
            for (auto f : allowed) {
                if (!names.empty()) names += ", ";
                names += f;
            }
            // The echo is bounded: the field list is fixed, the user's text is cut short.
            return invalid_argument("sort", "cannot sort by '" + std::string(item.substr(0, 64)) +
                                                "' (allowed: " + names + ")");
        }
        key.field = std::string(item);
        out.push_back(std::move(key));
    }
    return {};
}

// One "<sign><n><unit>" term of a relative time, applied to `t`.
result<scheduler::time_point> apply_term(
    scheduler::time_point t, bool negative, std::int64_t n, char unit, std::string_view field) {
    using namespace std::chrono;
    std::int64_t const signed_n = negative ? -n : n;
    if (unit == 'Y' || unit == 'M') {
        auto const day = date::floor<date::days>(t);
        auto const time_of_day = t - day;
        date::year_month_day ymd{day};
        if (unit == 'Y') {
            ymd += date::years{signed_n};
        } else {
            ymd += date::months{signed_n};
        }
        // 31 March minus one month is the last day of February, as calendars count.
        if (!ymd.ok()) ymd = ymd.year() / ymd.month() / date::last;
        return scheduler::time_point{date::sys_days{ymd}} + time_of_day;
    }
    std::int64_t seconds_per = 0;
    switch (unit) {
        case 'D':
        case 'd':
            seconds_per = 86400;
            break;
        case 'h':
            seconds_per = 3600;
            break;
        case 'm':
            seconds_per = 60;
            break;
        case 's':
            seconds_per = 1;
            break;
        default:
            return invalid_argument(std::string(field),
                                    "must be RFC 3339 or a relative time such as -1Y-2M-5D");
    }
    return t + duration_cast<microseconds>(seconds{signed_n * seconds_per});
}

result<scheduler::time_point> parse_relative(std::string_view s,
                                             std::string_view field,
                                             scheduler::time_point now) {
    auto bad = [&] {
        return invalid_argument(std::string(field),
                                "must be RFC 3339 or a relative time such as -1Y-2M-5D");
    };
    scheduler::time_point t = now;
    bool first = true;
    while (!s.empty()) {
        bool negative = false;
        if (s.front() == '-' || s.front() == '+') {
            negative = s.front() == '-';
            s.remove_prefix(1);
        } else if (!first) {
            return bad();
        }
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        // Six digits are plenty (a million days); it keeps the arithmetic far from overflow.
        if (ec != std::errc{} || end == s.data() || end - s.data() > 6 ||
            end == s.data() + s.size()) {
            return bad();
        }
        s.remove_prefix(static_cast<std::size_t>(end - s.data()));
        auto next = apply_term(t, negative, n, s.front(), field);
        if (!next) return next;
        t = *next;
        s.remove_prefix(1);
        first = false;
    }
    return t;
}

result<std::optional<scheduler::time_point>> time_param(query_map const& q,
                                                        std::string_view key,
                                                        scheduler::time_point now) {
    auto const* v = param(q, key);
    if (!v) return std::optional<scheduler::time_point>{};
    std::string text(trim(*v));
    // An unencoded '+' in a query string decodes to a space: "+1D" arrives as " 1D".
    if (v->front() == ' ' && !text.empty() && text.front() >= '0' && text.front() <= '9') {
        text.insert(0, 1, '+');
    }
    auto t = parse_time_filter(text, key, now);
    if (!t) return t.error();
    return std::optional<scheduler::time_point>{*t};
}

}  // namespace

result<void> parse_page(query_map const& q,
                        std::span<std::string_view const> allowed,
                        scheduler::page_request& out) {
    auto skip = int_param(q, "skip");
    if (!skip) return skip.error();
    if (*skip) {
        if (**skip < 0) return invalid_argument("skip", "must be 0 or more");
        out.skip = **skip;
    }
    auto limit = int_param(q, "limit");
    if (!limit) return limit.error();
    if (*limit) {
        if (**limit < -1 || **limit > scheduler::max_page_limit) {
            return invalid_argument("limit", "must be -1 (all) or between 0 and " +
                                                 std::to_string(scheduler::max_page_limit));
        }
        out.limit = **limit;
    }
    if (auto const* sort = param(q, "sort")) return parse_sort(*sort, allowed, out.sort);
    return {};
}

result<scheduler::time_point> parse_time_filter(std::string_view text,
                                                std::string_view field,
                                                scheduler::time_point now) {
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        return parse_relative(text, field, now);
    }
    return scheduler::parse_rfc3339(text, field);
}

result<scheduler::config_query> parse_config_query(query_map const& q, scheduler::time_point now) {
    scheduler::config_query out;
    if (auto r = parse_page(q, scheduler::config_sort_fields(), out); !r) return r.error();
    out.id = text_param(q, "id");
    out.name = text_param(q, "name");
    out.account = text_param(q, "account");
    out.operation = text_param(q, "operation");
    out.cloud_name = text_param(q, "cloud_name");
    out.expire_in = text_param(q, "expire_in");
    if (auto const* v = param(q, "disabled")) {
        auto b = scheduler::parse_bool_text(trim(*v), "disabled");
        if (!b) return b.error();
        out.disabled = *b;
    }
    auto before = time_param(q, "createdBefore", now);
    if (!before) return before.error();
    out.created_before = *before;
    auto after = time_param(q, "createdAfter", now);
    if (!after) return after.error();
    out.created_after = *after;
    return out;
}

result<scheduler::run_query> parse_run_query(query_map const& q, scheduler::time_point now) {
    scheduler::run_query out;
    if (auto r = parse_page(q, scheduler::run_sort_fields(), out); !r) return r.error();
    out.id = text_param(q, "id");
    out.name = text_param(q, "name");
    out.account = text_param(q, "account");
    out.job_config_id = text_param(q, "job_config_id");
    out.operation = text_param(q, "operation");
    out.processing_node = text_param(q, "processing_node");
    if (auto const* v = param(q, "status")) {
        auto st = scheduler::parse_run_status(trim(*v), "status");
        if (!st) return st.error();
        out.status = *st;
    }
    auto before = time_param(q, "createdBefore", now);
    if (!before) return before.error();
    out.created_before = *before;
    auto after = time_param(q, "createdAfter", now);
    if (!after) return after.error();
    out.created_after = *after;
    return out;
}

result<std::size_t> parse_next_runs_count(query_map const& q) {
    auto n = int_param(q, "count");
    if (!n) return n.error();
    if (!*n) return default_next_runs;
    if (**n < 1 || **n > static_cast<std::int64_t>(max_next_runs)) {
        return invalid_argument("count", "must be between 1 and " + std::to_string(max_next_runs));
    }
    return static_cast<std::size_t>(**n);
}

}  // namespace schedulerd
