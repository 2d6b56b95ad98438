// SPDX-License-Identifier: Apache-2.0
// Placeholder handlers (xks credential rotation, password expiry): each records a failed run
// with an honest message rather than pretending to have done the work.
#include "operations_handlers.hpp"

namespace cckm::handlers {

namespace {

scheduler::operation_result not_available() {
    scheduler::operation_result r;
    r.status = scheduler::run_status::failed;
    r.details = "{}";
    r.error = not_available_error;
    return r;
}

}  // namespace

scheduler::operation_result run_xks_rotation(scheduler::operation_context&) {
    return not_available();
}

scheduler::operation_result run_password_expiry(scheduler::operation_context&) {
    return not_available();
}

}  // namespace cckm::handlers
