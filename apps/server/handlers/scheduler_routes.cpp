// SPDX-License-Identifier: Apache-2.0
// Placeholder: the job-config and job handlers replace this file.
#include "handlers/handlers.hpp"

namespace schedulerd {

void register_scheduler_routes(router&, services&) {}

}  // namespace schedulerd
