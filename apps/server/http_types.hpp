// SPDX-License-Identifier: Apache-2.0
// Types shared by the server core (sessions, router, auth) and the API handlers.
// A handler is a function from (request context) to a response: testable without a socket.
#pragma once

#include <scheduler/errors.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

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
    principal const* user = nullptr;  ///< null only on anonymous routes
    std::map<std::string, std::string, std::less<>> path_params;  ///< "{id}" -> value
    std::map<std::string, std::string, std::less<>> query;        ///< decoded; last value wins
    std::string request_id;                                        ///< UUID, echoed in errors
};

using handler = std::function<response(request_context&)>;

/// Builds a JSON response with the request's keep-alive and version.
[[nodiscard]] response json_response(request const& req, http::status st, boost::json::value const& body);
/// 204 No Content.
[[nodiscard]] response empty_response(request const& req, http::status st = http::status::no_content);
/// The CCKM-shaped error for a library status, mapped by the one code -> HTTP table
/// ({"code", "codeDesc", "message", "requestID", "field"}).
[[nodiscard]] response error_response(request const& req, scheduler::status const& st,
                                      std::string_view request_id);
/// The HTTP status the table maps `c` to.
[[nodiscard]] http::status http_status_for(scheduler::code c) noexcept;

}  // namespace schedulerd
