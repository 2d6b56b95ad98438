// SPDX-License-Identifier: Apache-2.0
// The one table from library codes to HTTP statuses and CCKM error codes (STYLE.md point 8,
// DESIGN.md §7), and the JSON response builders every handler uses.
//
// The five CCKM codes the reference shows (5, 9, 14, 15, 16) keep their numbers; the others are
// this server's own numbers for names the reference uses without a code (NCERRConflict) or does
// not name at all. `cancelled` maps to 409: the request conflicts with work its caller already
// cancelled, and a 4xx tells clients that retrying unchanged will not help (499 is not HTTP).
#include "http_types.hpp"

#include <boost/json/serialize.hpp>

#include <array>
#include <string>

namespace schedulerd {

namespace {

using scheduler::code;

struct table_row {
    code c;
    error_mapping m;
};

constexpr error_mapping ok_row{http::status::ok, 0, "NCERROk"};
constexpr error_mapping bad_request_row{http::status::bad_request, 15, "NCERRBadRequest"};
constexpr error_mapping too_large_row{http::status::payload_too_large, 13, "NCERRRequestTooLarge"};
constexpr error_mapping throttled_row{http::status::too_many_requests, 17, "NCERRTooManyRequests"};
constexpr error_mapping method_row{http::status::method_not_allowed, 15, "NCERRBadRequest"};

constexpr std::array<table_row, 14> table{{
    {code::ok, ok_row},
    {code::invalid_argument, {http::status::bad_request, 9, "NCERRInvalidParamValue"}},
    {code::not_found, {http::status::not_found, 16, "NCERRResourceNotFound"}},
    {code::already_exists, {http::status::conflict, 12, "NCERRConflict"}},
    {code::failed_precondition, {http::status::conflict, 12, "NCERRConflict"}},
    {code::aborted, {http::status::conflict, 12, "NCERRConflict"}},
    {code::unavailable, {http::status::service_unavailable, 18, "NCERRServiceUnavailable"}},
    {code::deadline_exceeded, {http::status::gateway_timeout, 19, "NCERRTimeout"}},
    {code::permission_denied, {http::status::forbidden, 7, "NCERRPermissionDenied"}},
    {code::unauthenticated, {http::status::unauthorized, 5, "NCERRUnauthorizedAccess"}},
    {code::resource_exhausted, throttled_row},
    {code::cancelled, {http::status::conflict, 12, "NCERRConflict"}},
    {code::unimplemented, {http::status::not_implemented, 20, "NCERRNotImplemented"}},
    {code::internal, {http::status::internal_server_error, 14, "NCERRInternalServerError"}},
}};

/// `s` with each byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF) replaced by U+FFFD. Error messages
/// echo user input, and a percent-decoded query value or a message cut at a byte count can
/// hold any byte; JSON must be UTF-8, and Boost.JSON serializes strings unchecked.
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        auto const byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
        auto const c = byte(0);
        std::size_t const len = c < 0x80                 ? 1
                                : c >= 0xC2 && c <= 0xDF ? 2
                                : c >= 0xE0 && c <= 0xEF ? 3
                                : c >= 0xF0 && c <= 0xF4 ? 4
                                                         : 0;
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (byte(k) & 0xC0) == 0x80;
        if (ok && len > 2) {
            auto const c1 = byte(1);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 > 0x9F) &&
                 !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 > 0x8F);
        }
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

}  // namespace

error_mapping error_mapping_for(scheduler::code c) noexcept {
    for (auto const& row : table)
        if (row.c == c) return row.m;
    return {http::status::internal_server_error, 14, "NCERRInternalServerError"};
}

http::status http_status_for(scheduler::code c) noexcept {
    return error_mapping_for(c).status;
}

response json_response(request const& req, http::status st, boost::json::value const& body) {
    response res{st, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response empty_response(request const& req, http::status st) {
    response res{st, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

response error_response(request const& req,
                        error_mapping const& m,
                        std::string_view message,
                        std::string_view request_id,
                        std::string_view field) {
    std::string const text = valid_utf8(message);
    std::string desc(m.code_desc);
    if (!text.empty()) {
        desc += ": ";
        desc += text;
    }
    boost::json::object body{
        {"code", m.cckm_code}, {"codeDesc", desc}, {"message", text}, {"requestID", request_id}};
    if (!field.empty()) body["field"] = valid_utf8(field);
    return json_response(req, m.status, body);
}

response error_response(request const& req,
                        scheduler::status const& st,
                        std::string_view request_id) {
    return error_response(req, error_mapping_for(st.error_code()), st.message(), request_id,
                          st.field());
}

response bad_request_response(request const& req,
                              std::string_view message,
                              std::string_view request_id) {
    return error_response(req, bad_request_row, message, request_id);
}

response payload_too_large_response(request const& req, std::string_view request_id) {
    return error_response(req, too_large_row, "Request body too large.", request_id);
}

response too_many_requests_response(request const& req,
                                    std::string_view message,
                                    std::string_view request_id,
                                    std::chrono::seconds retry_after) {
    auto res = error_response(req, throttled_row, message, request_id);
    res.set(http::field::retry_after, std::to_string(std::max<long long>(1, retry_after.count())));
    return res;
}

response route_not_found_response(request const& req,
                                  bool path_known,
                                  std::string_view request_id) {
    if (path_known) return error_response(req, method_row, "Method not allowed.", request_id);
    return error_response(req, error_mapping_for(code::not_found), "Resource not found.",
                          request_id);
}

}  // namespace schedulerd
