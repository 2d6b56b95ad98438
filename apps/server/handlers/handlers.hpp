// SPDX-License-Identifier: Apache-2.0
// Route registration of each API area. Handlers map HTTP to library calls and nothing else.
#pragma once

#include "router.hpp"
#include "services.hpp"

namespace schedulerd {

/// /api/v1/scheduler/job-configs... and /api/v1/scheduler/jobs...
void register_scheduler_routes(router& r, services& s);

/// /api/v1/cckm/aws/bulkjob..., /api/v1/cckm/azure/bulkjobs..., /api/v1/cckm/sap/keys/jobs...
void register_cckm_job_routes(router& r, services& s);

/// /api/v1/cckm/aws/kms...: the AWS connections.
void register_cckm_aws_kms_routes(router& r, services& s);

/// /api/v1/cckm/{cloud}/keys... : the key inventory, enable/disable-rotation-job. Its
/// /keys/{id} template would catch literal paths such as /cckm/sap/keys/jobs, so it is
/// registered after every other cckm area (the first matching route wins).
void register_cckm_key_routes(router& r, services& s);

}  // namespace schedulerd
