// SPDX-License-Identifier: Apache-2.0
// Query-string parsing of the list endpoints (DESIGN.md §7): skip, limit, sort, the filters of
// GET /scheduler/job-configs and GET /scheduler/jobs, and the list response envelope.
// Errors are invalid_argument naming the query parameter ("limit", "sort", "createdAfter").
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/json.hpp>
#include <scheduler/store.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace schedulerd {

/// Decoded query parameters (request_context::query).
using query_map = std::map<std::string, std::string, std::less<>>;

/// Default and largest `count` of GET /job-configs/{id}/next-runs (DESIGN.md §2).
inline constexpr std::size_t default_next_runs = 10;
inline constexpr std::size_t max_next_runs = 100;

/// skip (>= 0, default 0), limit (default 10, 0..1000, -1 = all), sort ("name,-createdAt";
/// every field must be in `allowed`). Empty parameters count as absent.
[[nodiscard]] scheduler::result<void> parse_page(query_map const& q,
                                                 std::span<std::string_view const> allowed,
                                                 scheduler::page_request& out);

/// RFC 3339 ("2026-01-01T00:00:00Z") or a relative time before/after `now` made of signed
/// terms "<n>Y", "<n>M" (calendar years/months), "<n>D", "<n>h", "<n>m", "<n>s", e.g.
/// "-1Y-2M-5D" or "-12h" (the form Terraform documents for createdBefore/createdAfter).
[[nodiscard]] scheduler::result<scheduler::time_point> parse_time_filter(std::string_view text,
                                                                         std::string_view field,
                                                                         scheduler::time_point now);

/// Filters of GET /scheduler/job-configs: page + id, name, account, operation, disabled
/// (true/false), cloud_name, expire_in, createdBefore, createdAfter.
[[nodiscard]] scheduler::result<scheduler::config_query> parse_config_query(
    query_map const& q, scheduler::time_point now);

/// Filters of GET /scheduler/jobs: page + id, name, account, job_config_id, operation, status,
/// processing_node, createdBefore, createdAfter.
[[nodiscard]] scheduler::result<scheduler::run_query> parse_run_query(query_map const& q,
                                                                      scheduler::time_point now);

/// `count` of next-runs: 1..100, default 10.
[[nodiscard]] scheduler::result<std::size_t> parse_next_runs_count(query_map const& q);

/// {skip, limit, total, resources} of one page; `limit` echoes what was asked (-1 for all).
template <class T>
[[nodiscard]] boost::json::value page_json(scheduler::page<T> const& p, std::int64_t limit) {
    boost::json::array resources;
    resources.reserve(p.items.size());
    for (auto const& item : p.items) resources.push_back(boost::json::value_from(item));
    return boost::json::object{{"skip", p.skip},
                               {"limit", limit},
                               {"total", p.total},
                               {"resources", std::move(resources)}};
}

}  // namespace schedulerd
