// SPDX-License-Identifier: Apache-2.0
// schedulerd: the command line (DESIGN.md §7). Parses options, starts the server, prints
// exactly one "listening on URL" line to stdout when ready, and stops gracefully on SIGINT or
// SIGTERM. Exit codes: 0 clean stop, 1 could not start, 2 bad command line.
#include "server.hpp"

#include <boost/program_options.hpp>

#include <pthread.h>
#include <sys/stat.h>
#include <csignal>
#include <iostream>
#include <optional>

namespace po = boost::program_options;

namespace {

constexpr int exit_usage = 2;
constexpr int exit_failure = 1;

po::options_description describe(schedulerd::server_config& cfg) {
    po::options_description d("schedulerd options");
    d.add_options()("help,h", "show this help and exit")(
        "data-dir", po::value(&cfg.data_dir)->default_value(cfg.data_dir),
        "data directory (created 0700)")("listen",
                                         po::value(&cfg.listen)->default_value(cfg.listen),
                                         "HOST:PORT to listen on (port 0: any free port)")(
        "plain-http", po::bool_switch(&cfg.plain_http), "serve plain HTTP instead of HTTPS")(
        "tls-cert", po::value(&cfg.tls_cert),
        "PEM certificate chain (default: self-signed in the data dir)")(
        "tls-key", po::value(&cfg.tls_key), "PEM private key (with --tls-cert)")(
        "node-id", po::value(&cfg.node_id)->default_value(cfg.node_id),
        "this node's id (job configs' run_on)")(
        "workers", po::value(&cfg.workers)->default_value(cfg.workers), "operation worker threads")(
        "no-simulated-clouds", "do not register the simulated cloud providers")(
        "plugin-dir", po::value(&cfg.plugin_dir),
        "load provider plugins (*.so) from DIR (see docs/cckm.md); a plugin that fails to load "
        "stops the start")("config", po::value<std::string>(),
                           "JSON file with limits and auth settings (see docs/server.md)")(
        "log-file", po::value(&cfg.log_file), "append the JSON log here instead of stderr")(
        "enable-test-operations", po::bool_switch(&cfg.enable_test_operations),
        "register the test_sleep operation (tests only)");
    return d;
}

/// Parses argv into `cfg`; returns an exit code when the process should end now.
std::optional<int> parse(int argc, char** argv, schedulerd::server_config& cfg) {
    auto desc = describe(cfg);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (po::error const& e) {
        std::cerr << "schedulerd: " << e.what() << " (see --help)\n";
        return exit_usage;
    }
    if (vm.count("help")) {
        std::cout << "usage: schedulerd [options]\n" << desc << '\n';
        return 0;
    }
    cfg.simulated_clouds = vm.count("no-simulated-clouds") == 0;
    if (cfg.workers < 1) {
        std::cerr << "schedulerd: --workers must be at least 1\n";
        return exit_usage;
    }
    if (vm.count("config"))
        if (auto ok = schedulerd::load_config_file(vm["config"].as<std::string>(), cfg); !ok) {
            std::cerr << "schedulerd: --config: " << ok.error().field() << ": "
                      << ok.error().message() << '\n';
            return exit_usage;
        }
    // The command line wins over the file: re-apply what was given explicitly.
    if (!vm["node-id"].defaulted()) cfg.node_id = vm["node-id"].as<std::string>();
    if (!vm["workers"].defaulted()) cfg.workers = vm["workers"].as<std::size_t>();
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    schedulerd::server_config cfg;
    if (auto code = parse(argc, argv, cfg)) return *code;

    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // the main thread alone receives them in sigwait.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    ::umask(077);  // databases, WAL files, keys and secrets: owner only

    try {
        auto srv = schedulerd::server::create(cfg, std::cout);
        if (!srv) {
            std::cerr << "schedulerd: " << srv.error().to_string() << '\n';
            return srv.error().field().empty() ? exit_failure : exit_usage;
        }
        if (auto ok = (*srv)->start(); !ok) {
            std::cerr << "schedulerd: " << ok.error().to_string() << '\n';
            return ok.error().error_code() == scheduler::code::invalid_argument ? exit_usage
                                                                                : exit_failure;
        }
        std::cout << "listening on " << (*srv)->url() << std::endl;
        int sig = 0;
        sigwait(&stop_signals, &sig);
        (*srv)->stop();
        srv->reset();  // closes the stores before exit
    } catch (std::exception const& e) {
        std::cerr << "schedulerd: fatal: " << e.what() << '\n';
        return exit_failure;
    }
    return 0;
}
