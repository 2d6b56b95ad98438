// SPDX-License-Identifier: Apache-2.0
#include "pipeline.hpp"

#include "crypto_util.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace schedulerd {

using scheduler::code;

namespace {

constexpr std::string_view unmatched = "unmatched";

bool iequals_prefix(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

/// Splits the target into the decoded path and query; false when the target is malformed.
bool parse_target(std::string_view target,
                  std::string& path,
                  std::map<std::string, std::string, std::less<>>& query) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) return false;
    path = u->path();
    for (auto const& p : u->params()) query[p.key] = p.has_value ? p.value : std::string{};
    return true;
}

}  // namespace

std::string_view bearer_token(request const& req) noexcept {
    auto it = req.find(http::field::authorization);
    if (it == req.end()) return {};
    std::string_view v = it->value();
    if (!iequals_prefix(v, "bearer ")) return {};
    v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
}

response request_pipeline::dispatch(request const& req,
                                    request_context& ctx,
                                    std::string& route_name,
                                    principal& who) {
    std::string path;
    if (!parse_target(req.target(), path, ctx.query))
        return bad_request_response(req, "Request target is malformed.", ctx.request_id);
    auto m = routes_.match(req.method(), path);
    if (!m.found) return route_not_found_response(req, m.path_known, ctx.request_id);
    route_name = m.found->path_template;
    ctx.path_params = std::move(m.params);
    if (m.found->level != access::anonymous) {
        auto token = bearer_token(req);
        if (token.empty())
            return error_response(req,
                                  {code::unauthenticated, "Unauthorized: Bearer token missing."},
                                  ctx.request_id);
        auto p = auth_.authenticate(token);
        if (!p) return error_response(req, p.error(), ctx.request_id);
        who = std::move(*p);
        ctx.user = &who;
        if (!allowed(m.found->level, ctx.user))
            return error_response(
                req, {code::permission_denied, "The caller's groups do not allow this."},
                ctx.request_id);
    }
    return m.found->fn(ctx);
}

response request_pipeline::handle(request const& req, std::string_view remote) noexcept {
    auto start = std::chrono::steady_clock::now();
    request_context ctx{req, nullptr, {}, {}, {}};
    std::string route_name(unmatched);
    principal who;
    response res;
    try {
        ctx.request_id = request_id();
        res = dispatch(req, ctx, route_name, who);
    } catch (std::exception const& e) {
        log_.event("error", "handler exception (request " + ctx.request_id + ", route " +
                                route_name + "): " + e.what());
        res = error_response(req, {code::internal, "Internal server error."}, ctx.request_id);
    } catch (...) {
        log_.event("error",
                   "handler exception (request " + ctx.request_id + ", route " + route_name + ")");
        res = error_response(req, {code::internal, "Internal server error."}, ctx.request_id);
    }
    finish(req, res, ctx, route_name, who.username, start, remote);
    return res;
}

response request_pipeline::reject(request const& req,
                                  http::status st,
                                  std::string_view remote) noexcept {
    auto start = std::chrono::steady_clock::now();
    request_context ctx{req, nullptr, {}, {}, {}};
    response res;
    try {
        ctx.request_id = request_id();
        if (st == http::status::payload_too_large)
            res = payload_too_large_response(req, ctx.request_id);
        else
            res = error_response(req, {st, 15, "NCERRBadRequest"}, http::obsolete_reason(st),
                                 ctx.request_id);
        res.keep_alive(false);
    } catch (...) {
        res = response{st, 11};
        res.keep_alive(false);
    }
    finish(req, res, ctx, unmatched, {}, start, remote);
    return res;
}

void request_pipeline::finish(request const& req,
                              response& res,
                              request_context const& ctx,
                              std::string_view route_name,
                              std::string_view user,
                              std::chrono::steady_clock::time_point start,
                              std::string_view remote) noexcept {
    try {
        res.set("X-Request-ID", ctx.request_id);
        auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
        auto method = http::to_string(req.method());
        metrics_.observe(method, route_name, static_cast<int>(res.result_int()), took);
        log_.access({method, route_name, static_cast<int>(res.result_int()), took, ctx.request_id,
                     user, remote});
    } catch (...) {
        // Logging must never turn a good response into a failed connection.
    }
}

}  // namespace schedulerd
