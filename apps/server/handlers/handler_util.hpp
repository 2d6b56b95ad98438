// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the scheduler handlers.
#pragma once

#include "http_types.hpp"

#include <string_view>

namespace schedulerd::scheduler_api {

/// The error response for a library status. A body that is not JSON, or not a JSON object,
/// comes back as invalid_argument without a field: that is NCERRBadRequest (15), the rest of
/// the table applies otherwise.
[[nodiscard]] inline response fail(request_context const& ctx, scheduler::status const& st) {
    if (st.error_code() == scheduler::code::invalid_argument && st.field().empty()) {
        return bad_request_response(ctx.req, st.message(), ctx.request_id);
    }
    // Clients read codeDesc/message only (Thales' own match substrings of codeDesc), so the
    // field goes into the message too: "run_at: minute: '61' out of range 0-59".
    if (!st.field().empty() && !st.message().starts_with(st.field())) {
        return error_response(
            ctx.req,
            scheduler::status{st.error_code(), st.field() + ": " + st.message(), st.field()},
            ctx.request_id);
    }
    return error_response(ctx.req, st, ctx.request_id);
}

/// The "{id}" segment of the route (present: the router matched the template).
[[nodiscard]] inline std::string_view path_id(request_context const& ctx) {
    auto it = ctx.path_params.find("id");
    return it == ctx.path_params.end() ? std::string_view{} : std::string_view{it->second};
}

}  // namespace schedulerd::scheduler_api
