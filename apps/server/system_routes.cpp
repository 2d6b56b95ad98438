// SPDX-License-Identifier: Apache-2.0
// GET /healthz and GET /metrics.
#include "server_routes.hpp"

namespace schedulerd {

void register_system_routes(router& r, metrics& m) {
    r.add(http::verb::get, "/healthz", access::anonymous, [](request_context& c) {
        return json_response(c.req, http::status::ok, boost::json::object{{"status", "ok"}});
    });
    r.add(http::verb::get, "/metrics", access::anonymous, [&m](request_context& c) {
        response res{http::status::ok, c.req.version()};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.keep_alive(c.req.keep_alive());
        res.body() = m.render();
        res.prepare_payload();
        return res;
    });
}

}  // namespace schedulerd
