// SPDX-License-Identifier: Apache-2.0
// docs/openapi.yaml and the router agree (DESIGN.md §7): every route the server registers is
// documented with its method, and every documented path+method is routed. The YAML is read
// minimally (paths at two spaces of indent, methods at four): no YAML dependency.
#include "support/catch.hpp"
#include "support/in_memory_store.hpp"

#include "server.hpp"
#include "user_store.hpp"

#include <scheduler/engine.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

namespace {

std::filesystem::path openapi_path() {
    return std::filesystem::path(SCHEDULER_OPENAPI_YAML);
}

int indent_of(std::string const& line) {
    return static_cast<int>(line.find_first_not_of(' '));
}

/// "get /api/v1/..." for every path+method under `paths:`.
std::set<std::string> documented_operations(std::istream& in) {
    static std::set<std::string> const methods{"get",   "put",  "post",   "delete",
                                               "patch", "head", "options"};
    std::set<std::string> out;
    std::string line;
    bool in_paths = false;
    std::string path;
    while (std::getline(in, line)) {
        if (line.empty() || line.find_first_not_of(' ') == std::string::npos) continue;
        if (line[line.find_first_not_of(' ')] == '#') continue;
        int const indent = indent_of(line);
        if (indent == 0) {
            in_paths = line.rfind("paths:", 0) == 0;
            continue;
        }
        if (!in_paths) continue;
        auto const colon = line.find(':', static_cast<std::size_t>(indent));
        if (colon == std::string::npos) continue;
        std::string const key =
            line.substr(static_cast<std::size_t>(indent), colon - static_cast<std::size_t>(indent));
        if (indent == 2) {
            path = key;
        } else if (indent == 4 && methods.contains(key)) {
            out.insert(key + " " + path);
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

TEST_CASE("the router and docs/openapi.yaml agree", "[openapi]") {
    // The server's real route table, built as schedulerd builds it.
    scheduler::manual_clock clock{scheduler::parse_rfc3339("2026-03-01T00:00:00Z").value()};
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    scheduler::engine eng{store, ops, clock};
    schedulerd::services svc{eng, ops, store, "local-node"};
    auto users = schedulerd::user_store::open(":memory:", clock).value();
    schedulerd::jwt_codec jwt{std::string(32, 'k'), clock};
    schedulerd::auth_service auth{*users, jwt, clock};
    schedulerd::metrics stats;
    schedulerd::router routes = schedulerd::build_router(svc, auth, stats);

    std::set<std::string> routed;
    for (auto const& r : routes.routes()) {
        routed.insert(lower(schedulerd::http::to_string(r.method)) + " " + r.path_template);
    }
    REQUIRE(routed.size() == routes.routes().size());  // no route registered twice

    std::ifstream in(openapi_path());
    REQUIRE(in);
    auto const documented = documented_operations(in);
    REQUIRE_FALSE(documented.empty());

    std::set<std::string> undocumented;
    std::set_difference(routed.begin(), routed.end(), documented.begin(), documented.end(),
                        std::inserter(undocumented, undocumented.end()));
    std::set<std::string> unrouted;
    std::set_difference(documented.begin(), documented.end(), routed.begin(), routed.end(),
                        std::inserter(unrouted, unrouted.end()));
    for (auto const& op : undocumented) UNSCOPED_INFO("routed but not in openapi.yaml: " << op);
    for (auto const& op : unrouted) UNSCOPED_INFO("in openapi.yaml but not routed: " << op);
    CHECK(undocumented.empty());
    CHECK(unrouted.empty());
    // The scheduler API of seeds/000 is among them.
    CHECK(documented.contains("post /api/v1/scheduler/job-configs/{id}/run-now"));
    CHECK(documented.contains("delete /api/v1/scheduler/jobs/{id}"));
}

TEST_CASE("the minimal YAML reader finds paths and methods only", "[openapi]") {
    std::istringstream yaml(R"(openapi: 3.0.3
paths:
  /a:
    parameters:
      - {name: id}
    get:
      responses:
        '200': {description: ok}
    post:
      summary: x
  /b/{id}:
    delete:
      responses: {}
components:
  /not-a-path:
    get: {}
)");
    CHECK(documented_operations(yaml) ==
          std::set<std::string>{"get /a", "post /a", "delete /b/{id}"});
}
