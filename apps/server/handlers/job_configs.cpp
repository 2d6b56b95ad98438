// SPDX-License-Identifier: Apache-2.0
// /api/v1/scheduler/job-configs handlers (seeds/000, DESIGN.md §2). Linear on purpose: parse,
// call the engine, render. Bodies are parsed whatever their Content-Type (clients differ).
#include "handlers/handler_util.hpp"
#include "handlers/query.hpp"
#include "handlers/scheduler_handlers.hpp"

#include <scheduler/json.hpp>

namespace schedulerd::scheduler_api {

namespace json = boost::json;

response create_config(services& s, request_context& ctx) {
    auto body = scheduler::parse_json(ctx.req.body());
    if (!body) return fail(ctx, body.error());
    auto config = scheduler::job_config_from_json(*body, s.operations);
    if (!config) return fail(ctx, config.error());
    auto created = s.engine.create_config(std::move(*config));
    if (!created) return fail(ctx, created.error());
    return json_response(ctx.req, http::status::created, json::value_from(*created));
}

response list_configs(services& s, request_context& ctx) {
    auto q = parse_config_query(ctx.query, s.engine.clock().now());
    if (!q) return fail(ctx, q.error());
    auto page = s.engine.list_configs(*q);
    if (!page) return fail(ctx, page.error());
    return json_response(ctx.req, http::status::ok, page_json(*page, q->limit));
}

response get_config(services& s, request_context& ctx) {
    auto config = s.engine.get_config(path_id(ctx));
    if (!config) return fail(ctx, config.error());
    return json_response(ctx.req, http::status::ok, json::value_from(*config));
}

response patch_config(services& s, request_context& ctx) {
    auto body = scheduler::parse_json(ctx.req.body());
    if (!body) return fail(ctx, body.error());
    // The stored config says which params block applies and what is immutable; a 404 for an
    // unknown id comes before any complaint about the body.
    auto stored = s.engine.get_config(path_id(ctx));
    if (!stored) return fail(ctx, stored.error());
    auto patch = scheduler::job_config_patch_from_json(*body, s.operations, *stored);
    if (!patch) return fail(ctx, patch.error());
    auto updated = s.engine.patch_config(path_id(ctx), *patch);
    if (!updated) return fail(ctx, updated.error());
    return json_response(ctx.req, http::status::ok, json::value_from(*updated));
}

response delete_config(services& s, request_context& ctx) {
    if (auto r = s.engine.delete_config(path_id(ctx)); !r) return fail(ctx, r.error());
    return empty_response(ctx.req);
}

response run_now(services& s, request_context& ctx) {
    // Bodyless by design: whatever body or content type arrives is ignored.
    auto run = s.engine.run_now(path_id(ctx));
    if (!run) return fail(ctx, run.error());
    json::value v = json::value_from(*run);
    // The reference answers {job_id, job_config_id}; the whole run carries both, plus job_id
    // under the reference's name for clients that read it.
    v.as_object()["job_id"] = run->id;
    return json_response(ctx.req, http::status::created, v);
}

response next_runs(services& s, request_context& ctx) {
    auto count = parse_next_runs_count(ctx.query);
    if (!count) return fail(ctx, count.error());
    auto config = s.engine.get_config(path_id(ctx));
    if (!config) return fail(ctx, config.error());
    auto times = s.engine.next_runs(config->id, *count);
    if (!times) return fail(ctx, times.error());
    json::array list;
    list.reserve(times->size());
    for (auto t : *times) list.emplace_back(scheduler::format_rfc3339(t));
    return json_response(ctx.req, http::status::ok,
                         json::object{{"job_config_id", config->id},
                                      {"run_at", config->run_at},
                                      {"time_zone", config->time_zone},
                                      {"disabled", config->disabled},
                                      {"next_runs", std::move(list)}});
}

}  // namespace schedulerd::scheduler_api
