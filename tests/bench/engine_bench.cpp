// SPDX-License-Identifier: Apache-2.0
// Engine targets of DESIGN.md §9, on sqlite_store temp files:
//  - BM_claim_and_start_100k: 100,000 configs due in the same minute, no-op operation; time from
//    run_due to the last on_run_started (target < 5 s on 2 cores).
//  - BM_startup_1m: 1,000,000 stored configs; open store + recover + next_wakeup + run_due when
//    nothing is due (target < 10 s), and peak RSS (VmHWM, target < 1 GiB).
//  - BM_wakeup_latency: asio_runner on a real clock, a per-second config; lateness of
//    on_run_started after the fire instant (target < 10 ms).
// Template databases are generated once through the store API and cached in /tmp
// (scheduler-engine-bench-*.db); delete them after a schema change.
//
//   build/engine-rel/tests/bench/engine_bench --benchmark_repetitions=3
//       --benchmark_filter=BM_claim   (run BM_startup_1m alone: VmHWM is per process)
#include <scheduler/asio_runner.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include "support/in_memory_store.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using scheduler::time_point;

time_point at(char const* text) {
    return scheduler::parse_rfc3339(text).value();
}

/// The instant every config of the 100k template is due at.
time_point const due_at = at("2026-03-02T10:05:00Z");

scheduler::job_config bench_config(std::int64_t i, std::string run_at, time_point next) {
    scheduler::job_config c;
    c.id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
    c.name = "bench job " + std::to_string(i);
    c.operation = "noop";
    c.run_at = std::move(run_at);
    c.params = R"({"cloud_name":"aws","expire_in":"6d"})";
    c.created_at = c.updated_at = at("2026-03-01T00:00:00Z");
    c.next_run_at = next;
    return c;
}

/// Builds (once) a database file with `n` configs from `make(i)`; returns its path.
template <class Make>
std::string template_db(std::string const& name, std::int64_t n, Make make) {
    auto path = (fs::temp_directory_path() / ("scheduler-engine-bench-" + name + ".db")).string();
    if (fs::exists(path)) return path;
    auto tmp = path + ".partial";
    for (char const* s : {"", "-wal", "-shm"}) fs::remove(tmp + s);
    {
        auto store = scheduler::sqlite_store::open(tmp).value();
        for (std::int64_t i = 0; i < n; ++i) store->insert_config(make(i)).value();
    }  // closing the last connection checkpoints the WAL into the main file
    fs::rename(tmp, path);
    return path;
}

/// A private copy of a template, removed on destruction.
struct db_copy {
    explicit db_copy(std::string const& from) : path(from + ".run") {
        remove();
        fs::copy_file(from, path);
    }
    ~db_copy() { remove(); }
    void remove() const {
        std::error_code ec;
        for (char const* s : {"", "-wal", "-shm"}) fs::remove(path + s, ec);
    }
    std::string path;
};

scheduler::operation_registry& noop_registry() {
    static scheduler::operation_registry reg;
    static std::once_flag once;
    std::call_once(once, [] {
        reg.add(
               {.name = "noop",
                .params_field = "noop_params",
                .validate = {},
                .run = [](scheduler::operation_context&) { return scheduler::operation_result{}; }})
            .value();
    });
    return reg;
}

/// Counts starts and remembers when the last one happened (steady clock).
class start_counter final : public scheduler::engine_observer {
public:
    void on_run_started(scheduler::job_run const&) override {
        auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex_);
        ++started_;
        last_ = std::max(last_, now);
    }
    [[nodiscard]] std::pair<std::int64_t, std::chrono::steady_clock::time_point> get() const {
        std::lock_guard lock(mutex_);
        return {started_, last_};
    }

private:
    mutable std::mutex mutex_;
    std::int64_t started_ = 0;
    std::chrono::steady_clock::time_point last_{};
};

/// CPU seconds used by every thread of this process so far (user + system). On a shared machine
/// it varies less than wall time, so it is the better A/B measure of the engine's own cost.
double process_cpu_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto secs = [](timeval t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

long vm_hwm_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            long kib = 0;
            status >> kib;
            return kib;
        }
        status.ignore(4096, '\n');
    }
    return -1;
}

/// One iteration's world for the 100k cases: a fresh copy of the template of `n` configs all
/// due at `due_at`, its store, a clock standing at that instant, and a start counter.
struct due_world {
    explicit due_world(std::int64_t n)
        : db(template_db("due-" + std::to_string(n),
                         n,
                         [](std::int64_t i) { return bench_config(i, "5 10 * * *", due_at); })),
          store(scheduler::sqlite_store::open(db.path).value()) {}
    db_copy db;
    std::unique_ptr<scheduler::sqlite_store> store;
    scheduler::manual_clock clock{due_at};
    start_counter counter;
};

void BM_claim_and_start_100k(benchmark::State& state) {
    auto const n = state.range(0);
    auto const workers = static_cast<std::size_t>(state.range(1));
    for (auto _ : state) {
        due_world w(n);
        auto& counter = w.counter;
        scheduler::engine_options o;
        o.workers = workers;
        o.observer = &counter;
        scheduler::engine eng(*w.store, noop_registry(), w.clock, o);
        auto const t0 = std::chrono::steady_clock::now();
        auto const cpu0 = process_cpu_s();
        auto claimed = eng.run_due(due_at);
        auto const t_claimed = std::chrono::steady_clock::now();
        eng.drain(600s);
        auto [started, last] = counter.get();
        state.SetIterationTime(std::chrono::duration<double>(last - t0).count());
        state.counters["cpu_s"] = process_cpu_s() - cpu0;  // all threads, to the drained end
        state.counters["claimed"] = static_cast<double>(claimed);
        state.counters["started"] = static_cast<double>(started);
        state.counters["claim_s"] = std::chrono::duration<double>(t_claimed - t0).count();
        if (started != n) state.SkipWithError("not every run started");
    }
}
BENCHMARK(BM_claim_and_start_100k)
    ->Args({100'000, 2})
    ->Args({100'000, 4})
    ->Args({100'000, 32})
    ->Args({100'000, 64})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

/// The 100k case split in two phases, no worker threads: run_due with an executor that only
/// collects the tasks (claim cost alone), then the tasks run one after the other on this
/// thread (start + finish cost alone, no contention). Diagnoses BM_claim_and_start_100k.
void BM_claim_then_start_inline_100k(benchmark::State& state) {
    auto const n = state.range(0);
    for (auto _ : state) {
        due_world w(n);
        auto& counter = w.counter;
        std::vector<std::function<void()>> tasks;
        scheduler::engine_options o;
        o.executor = [&](std::function<void()> t) { tasks.push_back(std::move(t)); };
        o.observer = &counter;
        scheduler::engine eng(*w.store, noop_registry(), w.clock, o);
        auto const t0 = std::chrono::steady_clock::now();
        auto const cpu0 = std::clock();
        auto claimed = eng.run_due(due_at);
        auto const t_claimed = std::chrono::steady_clock::now();
        auto const cpu_claimed = std::clock();
        // Tasks may post more tasks (a finish dispatches a successor): run until none is left.
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            auto t = std::move(tasks[i]);
            t();
        }
        auto const t_done = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t_done - t0).count());
        state.counters["claimed"] = static_cast<double>(claimed);
        state.counters["started"] = static_cast<double>(counter.get().first);
        state.counters["claim_s"] = std::chrono::duration<double>(t_claimed - t0).count();
        state.counters["start_s"] = std::chrono::duration<double>(t_done - t_claimed).count();
        state.counters["claim_cpu_s"] = static_cast<double>(cpu_claimed - cpu0) / CLOCKS_PER_SEC;
        state.counters["start_cpu_s"] =
            static_cast<double>(std::clock() - cpu_claimed) / CLOCKS_PER_SEC;
    }
}
BENCHMARK(BM_claim_then_start_inline_100k)
    ->Args({100'000})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_startup_1m(benchmark::State& state) {
    auto const n = state.range(0);
    // Spread over the day, all in the future of the start instant: nothing is due at start.
    auto tpl = template_db("stored-" + std::to_string(n), n, [](std::int64_t i) {
        auto minute = i % 1440;
        auto run_at = std::to_string(minute % 60) + " " + std::to_string(minute / 60) + " * * *";
        return bench_config(i, run_at, at("2026-03-03T00:00:00Z") + std::chrono::minutes(minute));
    });
    for (auto _ : state) {
        auto const t0 = std::chrono::steady_clock::now();
        auto store = scheduler::sqlite_store::open(tpl).value();
        scheduler::manual_clock clock{at("2026-03-02T12:00:00Z")};
        scheduler::engine_options o;
        o.workers = 2;
        scheduler::engine eng(*store, noop_registry(), clock, o);
        eng.recover().value();
        auto wake = eng.next_wakeup();
        auto claimed = eng.run_due(clock.now());
        auto const t1 = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        state.counters["claimed"] = static_cast<double>(claimed);
        state.counters["has_wakeup"] = wake ? 1 : 0;
        state.counters["vm_hwm_mib"] = static_cast<double>(vm_hwm_kib()) / 1024.0;
    }
}
BENCHMARK(BM_startup_1m)
    ->Arg(1'000'000)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

/// Records how late each run started after its fire instant.
class lateness_recorder final : public scheduler::engine_observer {
public:
    void on_run_started(scheduler::job_run const& run) override {
        if (!run.scheduled_for || !run.started_at) return;
        std::lock_guard lock(mutex_);
        late_.push_back(*run.started_at - *run.scheduled_for);
    }
    std::vector<std::chrono::microseconds> get() const {
        std::lock_guard lock(mutex_);
        return late_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::chrono::microseconds> late_;
};

void BM_wakeup_latency(benchmark::State& state) {
    for (auto _ : state) {
        scheduler::test::in_memory_store store;
        scheduler::system_clock_source clock;
        lateness_recorder rec;
        scheduler::engine_options o;
        o.workers = 1;
        o.observer = &rec;
        scheduler::engine eng(store, noop_registry(), clock, o);
        scheduler::job_config c;
        c.name = "every second";
        c.operation = "noop";
        c.run_at = "* * * * * *";
        eng.create_config(c).value();
        boost::asio::io_context io;
        scheduler::asio_runner runner(boost::asio::make_strand(io), eng);
        runner.start();
        std::thread loop([&] { io.run_for(std::chrono::milliseconds(state.range(0))); });
        loop.join();
        runner.stop();
        eng.drain(5s);
        auto late = rec.get();
        std::sort(late.begin(), late.end());
        if (late.empty()) {
            state.SkipWithError("no run started");
            continue;
        }
        state.SetIterationTime(static_cast<double>(late[late.size() / 2].count()) / 1e6);
        state.counters["fires"] = static_cast<double>(late.size());
        state.counters["median_late_ms"] = static_cast<double>(late[late.size() / 2].count()) / 1e3;
        state.counters["max_late_ms"] = static_cast<double>(late.back().count()) / 1e3;
    }
}
BENCHMARK(BM_wakeup_latency)
    ->Arg(5500)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
