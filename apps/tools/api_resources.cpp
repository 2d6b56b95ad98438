// SPDX-License-Identifier: Apache-2.0
// `schedulerctl configs ...` and `schedulerctl jobs ...`: job configurations and job runs of
// schedulerd's /api/v1/scheduler API, as tables (default) or JSON (-o json).
#include "api_output.hpp"
#include "api_session.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace schedulerctl {

namespace {

namespace json = boost::json;

constexpr char const* configs_usage =
    R"(usage: schedulerctl configs <subcommand> [options]

Subcommands:
  list                   list job configurations
      [--name N] [--id ID] [--operation OP] [--disabled true|false] [--cloud-name C]
      [--expire-in D] [--created-before T] [--created-after T]
      [--skip N] [--limit N (-1 = all)] [--sort FIELDS (e.g. name,-createdAt)]
  get ID                 show one configuration
  create                 create a configuration from --file F, --data JSON and/or flags:
      [--name N] [--operation OP] [--run-at CRON] [--params JSON] [--description D]
      [--run-on NODE] [--time-zone ZONE] [--disabled true|false]
      [--start-date RFC3339] [--end-date RFC3339]
      (--params is the operation's params object, sent as "<operation>_params")
  patch ID               change a configuration (same inputs as create; only what is given)
  delete ID              delete a configuration (its past runs stay)
  run-now ID             start a run at once and show it
  next-runs ID [--count N]
                         preview the next N fire instants (1-100, default 10)

Options of every subcommand:
  -o, --output json|table   output format (default table)
  --url URL                 server (default: the one stored by login)
  --insecure | --cacert F   certificate verification, as for login
  -h, --help                print this help

Exit status: 0 success, 1 the server refused (its error on stderr), 2 bad usage.
)";

constexpr char const* jobs_usage =
    R"(usage: schedulerctl jobs <subcommand> [options]

Subcommands:
  list                   list job runs
      [--id ID] [--name N] [--job-config-id ID] [--status S] [--operation OP]
      [--processing-node NODE] [--created-before T] [--created-after T]
      [--skip N] [--limit N (-1 = all)] [--sort FIELDS]
      (status: scheduled, in_progress, completed, failed, aborted)
  get ID                 show one run
  delete ID              delete a finished run

Options of every subcommand:
  -o, --output json|table   output format (default table)
  --url URL                 server (default: the one stored by login)
  --insecure | --cacert F   certificate verification, as for login
  -h, --help                print this help

Exit status: 0 success, 1 the server refused (its error on stderr), 2 bad usage.
)";

std::string const configs_path = "/api/v1/scheduler/job-configs";
std::string const jobs_path = "/api/v1/scheduler/jobs";

/// Option name -> API query parameter.
using query_option = std::pair<std::string_view, std::string_view>;

constexpr query_option config_filters[] = {{"name", "name"},
                                           {"id", "id"},
                                           {"operation", "operation"},
                                           {"disabled", "disabled"},
                                           {"cloud-name", "cloud_name"},
                                           {"expire-in", "expire_in"},
                                           {"created-before", "createdBefore"},
                                           {"created-after", "createdAfter"},
                                           {"skip", "skip"},
                                           {"limit", "limit"},
                                           {"sort", "sort"}};

constexpr query_option run_filters[] = {{"id", "id"},
                                        {"name", "name"},
                                        {"job-config-id", "job_config_id"},
                                        {"status", "status"},
                                        {"operation", "operation"},
                                        {"processing-node", "processing_node"},
                                        {"created-before", "createdBefore"},
                                        {"created-after", "createdAfter"},
                                        {"skip", "skip"},
                                        {"limit", "limit"},
                                        {"sort", "sort"}};

/// Body fields settable by flags: option name -> JSON field.
constexpr query_option body_flags[] = {{"name", "name"},
                                       {"operation", "operation"},
                                       {"run-at", "run_at"},
                                       {"description", "description"},
                                       {"run-on", "run_on"},
                                       {"time-zone", "time_zone"},
                                       {"start-date", "start_date"},
                                       {"end-date", "end_date"}};

template <std::size_t N>
std::vector<option_spec> with_options(query_option const (&extra)[N]) {
    auto specs = common_options();
    for (auto const& [option, field] : extra) specs.push_back({option});
    return specs;
}

template <std::size_t N>
std::string list_target(std::string const& path,
                        parsed_args const& args,
                        query_option const (&filters)[N]) {
    std::string target = path;
    char sep = '?';
    for (auto const& [option, param] : filters) {
        if (auto v = args.get(option)) {
            target += sep;
            target += param;
            target += '=';
            target += url_encode(*v);
            sep = '&';
        }
    }
    return target;
}

/// Prints a 2xx answer in the chosen format, or reports a failure.
int show(api_session& s, http_answer const& a, auto&& print_table_form) {
    if (a.status < 200 || a.status > 299) return report_failure(a);
    if (s.json_output()) {
        std::cout << pretty_json(a.json());
    } else {
        print_table_form(a.json());
    }
    return 0;
}

std::optional<json::object> parse_object(std::string const& text,
                                         std::string& error,
                                         std::string_view what) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        error = std::string(what) + " is not a JSON object";
        return std::nullopt;
    }
    return std::move(v.get_object());
}

/// The request body of create/patch from --file, --data and flags (flags win). `operation`
/// is the stored operation for patch (decides where --params goes).
std::optional<json::object> build_body(parsed_args const& args,
                                       std::string operation,
                                       std::string& error) {
    if (args.get("file") && args.get("data")) {
        error = "--file and --data exclude each other";
        return std::nullopt;
    }
    json::object body;
    if (auto file = args.get("file")) {
        std::ifstream in(*file);
        if (!in) {
            error = "--file: cannot read " + *file;
            return std::nullopt;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        auto o = parse_object(ss.str(), error, "--file " + *file);
        if (!o) return std::nullopt;
        body = std::move(*o);
    }
    if (auto data = args.get("data")) {
        auto o = parse_object(*data, error, "--data");
        if (!o) return std::nullopt;
        body = std::move(*o);
    }
    for (auto const& [option, field] : body_flags) {
        if (auto v = args.get(option)) body[field] = *v;
    }
    if (auto d = args.get("disabled")) {
        if (*d != "true" && *d != "false") {
            error = "--disabled must be true or false";
            return std::nullopt;
        }
        body["disabled"] = *d == "true";
    }
    if (auto p = args.get("params")) {
        auto o = parse_object(*p, error, "--params");
        if (!o) return std::nullopt;
        if (auto const* op = body.if_contains("operation"); op && op->is_string()) {
            operation = std::string(op->get_string());
        }
        if (operation.empty()) {
            error = "--params needs --operation (it is sent as <operation>_params)";
            return std::nullopt;
        }
        body[operation + "_params"] = std::move(*o);
    }
    return body;
}

void print_config_rows(json::value const& list) {
    print_resources(std::cout, list,
                    {{"ID", "id"},
                     {"NAME", "name"},
                     {"OPERATION", "operation"},
                     {"RUN_AT", "run_at"},
                     {"TIME_ZONE", "time_zone"},
                     {"DISABLED", "disabled"},
                     {"NEXT_RUN_AT", "next_run_at"}});
}

void print_run_rows(json::value const& list) {
    print_resources(std::cout, list,
                    {{"ID", "id"},
                     {"NAME", "name"},
                     {"OPERATION", "operation"},
                     {"STATUS", "status"},
                     {"TRIGGER", "trigger"},
                     {"ENQUEUED_AT", "enqueued_at"},
                     {"NODE", "processing_node"}});
}

void print_one(json::value const& v) {
    print_resource(std::cout, v);
}

/// The single positional ID of get/delete/... or a usage error message.
std::optional<std::string> one_id(parsed_args const& args, std::string& error) {
    if (args.positional.size() != 1) {
        error = args.positional.empty() ? "missing ID" : "expected exactly one ID";
        return std::nullopt;
    }
    return args.positional.front();
}

int configs_command(std::string const& sub, std::vector<std::string> const& raw) {
    std::string const cmd = "configs " + sub;
    std::vector<option_spec> specs;
    if (sub == "list") {
        specs = with_options(config_filters);
    } else if (sub == "create" || sub == "patch") {
        specs = with_options(body_flags);
        for (std::string_view extra : {"file", "data", "params", "disabled"})
            specs.push_back({extra});
    } else if (sub == "next-runs") {
        specs = common_options();
        specs.push_back({"count"});
    } else if (sub == "get" || sub == "delete" || sub == "run-now") {
        specs = common_options();
    } else {
        return usage_error("configs", "unknown subcommand '" + sub + "'");
    }
    std::string error;
    auto args = parse_args(raw, specs, error);
    if (!args) return usage_error(cmd, error);
    if (args->help) {
        std::cout << configs_usage;
        return 0;
    }
    if (!valid_output(*args)) return usage_error(cmd, "--output must be json or table");

    api_session s(*args);
    if (!s.logged_in()) {
        std::cerr << "schedulerctl: not logged in; run 'schedulerctl login' first\n";
        return 1;
    }
    if (sub == "list") {
        if (!args->positional.empty()) return usage_error(cmd, "unexpected argument");
        return show(s, s.call(http::verb::get, list_target(configs_path, *args, config_filters)),
                    print_config_rows);
    }
    if (sub == "create") {
        if (!args->positional.empty()) return usage_error(cmd, "unexpected argument");
        auto body = build_body(*args, {}, error);
        if (!body) return usage_error(cmd, error);
        if (body->empty())
            return usage_error(cmd, "nothing to create: give --file, --data or flags");
        return show(s, s.call(http::verb::post, configs_path, json::serialize(*body)), print_one);
    }
    auto id = one_id(*args, error);
    if (!id) return usage_error(cmd, error);
    std::string const path = configs_path + "/" + url_encode(*id);
    if (sub == "get") return show(s, s.call(http::verb::get, path), print_one);
    if (sub == "run-now") return show(s, s.call(http::verb::post, path + "/run-now"), print_one);
    if (sub == "next-runs") {
        std::string target = path + "/next-runs";
        if (auto n = args->get("count")) target += "?count=" + url_encode(*n);
        return show(s, s.call(http::verb::get, target), [](json::value const& v) {
            if (auto const* list =
                    v.is_object() ? v.get_object().if_contains("next_runs") : nullptr;
                list && list->is_array()) {
                for (auto const& t : list->get_array()) std::cout << cell(&t) << '\n';
            }
        });
    }
    if (sub == "delete") {
        auto a = s.call(http::verb::delete_, path);
        if (a.status < 200 || a.status > 299) return report_failure(a);
        if (!s.json_output()) std::cout << "job config " << *id << " deleted\n";
        return 0;
    }
    // patch: --params goes into the stored operation's block, so learn it first when needed.
    std::string operation;
    if (args->get("params") && !args->get("operation")) {
        auto current = s.call(http::verb::get, path);
        if (current.status != 200) return report_failure(current);
        operation = cell(current.json().get_object().if_contains("operation"));
    }
    auto body = build_body(*args, operation, error);
    if (!body) return usage_error(cmd, error);
    if (body->empty()) return usage_error(cmd, "nothing to change: give --file, --data or flags");
    return show(s, s.call(http::verb::patch, path, json::serialize(*body)), print_one);
}

int jobs_command(std::string const& sub, std::vector<std::string> const& raw) {
    std::string const cmd = "jobs " + sub;
    std::vector<option_spec> specs;
    if (sub == "list") {
        specs = with_options(run_filters);
    } else if (sub == "get" || sub == "delete") {
        specs = common_options();
    } else {
        return usage_error("jobs", "unknown subcommand '" + sub + "'");
    }
    std::string error;
    auto args = parse_args(raw, specs, error);
    if (!args) return usage_error(cmd, error);
    if (args->help) {
        std::cout << jobs_usage;
        return 0;
    }
    if (!valid_output(*args)) return usage_error(cmd, "--output must be json or table");
    api_session s(*args);
    if (!s.logged_in()) {
        std::cerr << "schedulerctl: not logged in; run 'schedulerctl login' first\n";
        return 1;
    }
    if (sub == "list") {
        if (!args->positional.empty()) return usage_error(cmd, "unexpected argument");
        return show(s, s.call(http::verb::get, list_target(jobs_path, *args, run_filters)),
                    print_run_rows);
    }
    auto id = one_id(*args, error);
    if (!id) return usage_error(cmd, error);
    std::string const path = jobs_path + "/" + url_encode(*id);
    if (sub == "get") return show(s, s.call(http::verb::get, path), print_one);
    auto a = s.call(http::verb::delete_, path);
    if (a.status < 200 || a.status > 299) return report_failure(a);
    if (!s.json_output()) std::cout << "job " << *id << " deleted\n";
    return 0;
}

bool is_help(std::string const& a) {
    return a == "--help" || a == "-h" || a == "help";
}

}  // namespace

int run_configs(std::vector<std::string> const& args) {
    if (args.empty()) {
        std::cerr << configs_usage;
        return 2;
    }
    if (is_help(args.front())) {
        std::cout << configs_usage;
        return 0;
    }
    return configs_command(args.front(), {args.begin() + 1, args.end()});
}

int run_jobs(std::vector<std::string> const& args) {
    if (args.empty()) {
        std::cerr << jobs_usage;
        return 2;
    }
    if (is_help(args.front())) {
        std::cout << jobs_usage;
        return 0;
    }
    return jobs_command(args.front(), {args.begin() + 1, args.end()});
}

}  // namespace schedulerctl
