// SPDX-License-Identifier: Apache-2.0
// Method + path-template routing ("/api/v1/scheduler/job-configs/{id}/run-now"). A trailing
// slash is accepted on every path. The router knows each route's access level so the session
// checks the token and group before any handler runs.
#pragma once

#include "http_types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace schedulerd {

/// One registered route.
struct route {
    http::verb method;
    std::string path_template;  ///< segments; "{name}" captures one segment
    access level;
    handler fn;
};

/// Routing table. Not thread-safe to modify; read-only once the server starts.
class router {
public:
    /// Registers a route; later registrations never shadow earlier ones.
    void add(http::verb method, std::string path_template, access level, handler fn);

    /// The outcome of matching a request target's path.
    struct match_result {
        route const* found = nullptr;  ///< null when no route matches
        bool path_known = false;       ///< some method matches the path (405 vs 404)
        std::map<std::string, std::string, std::less<>> params;
    };
    [[nodiscard]] match_result match(http::verb method, std::string_view path) const;

    /// All routes, in registration order (the OpenAPI check walks them).
    [[nodiscard]] std::vector<route> const& routes() const noexcept { return routes_; }

private:
    std::vector<route> routes_;
};

}  // namespace schedulerd
