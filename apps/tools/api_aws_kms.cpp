// SPDX-License-Identifier: Apache-2.0
// `schedulerctl aws-kms ...`: the AWS connections of schedulerd (/api/v1/cckm/aws/kms). The
// secret access key never goes on the command line (where `ps` and shell history would keep
// it): it is read from a file, an environment variable or the terminal.
#include "api_output.hpp"
#include "api_session.hpp"

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace schedulerctl {

namespace {

namespace json = boost::json;

constexpr char const* usage =
    R"(usage: schedulerctl aws-kms <subcommand> [options]

Subcommands:
  add                    add a connection
      --name N --account-id 123456789012 --region R [--region R2 ...]
      [--endpoint-url URL]   a KMS-compatible endpoint (default https://kms.<region>.amazonaws.com)
      [--access-key-id ID]   static credentials; the secret access key is read from
                             --secret-file F, else $SCHEDULERCTL_AWS_SECRET_ACCESS_KEY, else
                             the terminal; a session token from --session-token-file F,
                             else $SCHEDULERCTL_AWS_SESSION_TOKEN.
                             Without --access-key-id the server uses its own environment or
                             ~/.aws/credentials.
  list                   list connections [--name N] [--skip N] [--limit N] [--sort name|createdAt]
  get ID|NAME            show one connection (never its secret)
  delete ID|NAME         delete a connection; its keys stay in the inventory until a
                         synchronization marks them gone

Options of every subcommand:
  -o, --output json|table   output format (default table)
  --url URL                 server (default: the one stored by login)
  --insecure | --cacert F   certificate verification, as for login
  -h, --help                print this help

Exit status: 0 success, 1 the server refused (its error on stderr), 2 bad usage.
)";

constexpr char const* path = "/api/v1/cckm/aws/kms";

/// First line of a file (a trailing newline is not part of a secret); nullopt if unreadable.
std::optional<std::string> first_line(std::string const& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void print_rows(json::value const& list) {
    print_resources(std::cout, list,
                    {{"ID", "id"},
                     {"NAME", "name"},
                     {"ACCOUNT", "account_id"},
                     {"REGIONS", "regions"},
                     {"CREDENTIALS", "credential_source"},
                     {"ENDPOINT", "endpoint_url"}});
}

int show(api_session& s, http_answer const& a, auto&& table) {
    if (a.status < 200 || a.status > 299) return report_failure(a);
    if (s.json_output())
        std::cout << pretty_json(a.json());
    else
        table(a.json());
    return 0;
}

/// The POST body from the flags; the secret is read here, never taken from argv.
std::optional<json::object> add_body(parsed_args const& args, std::string& error) {
    json::object body;
    for (auto const& [option, field] :
         {std::pair{"name", "name"}, std::pair{"account-id", "account_id"},
          std::pair{"endpoint-url", "endpoint_url"}})
        if (auto v = args.get(option)) body[field] = *v;
    json::array regions;
    for (auto const& r : args.all("region")) regions.emplace_back(r);
    if (!regions.empty()) body["regions"] = std::move(regions);
    auto const id = args.get("access-key-id");
    if (!id) {
        if (args.get("secret-file") || args.get("session-token-file")) {
            error = "--secret-file and --session-token-file need --access-key-id";
            return std::nullopt;
        }
        return body;
    }
    body["access_key_id"] = *id;
    std::string secret;
    if (auto f = args.get("secret-file")) {
        auto line = first_line(*f);
        if (!line) {
            error = "--secret-file: cannot read " + *f;
            return std::nullopt;
        }
        secret = std::move(*line);
    } else if (char const* v = std::getenv("SCHEDULERCTL_AWS_SECRET_ACCESS_KEY"); v && *v) {
        secret = v;
    } else {
        secret = read_secret("AWS secret access key");
    }
    body["secret_access_key"] = secret;
    if (auto f = args.get("session-token-file")) {
        auto line = first_line(*f);
        if (!line) {
            error = "--session-token-file: cannot read " + *f;
            return std::nullopt;
        }
        body["session_token"] = *line;
    } else if (char const* v = std::getenv("SCHEDULERCTL_AWS_SESSION_TOKEN"); v && *v) {
        body["session_token"] = v;
    }
    return body;
}

int command(std::string const& sub, std::vector<std::string> const& raw) {
    std::string const cmd = "aws-kms " + sub;
    auto specs = common_options();
    if (sub == "add") {
        for (std::string_view o : {"name", "account-id", "region", "endpoint-url", "access-key-id",
                                   "secret-file", "session-token-file"})
            specs.push_back({o});
    } else if (sub == "list") {
        for (std::string_view o : {"name", "skip", "limit", "sort"}) specs.push_back({o});
    } else if (sub != "get" && sub != "delete") {
        return usage_error("aws-kms", "unknown subcommand '" + sub + "'");
    }
    std::string error;
    auto args = parse_args(raw, specs, error);
    if (!args) return usage_error(cmd, error);
    if (args->help) {
        std::cout << usage;
        return 0;
    }
    if (!valid_output(*args)) return usage_error(cmd, "--output must be json or table");
    if (sub == "add" || sub == "list") {
        if (!args->positional.empty()) return usage_error(cmd, "unexpected argument");
    } else if (args->positional.size() != 1) {
        return usage_error(cmd, args->positional.empty() ? "missing ID or NAME"
                                                         : "expected exactly one ID or NAME");
    }
    api_session s(*args);
    if (!s.logged_in()) {  // before asking for a secret that could not be sent anyway
        std::cerr << "schedulerctl: not logged in; run 'schedulerctl login' first\n";
        return 1;
    }
    std::optional<json::object> body;
    if (sub == "add") {
        body = add_body(*args, error);
        if (!body) return usage_error(cmd, error);
    }
    if (sub == "add")
        return show(s, s.call(http::verb::post, path, json::serialize(*body)),
                    [](json::value const& v) { print_resource(std::cout, v); });
    if (sub == "list") {
        std::string target = path;
        char sep = '?';
        for (std::string_view o : {"name", "skip", "limit", "sort"})
            if (auto v = args->get(o)) {
                target += sep + std::string(o) + "=" + url_encode(*v);
                sep = '&';
            }
        return show(s, s.call(http::verb::get, target), print_rows);
    }
    std::string const one = std::string(path) + "/" + url_encode(args->positional.front());
    if (sub == "get")
        return show(s, s.call(http::verb::get, one),
                    [](json::value const& v) { print_resource(std::cout, v); });
    auto a = s.call(http::verb::delete_, one);
    if (a.status < 200 || a.status > 299) return report_failure(a);
    if (!s.json_output())
        std::cout << "AWS connection " << args->positional.front() << " deleted\n";
    return 0;
}

}  // namespace

int run_aws_kms(std::vector<std::string> const& args) {
    if (args.empty()) {
        std::cerr << usage;
        return 2;
    }
    if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
        std::cout << usage;
        return 0;
    }
    return command(args.front(), {args.begin() + 1, args.end()});
}

}  // namespace schedulerctl
