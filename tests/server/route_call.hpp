// SPDX-License-Identifier: Apache-2.0
// What the handler tests share: one request straight into a route of a router, as the pipeline
// would hand it over once authenticated (no socket, no token check), and the answer parsed.
// Every error answer is checked to be the CCKM shape carrying the request id.
#pragma once

#include "support/catch.hpp"

#include "http_types.hpp"
#include "router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace route_test {

using query = std::map<std::string, std::string, std::less<>>;

/// A handler's answer: HTTP status and the parsed JSON body (null when empty).
struct reply {
    int status = 0;
    boost::json::value body;
    /// The error's `field`, or "".
    [[nodiscard]] std::string field() const {
        auto const* f = body.is_object() ? body.as_object().if_contains("field") : nullptr;
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    }
    [[nodiscard]] std::string str(std::string_view key) const {
        return std::string(body.at(key).as_string());
    }
    [[nodiscard]] std::int64_t total() const { return body.at("total").as_int64(); }
    /// The ids of a list answer, in order.
    [[nodiscard]] std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (auto const& r : body.at("resources").as_array())
            out.emplace_back(r.at("id").as_string());
        return out;
    }
    /// The whole body as text, for messages.
    [[nodiscard]] std::string message() const {
        return body.is_object() ? boost::json::serialize(body) : std::string();
    }
};

/// Calls the route of `routes` matching `method` + `path` as `user` (the route must exist).
inline reply call(schedulerd::router const& routes,
                  schedulerd::principal const& user,
                  schedulerd::http::verb method,
                  std::string const& path,
                  std::string const& body = {},
                  query q = {},
                  std::string const& content_type = "application/json") {
    schedulerd::request req{method, path, 11};
    if (!content_type.empty()) req.set(schedulerd::http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    auto m = routes.match(method, path);
    REQUIRE(m.found);
    schedulerd::request_context ctx{req, &user, m.params, std::move(q), "test-request"};
    auto res = m.found->fn(ctx);
    reply r;
    r.status = static_cast<int>(res.result_int());
    if (!res.body().empty()) r.body = boost::json::parse(res.body());
    if (r.status >= 400) {
        INFO(res.body());
        CHECK(r.body.at("codeDesc").as_string().starts_with("NCERR"));
        CHECK(r.body.at("requestID") == "test-request");
    }
    return r;
}

}  // namespace route_test
