// SPDX-License-Identifier: Apache-2.0
// File: cckm/aws/sigv4.hpp
//
// AWS Signature Version 4 (AWS4-HMAC-SHA256) for requests signed in the `Authorization`
// header, as the AWS KMS client sends them, and the check a server (or a test's fake endpoint)
// makes of such a request. Checked against the official aws-c-auth test suite
// (tests/data/aws-sigv4-testsuite). Presigned URLs (query signing) and SigV4A are not offered:
// KMS uses neither.
//
//   cckm::aws::signable_request req{"POST", "/", {{"Host", "kms.eu-west-1.amazonaws.com"}}, body};
//   cckm::aws::signing_params p{creds, "eu-west-1", "kms", clock.now()};
//   auto parts = cckm::aws::sign(req, p).value();  // adds X-Amz-Date, Authorization, ...
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cckm::aws {

/// An access key. The secret and the session token are never logged.
struct credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  ///< temporary credentials only; empty otherwise
};

/// One header line as sent (name case kept; duplicates allowed and signed in order).
struct http_header {
    std::string name;
    std::string value;
    friend bool operator==(http_header const&, http_header const&) = default;
};

/// The parts of an HTTP request SigV4 covers. `target` is the request target, path plus an
/// optional `?query`; the path is taken as raw (not yet percent-encoded) bytes and encoded once.
struct signable_request {
    std::string method;
    std::string target;
    std::vector<http_header> headers;
    std::string body;
};

/// What a signature is computed with.
struct signing_params {
    credentials creds;
    std::string region;
    std::string service;
    scheduler::time_point time{};
    /// Remove `.`/`..` segments and empty segments from the path (every service but S3).
    bool normalize_path = true;
    /// Sign X-Amz-Security-Token (KMS expects this); false adds it after signing.
    bool sign_session_token = true;
    /// Also send and sign `x-amz-content-sha256` (S3 wants it; KMS does not need it).
    bool add_content_sha256 = false;
};

/// The intermediate values of one signature, for tests and diagnostics (no secret in them).
struct signature_parts {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;                   ///< lower-case hex
    std::string authorization;               ///< the Authorization header's value
    std::vector<http_header> added_headers;  ///< in the order they were appended
};

/// Signs `request` in place: appends X-Amz-Security-Token (when there is a token),
/// X-Amz-Date, x-amz-content-sha256 (when asked) and Authorization, replacing any earlier
/// ones. Every header present is signed except hop-by-hop and tracing ones (see
/// is_signed_header). invalid_argument when the method, target, Host header, credentials,
/// region or service are missing.
[[nodiscard]] scheduler::result<signature_parts> sign(signable_request& request,
                                                      signing_params const& params);

/// Recomputes the signature of a received request from its Authorization header and compares
/// it in constant time. `unauthenticated` when the header is missing or malformed, names
/// another access key, region or service, or the signature differs; `region`/`service` empty
/// accept whatever the scope names.
[[nodiscard]] scheduler::result<void> verify(signable_request const& request,
                                             credentials const& creds,
                                             std::string_view region,
                                             std::string_view service,
                                             bool normalize_path = true);

/// False for headers that proxies may change or that carry no meaning for the request
/// (authorization, connection, expect, user-agent, x-amzn-trace-id); those are never signed.
[[nodiscard]] bool is_signed_header(std::string_view name) noexcept;

/// `YYYYMMDDTHHMMSSZ`, the X-Amz-Date form of `t` (UTC, seconds truncated).
[[nodiscard]] std::string amz_date(scheduler::time_point t);

/// Lower-case hex SHA-256 of `data` (the payload hash).
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// The canonical request of `request` over the headers named in `signed_headers` (lower-case,
/// sorted, `;`-separated as in the Authorization header) with the given payload hash.
[[nodiscard]] std::string canonical_request(signable_request const& request,
                                            std::string_view signed_headers,
                                            std::string_view payload_hash,
                                            bool normalize_path = true);

}  // namespace cckm::aws
