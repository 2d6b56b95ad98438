// SPDX-License-Identifier: Apache-2.0
#include "server.hpp"

#include "access_log.hpp"
#include "crypto_util.hpp"
#include "handlers/handlers.hpp"
#include "listener.hpp"
#include "password.hpp"
#include "pipeline.hpp"
#include "server_routes.hpp"
#include "tls.hpp"
#include "user_store.hpp"

#include <cckm/aws/connections.hpp>
#include <cckm/bulk_jobs.hpp>
#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <cckm/notifier.hpp>
#include <cckm/operations.hpp>
#include <cckm/plugin_loader.hpp>
#include <cckm/simulated_provider.hpp>
#include <scheduler/asio_runner.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

namespace schedulerd {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::size_t jwt_secret_size = 32;
constexpr std::string_view admin_user = "admin";

/// Creates the data dir 0700 (it holds keys and password hashes).
result<void> ensure_data_dir(std::string const& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec))
            return status{code::invalid_argument, dir + " is not a directory", "data-dir"};
        return {};
    }
    fs::create_directories(dir, ec);
    if (ec)
        return status{code::unavailable, "cannot create " + dir + ": " + ec.message(), "data-dir"};
    fs::permissions(dir, fs::perms::owner_all, ec);
    return {};
}

/// Writes `content` to a new file created 0600 (never readable by others, not even briefly).
result<void> write_private(std::string const& path, std::string_view content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return status{code::unavailable, "cannot write " + path};
    ::fchmod(fd, 0600);
    auto n = ::write(fd, content.data(), content.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(content.size()))
        return status{code::unavailable, "cannot write " + path};
    return {};
}

/// The per-install HMAC key: DATA_DIR/jwt-secret (32 random bytes, 0600), made on first start.
result<std::string> load_jwt_secret(std::string const& path) {
    if (fs::exists(path)) {
        std::ifstream in(path, std::ios::binary);
        std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (secret.size() != jwt_secret_size)
            return status{code::failed_precondition, path + " is damaged (expected 32 bytes)"};
        return secret;
    }
    auto secret = random_bytes(jwt_secret_size);
    if (auto ok = write_private(path, secret); !ok) return ok.error();
    return secret;
}

/// First start: creates user "admin" in group admin. The password comes from
/// SCHEDULER_ADMIN_PASSWORD, or is generated, printed once and written 0600.
result<void> bootstrap_admin(auth_service& auth, std::string const& data_dir, std::ostream& out) {
    auto count = auth.users().user_count();
    if (!count) return count.error();
    if (*count > 0) return {};
    char const* env = std::getenv("SCHEDULER_ADMIN_PASSWORD");
    bool generated = env == nullptr || *env == '\0';
    std::string password = generated ? generate_password(24) : std::string(env);
    auto user = auth.create_user(admin_user, password, {std::string(group_admin)});
    if (!user)
        return status{user.error().error_code(),
                      "SCHEDULER_ADMIN_PASSWORD: " + user.error().message()};
    if (!generated) return {};
    auto path = data_dir + "/initial-admin-password";
    if (auto ok = write_private(path, password + "\n"); !ok) return ok.error();
    out << "initial admin password: " << password << " (also in " << path << ")" << std::endl;
    return {};
}

/// Splits "HOST:PORT" ("[::1]:PORT" for IPv6) into an endpoint.
result<asio::ip::tcp::endpoint> parse_listen(std::string const& listen) {
    auto colon = listen.rfind(':');
    auto bad = status{code::invalid_argument, "expected HOST:PORT, got '" + listen + "'", "listen"};
    if (colon == std::string::npos || colon + 1 >= listen.size()) return bad;
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    int port = -1;
    try {
        std::size_t used = 0;
        port = std::stoi(listen.substr(colon + 1), &used);
        if (used != listen.size() - colon - 1) port = -1;
    } catch (std::exception const&) {
        return bad;
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec || port < 0 || port > 65535) return bad;
    return asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port));
}

/// Prometheus text of the engine's counters (engine_stats).
std::string engine_metrics(scheduler::engine& eng) {
    auto s = eng.stats();
    std::ostringstream out;
    auto counter = [&](char const* name, char const* help, std::uint64_t v) {
        out << "# HELP scheduler_" << name << ' ' << help << "\n# TYPE scheduler_" << name
            << " counter\nscheduler_" << name << ' ' << v << '\n';
    };
    counter("fires_claimed_total", "Scheduled fires that produced a run.", s.fires_claimed);
    counter("fires_skipped_total", "Fires not run because of the overlap policy.", s.fires_skipped);
    counter("misfires_total", "Missed fires.", s.misfires);
    counter("misfire_runs_total", "Missed fires that started a catch-up run.", s.misfire_runs);
    counter("runs_started_total", "Runs that reached in_progress.", s.runs_started);
    out << "# HELP scheduler_runs_finished_total Runs by final status.\n"
           "# TYPE scheduler_runs_finished_total counter\n"
        << "scheduler_runs_finished_total{status=\"completed\"} " << s.runs_completed << '\n'
        << "scheduler_runs_finished_total{status=\"failed\"} " << s.runs_failed << '\n'
        << "scheduler_runs_finished_total{status=\"aborted\"} " << s.runs_aborted << '\n';
    counter("timeouts_total", "Runs cancelled at their timeout.", s.timeouts);
    counter("interrupted_total", "Runs failed as interrupted at recovery.", s.interrupted);
    counter("pruned_total", "Runs deleted by retention.", s.pruned);
    out << "# HELP scheduler_queue_depth Runs queued for or running on a worker.\n"
           "# TYPE scheduler_queue_depth gauge\nscheduler_queue_depth "
        << s.active << "\n# TYPE scheduler_runs_waiting gauge\nscheduler_runs_waiting " << s.waiting
        << '\n';
    return out.str();
}

}  // namespace

router build_router(services& svc, auth_service& auth, metrics& m) {
    router r;
    register_system_routes(r, m);
    register_auth_routes(r, auth);
    register_usermgmt_routes(r, auth);
    register_scheduler_routes(r, svc);
    register_cckm_job_routes(r, svc);
    register_cckm_aws_kms_routes(r, svc);
    // Keep last: /cckm/{cloud}/keys/{id} must not shadow literal cckm paths (/sap/keys/jobs).
    register_cckm_key_routes(r, svc);
    return r;
}

struct server::impl {
    server_config cfg;
    scheduler::system_clock_source clock;
    std::unique_ptr<logger> log;
    metrics stats;
    std::unique_ptr<scheduler::sqlite_store> store;
    // Declared before `engine`: the operations it runs use them, so they outlive it.
    std::unique_ptr<cckm::key_store> key_inventory;
    std::unique_ptr<cckm::key_store> simulated_state;
    cckm::provider_registry providers;
    // Routes into the "aws" provider held by `providers`, so it goes first.
    std::unique_ptr<cckm::aws::kms_connections> aws_connections;
    // Bulk jobs use the inventory and the providers; their pool is joined after the service
    // stopped handing it work (members are destroyed in reverse order).
    std::unique_ptr<cckm::bulk_job_store> bulk_store;
    std::unique_ptr<asio::thread_pool> bulk_pool;
    std::unique_ptr<cckm::bulk_job_service> bulk_jobs;
    std::unique_ptr<user_store> users;
    std::unique_ptr<cckm::notifier> password_notifier;
    scheduler::operation_registry operations;
    std::unique_ptr<scheduler::engine> engine;
    std::unique_ptr<jwt_codec> jwt;
    std::unique_ptr<auth_service> auth;
    std::unique_ptr<services> svc;
    router routes;
    std::unique_ptr<request_pipeline> pipeline;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    asio::io_context http_io;
    asio::io_context engine_io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> engine_work;
    std::unique_ptr<scheduler::asio_runner> runner;
    std::shared_ptr<session_env> env;
    std::shared_ptr<listener> accept;
    std::vector<std::thread> threads;
    bool stopped = false;

    result<void> open_stores(std::ostream& out);
    result<void> open_clouds(std::string const& db_path);
    void add_password_expiry(cckm::operation_environment& ops);
    result<void> open_bulk_jobs(std::string const& db_path);
    result<void> open_plugins();
    result<void> open_aws_connections(std::string const& db_path);
    result<void> open_tls();
};

result<void> server::impl::open_stores(std::ostream& out) {
    auto const db_path = cfg.data_dir + "/scheduler.db";
    auto db = scheduler::sqlite_store::open(db_path);
    if (!db) return db.error();
    store = std::move(*db);
    if (auto ok = open_clouds(db_path); !ok) return ok.error();
    if (auto ok = open_bulk_jobs(db_path); !ok) return ok.error();
    if (auto ok = open_plugins(); !ok) return ok.error();
    if (auto ok = open_aws_connections(db_path); !ok) return ok.error();
    auto u = user_store::open(cfg.data_dir + "/auth.db", clock);
    if (!u) return u.error();
    users = std::move(*u);
    cckm::operation_environment ops_env;
    ops_env.providers = &providers;
    ops_env.inventory = key_inventory.get();
    ops_env.backup_store = [db = store.get()](std::string const& dest) {
        return db->backup_to(dest);
    };
    ops_env.backup_dir = cfg.data_dir + "/backups";
    ops_env.backup_key_dir = cfg.data_dir + "/backup-keys";
    add_password_expiry(ops_env);
    if (auto ok = cckm::register_operations(operations, std::move(ops_env)); !ok) return ok.error();
    if (cfg.enable_test_operations)
        if (auto ok = register_test_operations(operations); !ok) return ok.error();
    scheduler::engine_options opts;
    opts.node_id = cfg.node_id;
    opts.workers = cfg.workers;
    engine = std::make_unique<scheduler::engine>(*store, operations, clock, opts);
    if (auto rec = engine->recover(); !rec) return rec.error();
    auto secret = load_jwt_secret(cfg.data_dir + "/jwt-secret");
    if (!secret) return secret.error();
    jwt = std::make_unique<jwt_codec>(std::move(*secret), clock, cfg.auth.token_lifetime);
    auth = std::make_unique<auth_service>(*users, *jwt, clock, cfg.auth);
    return bootstrap_admin(*auth, cfg.data_dir, out);
}

// user_password_expiry_notification reads the users of auth.db (names and password dates,
// never hashes) and writes its notices as JSON lines to DATA_DIR/password-expiry-notices.jsonl
// (0600); the policy is the library's default (90 days, notified from 14 days before) unless
// a config's params set password_max_age and notify_before.
void server::impl::add_password_expiry(cckm::operation_environment& ops) {
    ops.password_users = [db = users.get()]() -> result<std::vector<cckm::password_user>> {
        auto ages = db->list_password_ages();
        if (!ages) return ages.error();
        std::vector<cckm::password_user> out;
        for (auto& a : *ages)
            out.push_back({std::move(a.id), std::move(a.username), a.password_changed_at});
        return out;
    };
    password_notifier =
        cckm::make_file_notifier(cfg.data_dir + "/password-expiry-notices.jsonl", clock);
    ops.password_notifier = password_notifier.get();
}

// The key inventory and, unless --no-simulated-clouds, the six simulated clouds, all in the
// scheduler's database file with connections of their own. A first start gives each simulated
// cloud a few demo keys; a cckm_synchronization job brings them into the inventory.
result<void> server::impl::open_clouds(std::string const& db_path) {
    auto inventory = cckm::open_sqlite_key_store(db_path, "inventory");
    if (!inventory) return inventory.error();
    key_inventory = std::move(*inventory);
    if (cfg.simulated_clouds) {
        auto state = cckm::open_sqlite_key_store(db_path, "sim");
        if (!state) return state.error();
        simulated_state = std::move(*state);
        if (auto ok = cckm::add_simulated_providers(providers, *simulated_state, clock); !ok)
            return ok;
        if (auto seeded = cckm::seed_demo_keys(providers); !seeded) return seeded.error();
    }
    return {};
}

// Cloud "aws" becomes a router over the AWS connections, with whatever served "aws" before
// (the simulated cloud, or a plugin when --no-simulated-clouds) behind it for the keys no
// connection holds. After the plugins, so a plugin's "aws" is kept rather than refused.
result<void> server::impl::open_aws_connections(std::string const& db_path) {
    auto router = std::make_unique<cckm::aws::connection_router>(
        std::shared_ptr<cckm::cloud_provider>(providers.release("aws")));
    auto conns = cckm::aws::open_kms_connections(
        db_path, cfg.data_dir, *router, cckm::aws::default_kms_factory(clock), clock,
        [l = log.get()](std::string const& warning) { l->event("warn", warning); });
    if (!conns) return conns.error();
    aws_connections = std::move(*conns);
    return providers.add(std::move(router));
}

// Provider plugins from --plugin-dir, after the simulated clouds so a plugin cannot take a
// built-in cloud's name while the simulated one serves it. A plugin that does not load stops
// the start: a server silently missing a cloud would fail its jobs much later.
result<void> server::impl::open_plugins() {
    if (cfg.plugin_dir.empty()) return {};
    auto added = cckm::load_plugins_from_dir(
        cfg.plugin_dir, providers,
        [l = log.get()](std::string_view line) { l->event("error", line); });
    if (!added) return status{code::invalid_argument, added.error().message(), "plugin-dir"};
    for (auto const& cloud : *added) log->event("info", "plugin cloud " + cloud + " loaded");
    return {};
}

// Bulk and key jobs run on a pool of their own, not on the engine's workers: the engine does
// not lend its pool, and a provider call blocks its thread for the call's latency, so 100 keys
// in parallel would starve scheduled runs. Threads: the per-provider bound of two clouds busy
// at once. Jobs a dead process left running are failed "interrupted" here.
result<void> server::impl::open_bulk_jobs(std::string const& db_path) {
    constexpr std::size_t bulk_threads = 20;
    auto jobs = cckm::open_sqlite_bulk_job_store(db_path);
    if (!jobs) return jobs.error();
    bulk_store = std::move(*jobs);
    bulk_pool = std::make_unique<asio::thread_pool>(bulk_threads);
    cckm::bulk_job_options options;
    options.on_store_error = [l = log.get()](std::string const& what) { l->event("error", what); };
    bulk_jobs = std::make_unique<cckm::bulk_job_service>(
        *bulk_store, *key_inventory, providers, clock,
        [ex = bulk_pool->get_executor()](std::function<void()> task) {
            asio::post(ex, std::move(task));
        },
        std::move(options));
    if (auto rec = bulk_jobs->recover(); !rec) return rec.error();
    return {};
}

result<void> server::impl::open_tls() {
    if (cfg.plain_http) return {};
    if (cfg.tls_cert.empty() != cfg.tls_key.empty())
        return status{code::invalid_argument, "--tls-cert and --tls-key go together", "tls-cert"};
    if (cfg.tls_cert.empty()) {
        cfg.tls_cert = cfg.data_dir + "/tls-cert.pem";
        cfg.tls_key = cfg.data_dir + "/tls-key.pem";
        if (auto ok = ensure_self_signed(cfg.tls_cert, cfg.tls_key); !ok) return ok.error();
    }
    return configure_tls(tls, cfg.tls_cert, cfg.tls_key);
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() {
    stop();
}

result<std::unique_ptr<server>> server::create(server_config cfg, std::ostream& out) {
    auto p = std::make_unique<impl>();
    p->cfg = std::move(cfg);
    auto& c = p->cfg;
    if (auto ep = parse_listen(c.listen); !ep) return ep.error();  // refuse before touching disk
    p->log = c.log_file.empty() ? std::make_unique<logger>() : std::make_unique<logger>(c.log_file);
    if (auto ok = ensure_data_dir(c.data_dir); !ok) return ok.error();
    if (auto ok = p->open_stores(out); !ok) return ok.error();
    if (auto ok = p->open_tls(); !ok) return ok.error();
    p->svc = std::unique_ptr<services>(new services{*p->engine, p->operations, *p->store, c.node_id,
                                                    p->key_inventory.get(), &p->providers});
    p->svc->bulk_jobs = p->bulk_jobs.get();
    p->svc->aws_connections = p->aws_connections.get();
    p->routes = build_router(*p->svc, *p->auth, p->stats);
    p->stats.set_extra([eng = p->engine.get()] { return engine_metrics(*eng); });
    p->pipeline = std::make_unique<request_pipeline>(p->routes, *p->auth, p->stats, *p->log);
    return std::unique_ptr<server>(new server(std::move(p)));
}

result<void> server::start() {
    auto& p = *impl_;
    auto ep = parse_listen(p.cfg.listen);
    if (!ep) return ep.error();
    p.env = std::make_shared<session_env>(*p.pipeline, p.cfg.limits);
    p.accept = std::make_shared<listener>(p.http_io, p.env, p.cfg.plain_http ? nullptr : &p.tls);
    if (auto ok = p.accept->open(*ep); !ok) return ok.error();
    p.accept->run();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, p.cfg.limits.io_threads); ++i)
        p.threads.emplace_back([&p] { p.http_io.run(); });
    p.engine_work.emplace(p.engine_io.get_executor());
    p.runner = std::make_unique<scheduler::asio_runner>(asio::make_strand(p.engine_io), *p.engine);
    p.runner->start();
    p.threads.emplace_back([&p] { p.engine_io.run(); });
    p.log->event("info", "listening on " + url());
    return {};
}

std::string server::url() const {
    auto ep = impl_->accept ? impl_->accept->local_endpoint() : asio::ip::tcp::endpoint{};
    auto host =
        ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    return std::string(impl_->cfg.plain_http ? "http" : "https") + "://" + host + ":" +
           std::to_string(ep.port());
}

void server::stop() {
    auto& p = *impl_;
    if (p.stopped || !p.accept) return;
    p.stopped = true;
    p.log->event("info", "stopping: no new connections, finishing in-flight requests");
    p.accept->stop();
    if (!p.accept->wait_closed(p.cfg.limits.shutdown_grace))
        p.log->event("warn", "shutdown grace passed with connections still open; closing them");
    p.http_io.stop();
    p.runner->stop();
    p.bulk_jobs->stop();  // keys not started stay for "interrupted" at the next start
    p.engine->stop();
    p.engine_work.reset();
    p.engine_io.stop();
    for (auto& t : p.threads) t.join();
    p.threads.clear();
    p.runner.reset();
    p.log->event("info", "stopped");
}

}  // namespace schedulerd
