// SPDX-License-Identifier: Apache-2.0
// What every API subcommand of schedulerctl shares: the stored login, requests that refresh an
// expired token once, and the way failures are reported (one line on stderr, exit status 1).
#pragma once

#include "api_args.hpp"
#include "api_client.hpp"
#include "api_config.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace schedulerctl {

namespace http = boost::beast::http;

/// One command's connection to the server.
class api_session {
public:
    /// Settings from the stored login, overridden by --url/--insecure/--cacert.
    explicit api_session(parsed_args const& args);

    /// True when a token is stored (i.e. `login` ran).
    [[nodiscard]] bool logged_in() const noexcept { return !config_.token.empty(); }
    /// True for `-o json`.
    [[nodiscard]] bool json_output() const noexcept { return json_; }

    /// Sends the request with the stored token; on 401 exchanges the refresh token for a new
    /// one (saved) and retries once. Throws std::runtime_error on transport failures.
    [[nodiscard]] http_answer call(http::verb method,
                                   std::string const& target,
                                   std::string const& body = {});

private:
    bool refresh();

    ctl_config config_;
    bool json_ = false;
};

/// Prints the server's error answer as one line on stderr; returns exit status 1.
int report_failure(http_answer const& a);
/// Prints a usage error and the hint to --help; returns exit status 2.
int usage_error(std::string_view command, std::string_view message);
/// Checks -o: "json" or "table" (or absent). Returns false on anything else.
[[nodiscard]] bool valid_output(parsed_args const& args);

/// `schedulerctl configs ...`
int run_configs(std::vector<std::string> const& args);
/// `schedulerctl jobs ...`
int run_jobs(std::vector<std::string> const& args);
/// `schedulerctl aws-kms ...`
int run_aws_kms(std::vector<std::string> const& args);
/// Reads a secret from the terminal without echo (after "<prompt>: " on stderr); from stdin
/// as a line when stdin is not a terminal.
[[nodiscard]] std::string read_secret(std::string_view prompt);
/// `schedulerctl login ...`
int run_login(std::vector<std::string> const& args);

}  // namespace schedulerctl
