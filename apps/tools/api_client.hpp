// SPDX-License-Identifier: Apache-2.0
// A small synchronous HTTP(S) client for schedulerctl: one connection per request, Beast over
// Asio (TLS through OpenSSL), certificate and host-name verification on unless told otherwise.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace schedulerctl {

/// Where the server is and how to trust it.
struct connection_settings {
    std::string url = "https://127.0.0.1:8443";  ///< scheme://host[:port], no path
    bool insecure = false;  ///< skip certificate verification (self-signed servers)
    std::string cacert;     ///< PEM file to trust instead of the system store
    std::chrono::seconds timeout{30};
};

/// One answer. `status` 0 never happens: transport failures throw std::runtime_error.
struct http_answer {
    int status = 0;
    std::string body;
    /// The body parsed as JSON, or null when it is empty or not JSON.
    [[nodiscard]] boost::json::value json() const;
};

/// Sends `method target` (target = path + query) with an optional JSON body and bearer token.
/// Throws std::runtime_error on a bad URL, a connection, TLS or protocol failure.
[[nodiscard]] http_answer send_request(connection_settings const& cs,
                                       boost::beast::http::verb method,
                                       std::string_view target,
                                       std::string const& body = {},
                                       std::string_view token = {});

/// Percent-encodes a query-string value.
[[nodiscard]] std::string url_encode(std::string_view s);

}  // namespace schedulerctl
