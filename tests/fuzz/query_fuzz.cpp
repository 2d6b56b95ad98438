// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the query string of the list endpoints. The input is the raw query
// ("skip=1&limit=5&sort=-name&createdAfter=-1D"); it is decoded by Boost.URL as the pipeline
// does and fed to parse_config_query, parse_run_query and parse_next_runs_count, then sent
// through the real pipeline to GET /job-configs, GET /jobs and GET /job-configs/{id}/next-runs,
// so parsed filters and sort keys also reach the SQLite store. Errors are fine; a crash, a
// sanitizer report or a 5xx is a finding.
#include "fuzz_world.hpp"
#include "handlers/query.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace fz = schedulerd::fuzz;
using schedulerd::http::verb;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static fz::auth_world auth;
    std::string const query(reinterpret_cast<char const*>(data), size);
    std::string const target = "/api/v1/scheduler/jobs?" + query;
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return 0;  // the pipeline answers 400 before any query parser runs

    schedulerd::query_map q;
    for (auto const& p : url->params()) q[p.key] = p.has_value ? p.value : std::string{};
    auto const now = fz::fuzz_epoch();
    (void)schedulerd::parse_config_query(q, now);
    (void)schedulerd::parse_run_query(q, now);
    (void)schedulerd::parse_next_runs_count(q);

    // GETs change nothing, so one world serves every input (a fresh one per input costs 10x).
    static fz::api_world api(auth);
    fz::check_response(
        api.call(verb::get, "/api/v1/scheduler/job-configs?" + query, {}, auth.admin_jwt, {}));
    fz::check_response(api.call(verb::get, target, {}, auth.admin_jwt, {}));
    fz::check_response(api.call(
        verb::get, "/api/v1/scheduler/job-configs/" + api.config_id + "/next-runs?" + query, {},
        auth.admin_jwt, {}));
    return 0;
}
