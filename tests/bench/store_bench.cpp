// SPDX-License-Identifier: Apache-2.0
// sqlite_store throughput (DESIGN.md §9: >= 5,000 job-config creates per second, each its own
// transaction). Every benchmark uses a temp file database in WAL mode, removed at exit.
//
//   build/store-rel/tests/bench/store_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <scheduler/sqlite_store.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

/// A temp database path removed (with its -wal/-shm) on destruction.
class temp_db {
public:
    explicit temp_db(scheduler::sqlite_sync sync = scheduler::sqlite_sync::normal) {
        static std::atomic<int> counter{0};
        path_ = (std::filesystem::temp_directory_path() /
                 ("scheduler-store-bench-" + std::to_string(std::random_device{}()) + "-" +
                  std::to_string(counter++) + ".db"))
                    .string();
        scheduler::sqlite_options options;
        options.sync = sync;
        store_ = scheduler::sqlite_store::open(path_, options).value();
    }
    ~temp_db() {
        store_.reset();
        std::error_code ec;
        for (char const* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
    }
    temp_db(temp_db const&) = delete;
    temp_db& operator=(temp_db const&) = delete;
    scheduler::sqlite_store& store() { return *store_; }

private:
    std::string path_;
    std::unique_ptr<scheduler::sqlite_store> store_;
};

scheduler::time_point base_time() {
    return scheduler::parse_rfc3339("2026-01-01T00:00:00Z").value();
}

/// A realistic config: a rotation with params, as the API creates it.
scheduler::job_config make_config(std::int64_t i) {
    scheduler::job_config c;
    c.id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
    c.name = "rotation job " + std::to_string(i);
    c.description = "rotate the keys of account " + std::to_string(i % 97);
    c.operation = "cckm_key_rotation";
    c.run_at = "0 " + std::to_string(i % 24) + " * * *";
    c.time_zone = "Europe/Berlin";
    c.params = R"({"cloud_name":"aws","expire_in":"6d","expiration":"30d"})";
    c.created_at = base_time() + std::chrono::microseconds(i);
    c.updated_at = c.created_at;
    c.next_run_at = base_time() + std::chrono::hours(i % 24);
    return c;
}

/// Random 128-bit hex ids, as the engine's UUID v4 run ids are: they land all over the
/// primary-key index, which a sequential id would hide.
std::string random_id() {
    static std::mt19937_64 rng{42};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int half = 0; half < 2; ++half) {
        auto bits = rng();
        for (int i = 0; i < 16; ++i, bits >>= 4) out[half * 16 + i] = hex[bits & 15U];
    }
    return out;
}

/// A database holding `n` configs, shared by the read benchmarks.
temp_db& table_of(std::int64_t n) {
    static temp_db db;
    static std::int64_t filled = 0;
    for (; filled < n; ++filled) {
        if (!db.store().insert_config(make_config(filled))) std::abort();
    }
    return db;
}

void insert_config(benchmark::State& state) {
    temp_db db(state.range(0) == 0 ? scheduler::sqlite_sync::normal : scheduler::sqlite_sync::full);
    std::int64_t i = 0;
    for (auto _ : state) {
        auto r = db.store().insert_config(make_config(i++));
        if (!r) state.SkipWithError(r.error().to_string().c_str());
    }
    state.SetItemsProcessed(i);
}
BENCHMARK(insert_config)->ArgName("full")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// 100,000 claims in batches of 2,000 (one transaction per batch), over 2,000 configs: what the
// engine does when 100,000 configs fire at the same minute.
void claim_fires(benchmark::State& state) {
    constexpr int configs = 2000;
    constexpr int total = 100000;
    temp_db db;
    for (int i = 0; i < configs; ++i) {
        if (!db.store().insert_config(make_config(i))) std::abort();
    }
    std::int64_t round = 0;
    std::vector<scheduler::fire_claim> batch(configs);
    for (auto _ : state) {
        for (int done = 0; done < total; done += configs, ++round) {
            state.PauseTiming();
            auto const fire = base_time() + std::chrono::minutes(round);
            for (int i = 0; i < configs; ++i) {
                auto& claim = batch[static_cast<std::size_t>(i)];
                claim.config_id = make_config(i).id;
                scheduler::job_run r;
                r.id = random_id();
                r.job_config_id = claim.config_id;
                r.name = "rotation job";
                r.operation = "cckm_key_rotation";
                r.params = R"({"cloud_name":"aws"})";
                r.processing_node = "local-node";
                r.created_at = r.updated_at = r.enqueued_at = fire;
                r.scheduled_for = fire;
                claim.run = std::move(r);
                claim.next_run_at = fire + 1min;
                claim.last_run_at = fire;
            }
            state.ResumeTiming();
            auto res = db.store().claim_fires(batch);
            if (!res) state.SkipWithError(res.error().to_string().c_str());
        }
    }
    state.SetItemsProcessed(state.iterations() * total);
}
BENCHMARK(claim_fires)->Unit(benchmark::kMillisecond)->Iterations(2);

void list_configs_1000(benchmark::State& state) {
    auto& db = table_of(10000);
    scheduler::config_query q;
    q.limit = 1000;
    q.skip = 4000;
    for (auto _ : state) {
        auto page = db.store().list_configs(q);
        if (!page || page->items.size() != 1000) state.SkipWithError("short page");
        benchmark::DoNotOptimize(page);
    }
}
BENCHMARK(list_configs_1000)->Unit(benchmark::kMillisecond);

void get_config(benchmark::State& state) {
    auto& db = table_of(10000);
    std::int64_t i = 0;
    for (auto _ : state) {
        auto c = db.store().get_config(make_config((i++ * 7919) % 10000).id);
        if (!c) state.SkipWithError("missing config");
        benchmark::DoNotOptimize(c);
    }
    state.SetItemsProcessed(i);
}
BENCHMARK(get_config)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
