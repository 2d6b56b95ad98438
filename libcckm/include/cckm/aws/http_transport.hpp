// SPDX-License-Identifier: Apache-2.0
// File: cckm/aws/http_transport.hpp
//
// The seam between the AWS KMS client and the network: one signed request in, one response
// out. The built-in transport speaks HTTPS through Beast and OpenSSL with certificate and
// host-name verification on, keeps its connection open between calls and bounds every step
// with a timeout; tests hand the client a fake transport instead (or point the built-in one at
// a loopback `http://` endpoint).
//
//   auto t = cckm::aws::make_http_transport("https://kms.eu-west-1.amazonaws.com").value();
//   auto resp = t->send(signed_request);  // unavailable when the endpoint cannot be reached
#pragma once

#include <cckm/aws/sigv4.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cckm::aws {

/// An HTTP response as the client needs it.
struct http_response {
    unsigned status = 0;
    std::string body;
    std::vector<http_header> headers;
};

/// Sends requests to one endpoint. Implementations must be thread-safe.
class http_transport {
public:
    virtual ~http_transport();
    http_transport() = default;
    http_transport(http_transport const&) = delete;
    http_transport& operator=(http_transport const&) = delete;

    /// Sends `request` (already signed) and returns the response, whatever its status.
    /// unavailable when the endpoint cannot be reached, the TLS handshake or verification
    /// fails, or a timeout passes.
    [[nodiscard]] virtual scheduler::result<http_response> send(
        signable_request const& request) = 0;
};

/// Limits and trust settings of the built-in transport.
struct transport_options {
    std::chrono::milliseconds connect_timeout{5000};   ///< TCP connect plus TLS handshake
    std::chrono::milliseconds request_timeout{30000};  ///< writing the request, reading the reply
    std::size_t body_limit = 8 * 1024 * 1024;  ///< KMS replies are small; a larger one is refused
    /// PEM file of trusted CAs; empty uses the system's default paths.
    std::string ca_file;
    /// Off only for tests against a self-signed endpoint; never in production.
    bool verify_peer = true;
};

/// The parts of an endpoint URL: `https://host[:port]` (or `http://` for loopback hosts).
struct endpoint {
    std::string scheme;
    std::string host;
    std::string port;
    /// The Host header value: host, plus `:port` when it is not the scheme's default.
    [[nodiscard]] std::string host_header() const;
};

/// Parses an endpoint URL; invalid_argument naming `endpoint_url` when it is not
/// `https://host[:port][/]`, or `http://` with a host other than 127.0.0.1, ::1 or localhost
/// (plain HTTP would expose the signed requests).
[[nodiscard]] scheduler::result<endpoint> parse_endpoint(std::string_view url);

/// The Beast + OpenSSL transport to `url` (see parse_endpoint).
[[nodiscard]] scheduler::result<std::unique_ptr<http_transport>> make_http_transport(
    std::string_view url, transport_options options = {});

}  // namespace cckm::aws
