// SPDX-License-Identifier: Apache-2.0
// AWS connections: POST/GET /api/v1/cckm/aws/kms, GET/DELETE /api/v1/cckm/aws/kms/{id} (the
// id or the name). The body's JSON types are checked here; what the values may be (account
// digits, region names, endpoint URL, credential pairs) is the library's validate(). Secrets
// go in and never come out: responses carry the access key id and whether a session token is
// held, nothing else of the credentials.
#include "handlers/handler_util.hpp"
#include "handlers/handlers.hpp"
#include "handlers/query.hpp"

#include <cckm/aws/connections.hpp>
#include <scheduler/json.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace schedulerd {

namespace {

namespace json = boost::json;
using scheduler::code;
using scheduler::invalid_argument;
using scheduler::result;
using scheduler::status;
using scheduler_api::fail;
using scheduler_api::path_id;

constexpr std::string_view sort_fields[] = {"createdAt", "name"};

response unavailable(request_context const& ctx) {
    return fail(ctx, status{code::unavailable, "AWS connections are not available"});
}

result<std::string> string_member(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || v->is_null()) return std::string{};
    if (!v->is_string()) return invalid_argument(std::string(key), "must be a string");
    return std::string(v->as_string());
}

result<cckm::aws::connection_spec> parse_spec(std::string_view text) {
    auto body = scheduler::parse_json(text);
    if (!body) return body.error();
    if (!body->is_object()) return status{code::invalid_argument, "the body must be a JSON object"};
    auto const& o = body->as_object();
    // Unknown fields are refused, not ignored: a misspelt "sessionToken" would otherwise make
    // a connection that fails only at its first job.
    static constexpr std::string_view known[] = {
        "name",          "account_id",        "regions",      "endpoint_url",
        "access_key_id", "secret_access_key", "session_token"};
    for (auto const& [key, value] : o)
        if (std::find(std::begin(known), std::end(known), key) == std::end(known))
            return invalid_argument(std::string(key), "is not a field of an AWS connection");
    cckm::aws::connection_spec spec;
    std::string* targets[] = {&spec.name, &spec.account_id, &spec.endpoint_url};
    std::string_view const names[] = {"name", "account_id", "endpoint_url"};
    for (std::size_t i = 0; i < std::size(names); ++i) {
        auto v = string_member(o, names[i]);
        if (!v) return v.error();
        *targets[i] = std::move(*v);
    }
    if (auto const* r = o.if_contains("regions"); r && !r->is_null()) {
        if (!r->is_array()) return invalid_argument("regions", "must be an array of region names");
        for (auto const& item : r->as_array()) {
            if (!item.is_string())
                return invalid_argument("regions", "must be an array of region names");
            spec.regions.emplace_back(item.as_string());
        }
    }
    auto id = string_member(o, "access_key_id");
    if (!id) return id.error();
    auto secret = string_member(o, "secret_access_key");
    if (!secret) return secret.error();
    auto token = string_member(o, "session_token");
    if (!token) return token.error();
    if (!id->empty() || !secret->empty() || !token->empty()) {
        if (id->empty())
            return invalid_argument("access_key_id",
                                    "is required with secret_access_key or session_token");
        spec.creds = cckm::aws::credentials{std::move(*id), std::move(*secret), std::move(*token)};
    }
    return spec;
}

json::object render(cckm::aws::connection_info const& c) {
    json::array regions;
    for (auto const& r : c.regions) regions.emplace_back(r);
    return json::object{{"id", c.id},
                        {"name", c.name},
                        {"account_id", c.account_id},
                        {"regions", std::move(regions)},
                        {"endpoint_url", c.endpoint_url},
                        {"credential_source", c.credential_source},
                        {"access_key_id", c.access_key_id},
                        {"has_session_token", c.has_session_token},
                        {"createdAt", scheduler::format_rfc3339(c.created_at)}};
}

response create(services& s, request_context& ctx) {
    if (!s.aws_connections) return unavailable(ctx);
    auto spec = parse_spec(ctx.req.body());
    if (!spec) return fail(ctx, spec.error());
    auto added = s.aws_connections->add(std::move(*spec));
    if (!added) return fail(ctx, added.error());
    return json_response(ctx.req, http::status::created, render(*added));
}

// GET list: `name` filter, skip/limit/sort (createdAt, name); connections are few, so the
// page is cut here rather than in SQL.
response list(services& s, request_context& ctx) {
    if (!s.aws_connections) return unavailable(ctx);
    scheduler::page_request page;
    if (auto ok = parse_page(ctx.query, sort_fields, page); !ok) return fail(ctx, ok.error());
    auto all = s.aws_connections->list();
    if (!all) return fail(ctx, all.error());
    if (auto it = ctx.query.find("name"); it != ctx.query.end() && !it->second.empty())
        std::erase_if(*all, [&](auto const& c) { return c.name != it->second; });
    if (!page.sort.empty()) {
        auto const& key = page.sort.front();
        std::stable_sort(all->begin(), all->end(), [&](auto const& a, auto const& b) {
            bool const less = key.field == "name" ? a.name < b.name : a.created_at < b.created_at;
            bool const greater =
                key.field == "name" ? b.name < a.name : b.created_at < a.created_at;
            return key.descending ? greater : less;
        });
    }
    json::array resources;
    auto const skip = static_cast<std::size_t>(page.skip);
    for (std::size_t i = skip;
         i < all->size() && page.limit != 0 &&
         (page.limit < 0 || resources.size() < static_cast<std::size_t>(page.limit));
         ++i)
        resources.push_back(render((*all)[i]));
    return json_response(ctx.req, http::status::ok,
                         json::object{{"skip", page.skip},
                                      {"limit", page.limit},
                                      {"total", all->size()},
                                      {"resources", std::move(resources)}});
}

response get(services& s, request_context& ctx) {
    if (!s.aws_connections) return unavailable(ctx);
    auto c = s.aws_connections->get(path_id(ctx));
    if (!c) return fail(ctx, c.error());
    return json_response(ctx.req, http::status::ok, render(*c));
}

response remove(services& s, request_context& ctx) {
    if (!s.aws_connections) return unavailable(ctx);
    if (auto ok = s.aws_connections->remove(path_id(ctx)); !ok) return fail(ctx, ok.error());
    return empty_response(ctx.req);
}

}  // namespace

void register_cckm_aws_kms_routes(router& r, services& s) {
    using http::verb;
    auto bind = [&s](response (*fn)(services&, request_context&)) {
        return [&s, fn](request_context& ctx) { return fn(s, ctx); };
    };
    // Connections decide which accounts every AWS job acts on: CCKM Admins (or admin) only.
    std::string const path = "/api/v1/cckm/aws/kms";
    r.add(verb::post, path, access::cckm_admin, bind(create));
    r.add(verb::get, path, access::signed_in, bind(list));
    r.add(verb::get, path + "/{id}", access::signed_in, bind(get));
    r.add(verb::delete_, path + "/{id}", access::cckm_admin, bind(remove));
}

}  // namespace schedulerd
