// SPDX-License-Identifier: Apache-2.0
// Handlers of /api/v1/auth/tokens and /api/v1/usermgmt. They parse JSON, call auth_service or
// user_store, and render JSON; the rules live in those classes.
#include "server_routes.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <optional>
#include <variant>

namespace schedulerd {

namespace json = boost::json;
using scheduler::code;

namespace {

constexpr std::string_view sub_prefix = "local|";

/// The body as a JSON object; an empty body is an empty object (bodyless POSTs are fine).
std::variant<json::object, response> body_object(request_context const& ctx) {
    auto const& body = ctx.req.body();
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object{};
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object())
        return bad_request_response(ctx.req, "Request body is not a JSON object.", ctx.request_id);
    return std::move(v.as_object());
}

/// A string field: nullopt when absent or null; an error response when of another type.
std::variant<std::optional<std::string>, response> string_field(request_context const& ctx,
                                                                json::object const& o,
                                                                std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string())
        return error_response(ctx.req,
                              scheduler::invalid_argument(std::string(key), "Must be a string."),
                              ctx.request_id);
    return std::optional<std::string>{std::string(v->as_string())};
}

json::object user_json(user_record const& u) {
    json::array groups;
    for (auto const& g : u.groups) groups.emplace_back(g);
    return {{"id", u.id},
            {"user_id", std::string(sub_prefix) + u.id},
            {"username", u.username},
            {"groups", std::move(groups)},
            {"createdAt", scheduler::format_rfc3339(u.created_at)}};
}

/// Accepts "local|<uuid>" and "<uuid>".
std::string user_id_param(request_context const& ctx) {
    std::string_view id = ctx.path_params.at("id");
    if (id.rfind(sub_prefix, 0) == 0) id.remove_prefix(sub_prefix.size());
    return std::string(id);
}

json::object grant_json(token_grant const& g) {
    return {{"jwt", g.jwt},
            {"duration", g.duration},
            {"token_type", "Bearer"},
            {"refresh_token_id", g.refresh_token_id},
            {"refresh_token", g.refresh_token},
            {"client_id", g.client_id}};
}

response password_grant(request_context& ctx, auth_service& auth, json::object const& body) {
    std::optional<std::string> fields[3];
    std::string_view names[3] = {"username", "password", "client_id"};
    for (int i = 0; i < 3; ++i) {
        auto f = string_field(ctx, body, names[i]);
        if (auto* r = std::get_if<response>(&f)) return std::move(*r);
        fields[i] = std::get<0>(f);
    }
    if (!fields[0] || !fields[1])
        return error_response(ctx.req, {code::unauthenticated, "Wrong username or password."},
                              ctx.request_id);
    std::chrono::seconds retry{0};
    auto g = auth.password_grant(*fields[0], *fields[1], fields[2].value_or(""), &retry);
    if (!g && g.error().error_code() == code::resource_exhausted)
        return too_many_requests_response(ctx.req, g.error().message(), ctx.request_id, retry);
    if (!g) return error_response(ctx.req, g.error(), ctx.request_id);
    return json_response(ctx.req, http::status::ok, grant_json(*g));
}

response refresh_grant(request_context& ctx, auth_service& auth, json::object const& body) {
    auto f = string_field(ctx, body, "refresh_token");
    if (auto* r = std::get_if<response>(&f)) return std::move(*r);
    auto token = std::get<0>(f);
    if (!token || token->empty())
        return error_response(ctx.req, {code::unauthenticated, "Invalid token"}, ctx.request_id);
    auto g = auth.refresh_grant(*token);
    if (!g) return error_response(ctx.req, g.error(), ctx.request_id);
    return json_response(ctx.req, http::status::ok, grant_json(*g));
}

response create_token(request_context& ctx, auth_service& auth) {
    auto parsed = body_object(ctx);
    if (auto* r = std::get_if<response>(&parsed)) return std::move(*r);
    auto const& body = std::get<json::object>(parsed);
    auto gt = string_field(ctx, body, "grant_type");
    if (auto* r = std::get_if<response>(&gt)) return std::move(*r);
    auto grant = std::get<0>(gt).value_or("");
    if (grant.empty() || grant == "password") return password_grant(ctx, auth, body);
    if (grant == "refresh_token") return refresh_grant(ctx, auth, body);
    return error_response(
        ctx.req,
        scheduler::invalid_argument("grant_type", "Unsupported grant_type '" + grant + "'."),
        ctx.request_id);
}

/// skip/limit query params: default 10, -1 = all, at most 1000.
std::variant<std::pair<std::int64_t, std::int64_t>, response> paging(request_context const& ctx) {
    std::int64_t vals[2] = {0, 10};
    std::string_view names[2] = {"skip", "limit"};
    for (int i = 0; i < 2; ++i) {
        auto it = ctx.query.find(names[i]);
        if (it == ctx.query.end() || it->second.empty()) continue;
        auto const& s = it->second;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), vals[i]);
        bool ok = ec == std::errc{} && p == s.data() + s.size() &&
                  (i == 0 ? vals[i] >= 0 : (vals[i] >= -1 && vals[i] <= 1000));
        if (!ok)
            return error_response(
                ctx.req, scheduler::invalid_argument(std::string(names[i]), "Out of range."),
                ctx.request_id);
    }
    return std::pair{vals[0], vals[1]};
}

response list_users(request_context& ctx, auth_service& auth) {
    auto pg = paging(ctx);
    if (auto* r = std::get_if<response>(&pg)) return std::move(*r);
    auto [skip, limit] = std::get<0>(pg);
    auto page = auth.users().list_users(skip, limit);
    if (!page) return error_response(ctx.req, page.error(), ctx.request_id);
    json::array items;
    for (auto const& u : page->items) items.push_back(user_json(u));
    return json_response(ctx.req, http::status::ok,
                         json::object{{"skip", skip},
                                      {"limit", limit},
                                      {"total", page->total},
                                      {"resources", std::move(items)}});
}

response create_user(request_context& ctx, auth_service& auth) {
    auto parsed = body_object(ctx);
    if (auto* r = std::get_if<response>(&parsed)) return std::move(*r);
    auto const& body = std::get<json::object>(parsed);
    std::optional<std::string> fields[2];
    std::string_view names[2] = {"username", "password"};
    for (int i = 0; i < 2; ++i) {
        auto f = string_field(ctx, body, names[i]);
        if (auto* r = std::get_if<response>(&f)) return std::move(*r);
        fields[i] = std::get<0>(f);
        if (!fields[i])
            return error_response(ctx.req,
                                  scheduler::invalid_argument(std::string(names[i]), "Required."),
                                  ctx.request_id);
    }
    std::vector<std::string> groups;
    if (auto const* g = body.if_contains("groups"); g && !g->is_null()) {
        bool ok = g->is_array();
        if (ok)
            for (auto const& x : g->as_array()) {
                ok = ok && x.is_string();
                if (ok) groups.emplace_back(x.as_string());
            }
        if (!ok)
            return error_response(
                ctx.req, scheduler::invalid_argument("groups", "Must be an array of group names."),
                ctx.request_id);
    }
    auto u = auth.create_user(*fields[0], *fields[1], groups);
    if (!u) return error_response(ctx.req, u.error(), ctx.request_id);
    return json_response(ctx.req, http::status::created, user_json(*u));
}

response get_user(request_context& ctx, auth_service& auth) {
    auto u = auth.users().get_user(user_id_param(ctx));
    if (!u) return error_response(ctx.req, u.error(), ctx.request_id);
    return json_response(ctx.req, http::status::ok, user_json(*u));
}

response delete_user(request_context& ctx, auth_service& auth) {
    auto id = user_id_param(ctx);
    if (ctx.user && ctx.user->user_id == std::string(sub_prefix) + id)
        return error_response(ctx.req,
                              {code::failed_precondition, "Users cannot delete themselves."},
                              ctx.request_id);
    auto r = auth.users().delete_user(id);
    if (!r) return error_response(ctx.req, r.error(), ctx.request_id);
    return empty_response(ctx.req);
}

response list_groups(request_context& ctx, auth_service& auth) {
    auto groups = auth.users().list_groups();
    if (!groups) return error_response(ctx.req, groups.error(), ctx.request_id);
    json::array items;
    for (auto const& g : *groups)
        items.push_back(json::object{{"name", g.name},
                                     {"members", g.members},
                                     {"createdAt", scheduler::format_rfc3339(g.created_at)}});
    auto total = static_cast<std::int64_t>(items.size());
    return json_response(
        ctx.req, http::status::ok,
        json::object{
            {"skip", 0}, {"limit", total}, {"total", total}, {"resources", std::move(items)}});
}

response add_member(request_context& ctx, auth_service& auth) {
    auto u = auth.users().add_member(ctx.path_params.at("group"), user_id_param(ctx));
    if (!u) return error_response(ctx.req, u.error(), ctx.request_id);
    return json_response(ctx.req, http::status::ok, user_json(*u));
}

response remove_member(request_context& ctx, auth_service& auth) {
    auto r = auth.users().remove_member(ctx.path_params.at("group"), user_id_param(ctx));
    if (!r) return error_response(ctx.req, r.error(), ctx.request_id);
    return empty_response(ctx.req);
}

response revoke_token(request_context& ctx, auth_service& auth) {
    auto r = auth.revoke(ctx.path_params.at("id"), *ctx.user);
    if (!r) return error_response(ctx.req, r.error(), ctx.request_id);
    return empty_response(ctx.req);
}

}  // namespace

void register_auth_routes(router& r, auth_service& auth) {
    using v = http::verb;
    r.add(v::post, "/api/v1/auth/tokens", access::anonymous,
          [&auth](auto& c) { return create_token(c, auth); });
    r.add(v::delete_, "/api/v1/auth/tokens/{id}", access::signed_in,
          [&auth](auto& c) { return revoke_token(c, auth); });
}

void register_usermgmt_routes(router& r, auth_service& auth) {
    using v = http::verb;
    auto bind = [&auth](response (*fn)(request_context&, auth_service&)) {
        return [fn, &auth](request_context& c) { return fn(c, auth); };
    };
    r.add(v::get, "/api/v1/usermgmt/users", access::admin, bind(list_users));
    r.add(v::post, "/api/v1/usermgmt/users", access::admin, bind(create_user));
    r.add(v::get, "/api/v1/usermgmt/users/{id}", access::admin, bind(get_user));
    r.add(v::delete_, "/api/v1/usermgmt/users/{id}", access::admin, bind(delete_user));
    r.add(v::get, "/api/v1/usermgmt/groups", access::admin, bind(list_groups));
    r.add(v::post, "/api/v1/usermgmt/groups/{group}/users/{id}", access::admin, bind(add_member));
    r.add(v::delete_, "/api/v1/usermgmt/groups/{group}/users/{id}", access::admin,
          bind(remove_member));
}

}  // namespace schedulerd
