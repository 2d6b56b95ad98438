// SPDX-License-Identifier: Apache-2.0
// The handlers of /api/v1/scheduler/job-configs and /api/v1/scheduler/jobs. Each maps one HTTP
// request to one library call (plus, for PATCH and next-runs, a read of the stored config) and
// renders the result; every rule lives in the engine. Registered by register_scheduler_routes.
#pragma once

#include "http_types.hpp"
#include "services.hpp"

namespace schedulerd::scheduler_api {

/// POST /job-configs -> 201 with the resource.
[[nodiscard]] response create_config(services& s, request_context& ctx);
/// GET /job-configs -> 200 {skip, limit, total, resources}.
[[nodiscard]] response list_configs(services& s, request_context& ctx);
/// GET /job-configs/{id} -> 200.
[[nodiscard]] response get_config(services& s, request_context& ctx);
/// PATCH /job-configs/{id} -> 200 with the whole resource.
[[nodiscard]] response patch_config(services& s, request_context& ctx);
/// DELETE /job-configs/{id} -> 204.
[[nodiscard]] response delete_config(services& s, request_context& ctx);
/// POST /job-configs/{id}/run-now -> 201 with the run (plus "job_id", as the reference shows).
[[nodiscard]] response run_now(services& s, request_context& ctx);
/// GET /job-configs/{id}/next-runs?count=N -> 200 {job_config_id, run_at, time_zone, next_runs}.
[[nodiscard]] response next_runs(services& s, request_context& ctx);

/// GET /jobs -> 200 {skip, limit, total, resources}.
[[nodiscard]] response list_runs(services& s, request_context& ctx);
/// GET /jobs/{id} -> 200.
[[nodiscard]] response get_run(services& s, request_context& ctx);
/// DELETE /jobs/{id} -> 204; 409 while scheduled or in progress.
[[nodiscard]] response delete_run(services& s, request_context& ctx);
/// POST /jobs/{id}/cancel -> 200 with the run (ends aborted); 409 when already finished.
[[nodiscard]] response cancel_run(services& s, request_context& ctx);

}  // namespace schedulerd::scheduler_api
