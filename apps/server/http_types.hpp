// SPDX-License-Identifier: Apache-2.0
// Types shared by the server core (sessions, router, auth) and the API handlers.
// A handler is a function from (request context) to a response: testable without a socket.
#pragma once

#include <scheduler/errors.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace schedulerd {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// Group names with meaning to the server (DESIGN.md §7).
inline constexpr std::string_view group_admin = "admin";
inline constexpr std::string_view group_scheduler_admins = "Scheduler Admins";
inline constexpr std::string_view group_cckm_admins = "CCKM Admins";

/// Who may call a route. `signed_in`: any valid token; the others also need the group (or
/// "admin", which can do everything).
enum class access { anonymous, signed_in, scheduler_admin, cckm_admin, admin };

/// The authenticated caller, taken from a verified token.
struct principal {
    std::string user_id;   ///< "local|<uuid>"
    std::string username;  ///< preferred_username
    std::vector<std::string> groups;
    [[nodiscard]] bool in_group(std::string_view g) const {
        for (auto const& x : groups)
            if (x == g) return true;
        return false;
    }
};

/// Everything a handler gets for one request.
struct request_context {
    request const& req;
    principal const* user = nullptr;                              ///< null only on anonymous routes
    std::map<std::string, std::string, std::less<>> path_params;  ///< "{id}" -> value
    std::map<std::string, std::string, std::less<>> query;        ///< decoded; last value wins
    std::string request_id;                                       ///< UUID, echoed in errors
};

using handler = std::function<response(request_context&)>;

/// Builds a JSON response with the request's keep-alive and version.
[[nodiscard]] response json_response(request const& req,
                                     http::status st,
                                     boost::json::value const& body);
/// 204 No Content.
[[nodiscard]] response empty_response(request const& req,
                                      http::status st = http::status::no_content);
/// The CCKM-shaped error for a library status, mapped by the one code -> HTTP table
/// ({"code", "codeDesc", "message", "requestID", "field"}).
[[nodiscard]] response error_response(request const& req,
                                      scheduler::status const& st,
                                      std::string_view request_id);
/// The HTTP status the table maps `c` to.
[[nodiscard]] http::status http_status_for(scheduler::code c) noexcept;

/// One row of the error table: HTTP status plus the CCKM `code` and `codeDesc` name.
struct error_mapping {
    http::status status;
    int cckm_code;
    std::string_view code_desc;  ///< "NCERRInvalidParamValue"
};
/// The row for `c` (the one code -> HTTP table; see http_types.cpp and docs/server.md).
[[nodiscard]] error_mapping error_mapping_for(scheduler::code c) noexcept;

/// Renders an error body with an explicit mapping (used by the named helpers below).
[[nodiscard]] response error_response(request const& req,
                                      error_mapping const& m,
                                      std::string_view message,
                                      std::string_view request_id,
                                      std::string_view field = {});
/// 400 NCERRBadRequest (15): the body is not parseable JSON, or the request is malformed.
[[nodiscard]] response bad_request_response(request const& req,
                                            std::string_view message,
                                            std::string_view request_id);
/// 413: the body is larger than the server's body limit.
[[nodiscard]] response payload_too_large_response(request const& req, std::string_view request_id);
/// 429 with Retry-After (seconds): the caller must slow down (login backoff).
[[nodiscard]] response too_many_requests_response(request const& req,
                                                  std::string_view message,
                                                  std::string_view request_id,
                                                  std::chrono::seconds retry_after);
/// 404 for a path no route has; 405 when the path exists for other methods.
[[nodiscard]] response route_not_found_response(request const& req,
                                                bool path_known,
                                                std::string_view request_id);

}  // namespace schedulerd
