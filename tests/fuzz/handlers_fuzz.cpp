// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the JSON body of every POST/PATCH endpoint, through the real request
// pipeline (routing, bearer auth as admin, handler, error rendering) with no socket. The first
// byte picks the endpoint ('0'..'9', then ':', ';' and '<': any byte works modulo 13); the rest
// is the body, in which "@REFRESH@", "@CONFIG@", "@RUN@", "@AWSKEY@", "@AZUREKEY@" and
// "@SAPKEY@" become a live refresh token, job config id, run id and inventory key ids, so seeds
// reach the success paths. A status >= 500, a non-HTTP status or an error body that is not the
// CCKM JSON shape is a finding.
#include "fuzz_world.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

using schedulerd::http::verb;
namespace fz = schedulerd::fuzz;

struct endpoint {
    verb method;
    std::string_view target;  // "{config}", "{run}", "{user}", "{key}" filled in per input
};

constexpr std::array<endpoint, 13> endpoints = {{
    {verb::post, "/api/v1/scheduler/job-configs"},
    {verb::patch, "/api/v1/scheduler/job-configs/{config}"},
    {verb::post, "/api/v1/scheduler/job-configs/{config}/run-now"},
    {verb::post, "/api/v1/scheduler/jobs/{run}/cancel"},
    {verb::post, "/api/v1/auth/tokens"},
    {verb::post, "/api/v1/usermgmt/users"},
    {verb::post, "/api/v1/usermgmt/groups/Scheduler%20Admins/users/{user}"},
    {verb::post, "/api/v1/cckm/aws/keys/{key}/enable-rotation-job"},
    {verb::post, "/api/v1/cckm/aws/keys/{key}/disable-rotation-job"},
    {verb::post, "/api/v1/cckm/aws/bulkjob"},
    {verb::post, "/api/v1/cckm/azure/bulkjobs"},
    {verb::post, "/api/v1/cckm/sap/keys/jobs"},
    {verb::post, "/api/v1/cckm/aws/kms"},
}};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static fz::auth_world auth;
    if (size == 0) return 0;
    auto const& ep = endpoints[static_cast<std::uint8_t>(data[0] - '0') % endpoints.size()];
    // A fresh world costs ~25 ms (SQLite schema, engine, a config and a run). Refused requests
    // change nothing (the handler tests check that), so the world is rebuilt only after a
    // scheduler request that succeeded (users and tokens live in the shared auth world anyway);
    // every input still sees one config and one run, as seeded.
    static std::unique_ptr<fz::api_world> world;
    if (!world) world = std::make_unique<fz::api_world>(auth);
    auto& api = *world;

    std::string target(ep.target);
    replace_all(target, "{config}", api.config_id);
    replace_all(target, "{run}", api.run_id);
    replace_all(target, "{user}", auth.admin.id);
    replace_all(target, "{key}", api.aws_key);
    std::string body(reinterpret_cast<char const*>(data + 1), size - 1);
    replace_all(body, "@REFRESH@", auth.refresh_token);
    replace_all(body, "@CONFIG@", api.config_id);
    replace_all(body, "@RUN@", api.run_id);
    replace_all(body, "@AWSKEY@", api.aws_key);
    replace_all(body, "@AZUREKEY@", api.azure_key);
    replace_all(body, "@SAPKEY@", api.sap_key);

    auto const res = api.call(ep.method, target, std::move(body), auth.admin_jwt);
    fz::check_response(res);
    // Users and tokens live in the shared auth world; anything else that succeeded changed
    // the per-input world, so the next input gets a fresh one.
    if (res.result_int() < 400 && !ep.target.starts_with("/api/v1/auth/") &&
        !ep.target.starts_with("/api/v1/usermgmt/"))
        world.reset();
    return 0;
}
