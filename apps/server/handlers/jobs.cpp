// SPDX-License-Identifier: Apache-2.0
// /api/v1/scheduler/jobs handlers (seeds/000, DESIGN.md §3).
#include "handlers/handler_util.hpp"
#include "handlers/query.hpp"
#include "handlers/scheduler_handlers.hpp"

#include <scheduler/json.hpp>

namespace schedulerd::scheduler_api {

namespace json = boost::json;

response list_runs(services& s, request_context& ctx) {
    auto q = parse_run_query(ctx.query, s.engine.clock().now());
    if (!q) return fail(ctx, q.error());
    auto page = s.engine.list_runs(*q);
    if (!page) return fail(ctx, page.error());
    return json_response(ctx.req, http::status::ok, page_json(*page, q->limit));
}

response get_run(services& s, request_context& ctx) {
    auto run = s.engine.get_run(path_id(ctx));
    if (!run) return fail(ctx, run.error());
    return json_response(ctx.req, http::status::ok, json::value_from(*run));
}

response delete_run(services& s, request_context& ctx) {
    // A run still scheduled or in progress is failed_precondition: 409 by the table.
    if (auto r = s.engine.delete_run(path_id(ctx)); !r) return fail(ctx, r.error());
    return empty_response(ctx.req);
}

response cancel_run(services& s, request_context& ctx) {
    auto run = s.engine.cancel_run(path_id(ctx));
    if (!run) return fail(ctx, run.error());
    return json_response(ctx.req, http::status::ok, json::value_from(*run));
}

}  // namespace schedulerd::scheduler_api
