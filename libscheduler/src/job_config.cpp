// SPDX-License-Identifier: Apache-2.0
#include <scheduler/cron.hpp>
#include <scheduler/job_config.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <utility>

namespace scheduler {

namespace {

constexpr std::array<std::pair<overlap_policy, std::string_view>, 4> overlap_names{{
    {overlap_policy::skip, "skip"},
    {overlap_policy::buffer_one, "buffer_one"},
    {overlap_policy::cancel_other, "cancel_other"},
    {overlap_policy::allow_all, "allow_all"},
}};

constexpr std::array<std::pair<misfire_policy, std::string_view>, 2> misfire_names{{
    {misfire_policy::run_once, "run_once"},
    {misfire_policy::skip, "skip"},
}};

template <class Enum, std::size_t N>
result<Enum> parse_name(std::array<std::pair<Enum, std::string_view>, N> const& table,
                        std::string_view s,
                        std::string_view field) {
    for (auto const& [value, name] : table) {
        if (name == s) return value;
    }
    // Built with append: GCC 12 -O2 warns (-Wrestrict, a false positive) on "'" + string.
    std::string message = "'";
    message.append(s.substr(0, 64));
    message.append("' is not one of ");
    bool first = true;
    for (auto const& entry : table) {
        if (!first) message.append(", ");
        message.append(entry.second);
        first = false;
    }
    return invalid_argument(std::string(field), std::move(message));
}

// Limits are in characters as users count them: UTF-8 code points, not bytes.
std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (char ch : s) {
        if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++n;
    }
    return n;
}

result<void> validate_text(job_config const& c) {
    if (c.name.empty()) return invalid_argument("name", "must not be empty");
    if (utf8_length(c.name) > max_name_length) {
        return invalid_argument("name",
                                "longer than " + std::to_string(max_name_length) + " characters");
    }
    if (utf8_length(c.description) > max_description_length) {
        return invalid_argument(
            "description", "longer than " + std::to_string(max_description_length) + " characters");
    }
    if (c.operation.empty()) return invalid_argument("operation", "must not be empty");
    if (c.run_on.empty()) return invalid_argument("run_on", "must not be empty");
    return {};
}

result<void> validate_schedule(job_config const& c) {
    if (c.run_at.empty()) return invalid_argument("run_at", "must not be empty");
    if (auto expr = cron_expr::parse(c.run_at); !expr) return expr.error();
    if (auto zone = locate_zone(c.time_zone, "time_zone"); !zone) return zone.error();
    if (c.start_date && c.end_date && *c.end_date <= *c.start_date) {
        return invalid_argument("end_date", "must be after start_date");
    }
    return {};
}

result<void> validate_params(std::string const& params) {
    if (params.size() > max_params_bytes) {
        return invalid_argument("params",
                                "larger than " + std::to_string(max_params_bytes) + " bytes");
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(params, ec);
    if (ec) return invalid_argument("params", "is not valid JSON: " + ec.message());
    if (!v.is_object()) return invalid_argument("params", "must be a JSON object");
    return {};
}

}  // namespace

std::string_view to_string(overlap_policy p) noexcept {
    for (auto const& [value, name] : overlap_names) {
        if (value == p) return name;
    }
    return "unknown";
}

std::string_view to_string(misfire_policy p) noexcept {
    for (auto const& [value, name] : misfire_names) {
        if (value == p) return name;
    }
    return "unknown";
}

result<overlap_policy> parse_overlap_policy(std::string_view s, std::string_view field) {
    return parse_name(overlap_names, s, field);
}

result<misfire_policy> parse_misfire_policy(std::string_view s, std::string_view field) {
    return parse_name(misfire_names, s, field);
}

result<void> validate(job_config const& c) {
    // Cheap checks first, so the error a user sees is the simplest one to fix.
    if (auto r = validate_text(c); !r) return r;
    if (auto r = validate_schedule(c); !r) return r;
    return validate_params(c.params);
}

}  // namespace scheduler
