// SPDX-License-Identifier: Apache-2.0
// The library objects the handlers call. Owned by the server; handlers hold references only.
#pragma once

#include <scheduler/engine.hpp>
#include <scheduler/operation.hpp>
#include <scheduler/store.hpp>

#include <string>

namespace cckm {
namespace aws {
class kms_connections;
}
class bulk_job_service;
class key_store;
class provider_registry;
}  // namespace cckm

namespace schedulerd {

struct services {
    scheduler::engine& engine;
    scheduler::operation_registry& operations;
    scheduler::store& store;
    std::string node_id;
    /// The key inventory and the cloud providers (libcckm); null in handler tests that do not
    /// need them. The cckm routes answer 503 when they are missing.
    cckm::key_store* inventory = nullptr;
    cckm::provider_registry* providers = nullptr;
    /// The bulk and key jobs (AWS bulkjob, Azure bulkjobs, SAP keys/jobs); null: those routes
    /// answer 503.
    cckm::bulk_job_service* bulk_jobs = nullptr;
    /// The AWS connections (/cckm/aws/kms); null: those routes answer 503.
    cckm::aws::kms_connections* aws_connections = nullptr;
};

}  // namespace schedulerd
