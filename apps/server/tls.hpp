// SPDX-License-Identifier: Apache-2.0
// TLS setup of the server: a self-signed certificate for first runs (EC P-256, CN=localhost,
// SAN localhost and 127.0.0.1, key file 0600) and the server's ssl::context (TLS 1.2+).
#pragma once

#include <scheduler/errors.hpp>

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace schedulerd {

/// Writes a new self-signed certificate and key unless both files exist already.
[[nodiscard]] scheduler::result<void> ensure_self_signed(std::string const& cert_path,
                                                         std::string const& key_path);

/// Loads the certificate chain and key into `ctx` (TLS 1.2 minimum).
[[nodiscard]] scheduler::result<void> configure_tls(boost::asio::ssl::context& ctx,
                                                    std::string const& cert_path,
                                                    std::string const& key_path);

}  // namespace schedulerd
