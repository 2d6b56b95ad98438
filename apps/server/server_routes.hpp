// SPDX-License-Identifier: Apache-2.0
// Route registration of the server's own areas: auth tokens, user management, health and
// metrics. The scheduler API registers through handlers/handlers.hpp.
#pragma once

#include "auth.hpp"
#include "metrics.hpp"
#include "router.hpp"

namespace schedulerd {

/// POST /api/v1/auth/tokens (anonymous) and DELETE /api/v1/auth/tokens/{id} (signed in).
void register_auth_routes(router& r, auth_service& auth);
/// /api/v1/usermgmt/users... and /api/v1/usermgmt/groups...; admin only.
void register_usermgmt_routes(router& r, auth_service& auth);
/// GET /healthz (anonymous) and GET /metrics (anonymous: scrapers rarely carry tokens, and it
/// shows counts only).
void register_system_routes(router& r, metrics& m);

}  // namespace schedulerd
