// SPDX-License-Identifier: Apache-2.0
// schedulerctl's API commands: dispatch, the shared session (stored login, token refresh,
// failure reporting) and `login`.
#include "api_session.hpp"
#include "commands.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace schedulerctl {

namespace {

namespace json = boost::json;

constexpr char const* login_usage =
    R"(usage: schedulerctl login [--url URL] [--user NAME] [--password PASSWORD]
                        [--insecure | --cacert FILE]

Signs in to schedulerd and stores the server URL, the token and the refresh token in
~/.config/schedulerctl/config.json (mode 0600; $SCHEDULERCTL_CONFIG overrides the path).
Later commands use them and renew the token with the refresh token when it expires.

Options:
  --url URL          server, e.g. https://127.0.0.1:8443 (default: the stored one, else that)
  --user NAME        user name (default admin)
  --password PASS    password; else $SCHEDULERCTL_PASSWORD; else read from the terminal
  --insecure         do not verify the server's certificate (self-signed servers)
  --cacert FILE      trust this PEM certificate (e.g. DATA_DIR/tls-cert.pem of schedulerd)
  -h, --help         print this help
)";

std::string env(char const* name) {
    char const* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

std::string read_secret(std::string_view prompt) {
    bool const tty = ::isatty(STDIN_FILENO) != 0;
    termios old{};
    if (tty) {
        std::cerr << prompt << ": " << std::flush;
        ::tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::cerr << '\n';
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

api_session::api_session(parsed_args const& args) {
    if (auto stored = load_config()) config_ = std::move(*stored);
    if (auto url = args.get("url")) config_.connection.url = *url;
    if (args.has("insecure")) config_.connection.insecure = true;
    if (auto ca = args.get("cacert")) {
        config_.connection.cacert = *ca;
        config_.connection.insecure = false;
    }
    json_ = args.get("output").value_or("table") == "json";
}

http_answer api_session::call(http::verb method,
                              std::string const& target,
                              std::string const& body) {
    auto a = send_request(config_.connection, method, target, body, config_.token);
    if (a.status == 401 && refresh()) {
        a = send_request(config_.connection, method, target, body, config_.token);
    }
    return a;
}

bool api_session::refresh() {
    if (config_.refresh_token.empty()) return false;
    json::object body{{"grant_type", "refresh_token"}, {"refresh_token", config_.refresh_token}};
    auto a = send_request(config_.connection, http::verb::post, "/api/v1/auth/tokens",
                          json::serialize(body));
    auto v = a.json();
    if (a.status != 200 || !v.is_object() || !v.get_object().if_contains("jwt")) return false;
    auto const& o = v.get_object();
    config_.token = std::string(o.at("jwt").as_string());
    if (auto const* rt = o.if_contains("refresh_token"); rt && rt->is_string()) {
        config_.refresh_token = std::string(rt->get_string());
    }
    save_config(config_);
    return true;
}

int report_failure(http_answer const& a) {
    auto v = a.json();
    std::string text = v.is_null() ? a.body : json::serialize(v);
    // One line, whatever the server sent.
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    std::cerr << "schedulerctl: HTTP " << a.status << ": " << text << '\n';
    return 1;
}

int usage_error(std::string_view command, std::string_view message) {
    std::cerr << "schedulerctl " << command << ": " << message << " (see 'schedulerctl " << command
              << " --help')\n";
    return 2;
}

bool valid_output(parsed_args const& args) {
    auto o = args.get("output");
    return !o || *o == "json" || *o == "table";
}

int run_login(std::vector<std::string> const& raw) {
    auto specs = common_options();
    specs.push_back({"user"});
    specs.push_back({"password"});
    std::string error;
    auto args = parse_args(raw, specs, error);
    if (!args) return usage_error("login", error);
    if (args->help) {
        std::cout << login_usage;
        return 0;
    }
    if (!args->positional.empty()) return usage_error("login", "unexpected argument");

    ctl_config c;
    if (auto stored = load_config()) c.connection = stored->connection;
    if (auto url = args->get("url")) c.connection.url = *url;
    c.connection.insecure = args->has("insecure");
    c.connection.cacert = args->get("cacert").value_or("");
    if (!c.connection.cacert.empty() && c.connection.insecure) {
        return usage_error("login", "--insecure and --cacert exclude each other");
    }
    c.username = args->get("user").value_or("admin");
    std::string password = args->get("password").value_or(env("SCHEDULERCTL_PASSWORD"));
    if (password.empty()) password = read_secret("Password");

    json::object body{{"grant_type", "password"}, {"username", c.username}, {"password", password}};
    auto a =
        send_request(c.connection, http::verb::post, "/api/v1/auth/tokens", json::serialize(body));
    if (a.status != 200) return report_failure(a);
    auto v = a.json();
    auto const* jwt = v.is_object() ? v.get_object().if_contains("jwt") : nullptr;
    if (!jwt || !jwt->is_string()) return report_failure(a);
    c.token = std::string(jwt->get_string());
    if (auto const* rt = v.get_object().if_contains("refresh_token"); rt && rt->is_string()) {
        c.refresh_token = std::string(rt->get_string());
    }
    save_config(c);
    std::cout << "logged in to " << c.connection.url << " as " << c.username << '\n';
    return 0;
}

int run_api(std::string const& command, std::vector<std::string> const& args) {
    if (command == "login") return run_login(args);
    if (command == "configs") return run_configs(args);
    if (command == "jobs") return run_jobs(args);
    if (command == "aws-kms") return run_aws_kms(args);
    std::cerr << "schedulerctl: unknown command '" << command << "' (see --help)\n";
    return 2;
}

}  // namespace schedulerctl
