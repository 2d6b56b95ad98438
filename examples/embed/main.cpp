// SPDX-License-Identifier: Apache-2.0
// A small service that embeds libscheduler: it registers its own operation ("heartbeat", which
// appends a line to a file), persists configs and runs to SQLite, and runs the operation on a
// cron schedule. No server, no HTTP.
//
//   embed_example [--data-dir DIR] [--cron EXPR] [--tz ZONE]   run until Ctrl-C
//   embed_example --self-check [--data-dir DIR]               simulate 3 minutes and verify
#include <scheduler/asio_runner.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

namespace {

struct options {
    std::filesystem::path data_dir = "embed-data";
    std::string cron = "* * * * *";
    std::string zone = "UTC";
    bool self_check = false;
};

// The embedder's own operation: append "<instant> <run id>" to DATA_DIR/heartbeat.log.
scheduler::operation_info heartbeat_operation(std::filesystem::path log_file) {
    scheduler::operation_info op;
    op.name = "heartbeat";
    op.params_field = "heartbeat_params";
    op.validate = [](std::string_view params) -> scheduler::result<std::string> {
        return std::string(params);  // no params of its own: any JSON object will do
    };
    op.run = [log_file](scheduler::operation_context& ctx) {
        std::ofstream out(log_file, std::ios::app);
        out << scheduler::format_rfc3339(ctx.clock().now(), false) << ' ' << ctx.run().id << '\n';
        scheduler::operation_result r;
        r.details = R"({"lines_written":1})";
        if (!out) {
            r.status = scheduler::run_status::failed;
            r.error = "cannot write " + log_file.string();
        }
        return r;
    };
    return op;
}

// Creates the "heartbeat" config unless one with that name is stored already.
scheduler::result<scheduler::job_config> ensure_config(scheduler::engine& eng, options const& o) {
    scheduler::config_query q;
    q.name = "heartbeat";
    auto existing = eng.list_configs(q);
    if (!existing) return existing.error();
    if (!existing->items.empty()) return existing->items.front();
    scheduler::job_config c;
    c.name = "heartbeat";
    c.operation = "heartbeat";
    c.run_at = o.cron;
    c.time_zone = o.zone;
    return eng.create_config(c);
}

int run_service(options const& o) {
    auto store = scheduler::sqlite_store::open((o.data_dir / "scheduler.db").string()).value();
    scheduler::operation_registry ops;
    ops.add(heartbeat_operation(o.data_dir / "heartbeat.log")).value();
    scheduler::system_clock_source clock;
    scheduler::engine eng{*store, ops, clock, {}};
    eng.recover().value();
    auto cfg = ensure_config(eng, o).value();
    std::cout << "heartbeat config " << cfg.id << " runs at '" << cfg.run_at << "' ("
              << cfg.time_zone << "); next "
              << (cfg.next_run_at ? scheduler::format_rfc3339(*cfg.next_run_at, false) : "never")
              << "\nwriting to " << (o.data_dir / "heartbeat.log").string() << "; Ctrl-C stops\n";

    boost::asio::io_context io;
    scheduler::asio_runner runner{boost::asio::make_strand(io), eng};
    boost::asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&](auto const&, int) {
        runner.stop();
        eng.stop();
    });
    runner.start();
    io.run();
    std::cout << "stopped\n";
    return 0;
}

// Simulates three minutes on a manual clock, then checks that three runs completed, that the
// operation wrote three lines and that everything survives reopening the database.
int self_check(options const& o) {
    auto const db_path = (o.data_dir / "scheduler.db").string();
    auto const log = o.data_dir / "heartbeat.log";
    // Start from nothing so the counts below mean this run only.
    for (auto const& f : {db_path, db_path + "-wal", db_path + "-shm", log.string()})
        std::filesystem::remove(f);
    scheduler::manual_clock clock{scheduler::parse_rfc3339("2026-01-01T00:00:30Z").value()};
    std::string config_id;
    {
        auto store = scheduler::sqlite_store::open(db_path).value();
        scheduler::operation_registry ops;
        ops.add(heartbeat_operation(log)).value();
        scheduler::engine eng{*store, ops, clock, {.workers = 1}};
        eng.recover().value();
        config_id = ensure_config(eng, o).value().id;
        for (int minute = 0; minute < 3; ++minute) {
            clock.advance(std::chrono::minutes{1});
            eng.run_due(clock.now());
            if (!eng.drain(std::chrono::seconds{10})) {
                std::cerr << "self-check: runs did not finish\n";
                return 1;
            }
        }
    }
    auto store = scheduler::sqlite_store::open(db_path).value();
    scheduler::run_query q;
    q.job_config_id = config_id;
    q.status = scheduler::run_status::completed;
    auto const runs = store->list_runs(q).value();
    std::ifstream in(log);
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    std::cout << "self-check: " << runs.total << " completed runs, " << lines << " log lines\n";
    return runs.total == 3 && lines == 3 ? 0 : 1;
}

int usage(std::ostream& os, int status) {
    os << "usage: embed_example [--data-dir DIR] [--cron EXPR] [--tz ZONE] [--self-check]\n";
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view const arg = argv[i];
        bool const has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") return usage(std::cout, 0);
        if (arg == "--self-check") {
            o.self_check = true;
        } else if (arg == "--data-dir" && has_value) {
            o.data_dir = argv[++i];
        } else if (arg == "--cron" && has_value) {
            o.cron = argv[++i];
        } else if (arg == "--tz" && has_value) {
            o.zone = argv[++i];
        } else {
            return usage(std::cerr, 2);
        }
    }
    try {
        std::filesystem::create_directories(o.data_dir);
        return o.self_check ? self_check(o) : run_service(o);
    } catch (scheduler::error const& e) {
        std::cerr << "embed_example: " << e.what() << '\n';
        return 1;
    }
}
