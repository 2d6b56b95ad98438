// SPDX-License-Identifier: Apache-2.0
// /api/v1/cckm/{cloud}/keys handlers and their routes. Linear on purpose: resolve the cloud,
// parse, call libcckm, render.
#include "handlers/cckm_keys.hpp"

#include "handlers/cckm_key_json.hpp"
#include "handlers/handler_util.hpp"
#include "handlers/handlers.hpp"
#include "handlers/query.hpp"

#include <cckm/key_store.hpp>
#include <cckm/rotation_jobs.hpp>
#include <scheduler/json.hpp>

#include <boost/json/serialize.hpp>

#include <string>

namespace schedulerd::cckm_api {

namespace json = boost::json;
using scheduler_api::fail;
using scheduler_api::path_id;

namespace {

// The inventory, or the 503 to answer without one (a server built without libcckm's stores).
cckm::key_store* inventory_or(services& s, request_context const& ctx, response& out) {
    if (!s.inventory)
        out = fail(ctx, scheduler::status{scheduler::code::unavailable,
                                          "the key inventory is not available"});
    return s.inventory;
}

// The cloud of the route's {cloud} segment (literal routes set it at registration).
std::optional<cloud_segment> route_cloud(request_context const& ctx) {
    auto it = ctx.path_params.find("cloud");
    if (it == ctx.path_params.end()) return std::nullopt;
    return cloud_of_segment(it->second);
}

response unknown_cloud(request_context const& ctx) {
    return fail(ctx, scheduler::not_found(
                         "unknown cloud in the path (expected aws, azure, google, oci, sfdc "
                         "or sap)"));
}

// A key list's query and the limit as asked (-1 = all), which the answer echoes.
struct key_list_request {
    cckm::key_query query;
    std::int64_t limit = 10;
};

// skip, limit, sort and the filters name, region, gone, job_config_id, state.
scheduler::result<key_list_request> parse_key_query(query_map const& q, cloud_segment c) {
    scheduler::page_request page;
    if (auto r = parse_page(q, cckm::key_sort_fields(), page); !r) return r.error();
    key_list_request request{.query = {}, .limit = page.limit};
    cckm::key_query& out = request.query;
    out.cloud = std::string(c.cloud);
    out.skip = static_cast<std::size_t>(page.skip);
    // key_query counts 0 as "all"; limit=0 asks for the total alone, so ask for one key and
    // drop it (list_keys).
    out.limit = page.limit < 0 ? 0 : page.limit == 0 ? 1 : static_cast<std::size_t>(page.limit);
    for (auto const& k : page.sort) out.sort.push_back({k.field, k.descending});
    // Newest first, as every list of the API.
    if (out.sort.empty()) out.sort.push_back({"createdAt", true});
    auto text = [&](char const* name) {
        auto it = q.find(name);
        return it == q.end() ? std::string() : it->second;
    };
    out.name = text("name");
    out.region = text("region");
    out.job_config_id = text("job_config_id");
    if (auto v = text("gone"); !v.empty()) {
        auto b = scheduler::parse_bool_text(v, "gone");
        if (!b) return b.error();
        out.gone = *b;
    }
    if (auto v = text("state"); !v.empty()) {
        auto st = cckm::parse_key_state(v, "state");
        if (!st) return st.error();
        out.state = *st;
    }
    return request;
}

// The body of enable-rotation-job: job_config_id (a string) and the options as text.
scheduler::result<cckm::rotation_job_request> parse_rotation_request(std::string_view body) {
    auto v = scheduler::parse_json(body);
    if (!v) return v.error();
    if (!v->is_object())
        return scheduler::status{scheduler::code::invalid_argument, "the body must be an object"};
    cckm::rotation_job_request out;
    for (auto const& [name, value] : v->as_object()) {
        if (value.is_null()) continue;
        if (name == "job_config_id") {
            if (!value.is_string())
                return scheduler::invalid_argument("job_config_id", "must be a string");
            out.job_config_id = std::string(value.as_string());
        } else if (value.is_string()) {
            out.options[std::string(name)] = std::string(value.as_string());
        } else if (value.is_bool()) {
            out.options[std::string(name)] = value.as_bool() ? "true" : "false";
        } else {
            // Numbers (key size) and objects (Azure's release policy) keep their JSON text.
            out.options[std::string(name)] = json::serialize(value);
        }
    }
    return out;
}

}  // namespace

response list_keys(services& s, request_context& ctx) {
    auto c = route_cloud(ctx);
    if (!c) return unknown_cloud(ctx);
    response unavailable;
    auto* inventory = inventory_or(s, ctx, unavailable);
    if (!inventory) return unavailable;
    auto q = parse_key_query(ctx.query, *c);
    if (!q) return fail(ctx, q.error());
    auto page = inventory->list(q->query);
    if (!page) return fail(ctx, page.error());
    json::array resources;
    if (q->limit != 0)
        for (auto const& k : page->keys) resources.push_back(key_resource(k, *c));
    return json_response(ctx.req, http::status::ok,
                         json::object{{"skip", q->query.skip},
                                      {"limit", q->limit},
                                      {"total", page->total},
                                      {"resources", std::move(resources)}});
}

response get_key(services& s, request_context& ctx) {
    auto c = route_cloud(ctx);
    if (!c) return unknown_cloud(ctx);
    response unavailable;
    auto* inventory = inventory_or(s, ctx, unavailable);
    if (!inventory) return unavailable;
    auto key = inventory->get(c->cloud, path_id(ctx));
    if (!key) return fail(ctx, key.error());
    return json_response(ctx.req, http::status::ok, key_resource(*key, *c));
}

response enable_rotation_job(services& s, request_context& ctx) {
    auto c = route_cloud(ctx);
    if (!c) return unknown_cloud(ctx);
    response unavailable;
    auto* inventory = inventory_or(s, ctx, unavailable);
    if (!inventory) return unavailable;
    auto request = parse_rotation_request(ctx.req.body());
    if (!request) return fail(ctx, request.error());
    auto key = cckm::enable_rotation_job(*inventory, s.store, c->cloud, path_id(ctx), *request,
                                         s.engine.clock().now());
    if (!key) return fail(ctx, key.error());
    return json_response(ctx.req, http::status::ok, key_resource(*key, *c));
}

response disable_rotation_job(services& s, request_context& ctx) {
    auto c = route_cloud(ctx);
    if (!c) return unknown_cloud(ctx);
    response unavailable;
    auto* inventory = inventory_or(s, ctx, unavailable);
    if (!inventory) return unavailable;
    // Bodyless by design (seeds/004): whatever body or content type arrives is ignored.
    auto key =
        cckm::disable_rotation_job(*inventory, c->cloud, path_id(ctx), s.engine.clock().now());
    if (!key) return fail(ctx, key.error());
    return json_response(ctx.req, http::status::ok, key_resource(*key, *c));
}

}  // namespace schedulerd::cckm_api

namespace schedulerd {

void register_cckm_key_routes(router& r, services& s) {
    using http::verb;
    namespace api = cckm_api;
    auto bind = [&s](response (*fn)(services&, request_context&)) {
        return [&s, fn](request_context& ctx) { return fn(s, ctx); };
    };
    std::string const keys = "/api/v1/cckm/{cloud}/keys";
    std::string const key = keys + "/{id}";
    r.add(verb::get, keys, access::signed_in, bind(api::list_keys));
    r.add(verb::get, key, access::signed_in, bind(api::get_key));
    r.add(verb::post, key + "/enable-rotation-job", access::cckm_admin,
          bind(api::enable_rotation_job));
    r.add(verb::post, key + "/disable-rotation-job", access::cckm_admin,
          bind(api::disable_rotation_job));
    // Google, OCI and SAP name the same calls enable/disable-auto-rotation (cckm-api-notes
    // §6.1). Not AWS: there that name switches on the cloud's own yearly rotation.
    for (std::string cloud : {"google", "oci", "sap"}) {
        // The path has no {cloud}: hand the handler the segment the template would have caught.
        auto bind_cloud = [&s, cloud](response (*fn)(services&, request_context&)) {
            return [&s, cloud, fn](request_context& ctx) {
                ctx.path_params.insert_or_assign("cloud", cloud);
                return fn(s, ctx);
            };
        };
        std::string const path = "/api/v1/cckm/" + cloud + "/keys/{id}";
        r.add(verb::post, path + "/enable-auto-rotation", access::cckm_admin,
              bind_cloud(api::enable_rotation_job));
        r.add(verb::post, path + "/disable-auto-rotation", access::cckm_admin,
              bind_cloud(api::disable_rotation_job));
    }
}

}  // namespace schedulerd
