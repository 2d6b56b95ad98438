// SPDX-License-Identifier: Apache-2.0
// The engine with its own worker threads: many runs in parallel, facade calls from other
// threads, cancellation waking a real-time wait, and shutdown. Waits are on conditions (drain),
// never fixed sleeps.
#include "support/catch.hpp"

#include "support/in_memory_store.hpp"
#include "support/recording_observer.hpp"

#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

namespace {

job_config noop_config(std::string name, std::string run_at) {
    job_config c;
    c.name = std::move(name);
    c.operation = "noop";
    c.run_at = std::move(run_at);
    c.overlap = overlap_policy::allow_all;
    return c;
}

/// Checks, for every run, that on_run_started comes first, once, while the committed row
/// already shows the run started, and that on_run_finished follows once.
class start_order_checker final : public engine_observer {
public:
    explicit start_order_checker(store& s) : store_(s) {}
    void on_run_started(job_run const& run) override {
        auto stored = store_.get_run(run.id);
        std::lock_guard lock(mutex_);
        auto& seen = runs_[run.id];
        if (seen.started || seen.finished) ++out_of_order_;
        seen.started = true;
        // The group commit may have written the run's terminal row in the same transaction
        // (a no-op handler ends at once): started_at must be set either way.
        if (!stored || !stored->started_at ||
            (stored->status != run_status::in_progress &&
             stored->status != run_status::completed)) {
            ++not_durable_;
        }
    }
    void on_run_finished(job_run const& run) override {
        std::lock_guard lock(mutex_);
        auto& seen = runs_[run.id];
        if (!seen.started || seen.finished) ++out_of_order_;
        seen.finished = true;
    }
    struct seen_run {
        bool started = false;
        bool finished = false;
    };
    std::mutex mutex_;
    std::map<std::string, seen_run> runs_;
    int out_of_order_ = 0;
    int not_durable_ = 0;

private:
    store& store_;
};

}  // namespace

SCENARIO("a burst of no-op runs on SQLite: each start reported once, durable, before its finish",
         "[engine][threads]") {
    GIVEN("an engine with 4 worker threads over SQLite and 500 configs due at 10:05") {
        auto store = sqlite_store::open(":memory:").value();
        manual_clock clock{parse_rfc3339("2026-03-02T10:00:00Z").value()};
        operation_registry ops;
        REQUIRE(ops.add(
            {.name = "noop", .params_field = {}, .validate = {}, .run = [](operation_context&) {
                 return operation_result{};
             }}));
        start_order_checker checker(*store);
        engine_options o;
        o.workers = 4;
        o.claim_batch = 50;  // many claim transactions interleave with the workers' rows
        o.observer = &checker;
        engine eng(*store, ops, clock, o);
        for (int i = 0; i < 500; ++i) {
            REQUIRE(eng.create_config(noop_config("c" + std::to_string(i), "5 10 * * *")));
        }
        WHEN("they all fire at once") {
            clock.set(parse_rfc3339("2026-03-02T10:05:00Z").value());
            auto claimed = eng.run_due(clock.now());
            REQUIRE(eng.drain(60s));
            THEN("every run started and finished once, in that order, and is stored completed") {
                CHECK(claimed == 500);
                std::lock_guard lock(checker.mutex_);
                CHECK(checker.runs_.size() == 500);
                CHECK(checker.out_of_order_ == 0);
                CHECK(checker.not_durable_ == 0);
                for (auto const& [id, seen] : checker.runs_) {
                    CHECK((seen.started && seen.finished));
                    auto r = store->get_run(id).value();
                    CHECK(r.status == run_status::completed);
                    CHECK(r.started_at.has_value());
                    CHECK(r.completed_at.has_value());
                }
                CHECK(eng.stats().runs_started == 500);
                CHECK(eng.stats().runs_completed == 500);
            }
        }
    }
}

SCENARIO("the internal worker pool runs many operations in parallel", "[engine][threads]") {
    GIVEN("an engine with 4 worker threads and 200 configs due at 10:05") {
        in_memory_store store;
        manual_clock clock{parse_rfc3339("2026-03-02T10:00:00Z").value()};
        operation_registry ops;
        std::atomic<int> calls{0};
        REQUIRE(ops.add({.name = "noop",
                         .params_field = {},
                         .validate = {},
                         .run = [&](operation_context& ctx) {
                             ++calls;
                             ctx.report_progress(R"({"step":1})");
                             return operation_result{};
                         }}));
        recording_observer obs;
        engine_options o;
        o.workers = 4;
        o.observer = &obs;
        engine eng(store, ops, clock, o);
        for (int i = 0; i < 200; ++i) {
            REQUIRE(eng.create_config(noop_config("c" + std::to_string(i), "5 10 * * *")));
        }
        WHEN("the loop runs while another thread lists and runs configs now") {
            clock.set(parse_rfc3339("2026-03-02T10:05:00Z").value());
            std::thread client([&] {
                for (int i = 0; i < 20; ++i) {
                    auto page = eng.list_configs({}).value();
                    (void)eng.run_now(page.items.at(0).id);
                    (void)eng.stats();
                }
            });
            auto claimed = eng.run_due(clock.now());
            client.join();
            REQUIRE(eng.drain(30s));
            THEN("every run completed exactly once") {
                CHECK(claimed == 200);
                CHECK(calls == 220);
                CHECK(obs.finished().size() == 220);
                CHECK(eng.stats().runs_completed == 220);
                CHECK(eng.active_count() == 0);
            }
        }
    }
}

SCENARIO("cancelling wakes an operation waiting on the real clock", "[engine][threads]") {
    GIVEN("an operation that waits an hour of real time") {
        in_memory_store store;
        system_clock_source clock;
        operation_registry ops;
        std::atomic<bool> waiting{false};
        std::atomic<bool> woke_cancelled{false};
        REQUIRE(ops.add({.name = "noop",
                         .params_field = {},
                         .validate = {},
                         .run = [&](operation_context& ctx) {
                             waiting = true;
                             waiting.notify_all();
                             woke_cancelled = !ctx.wait_for(1h);
                             return operation_result{run_status::aborted, "{}", "stopped"};
                         }}));
        engine_options o;
        o.workers = 1;
        engine eng(store, ops, clock, o);
        auto c = eng.create_config(noop_config("w", "0 0 1 1 *")).value();
        auto run = eng.run_now(c.id).value();
        waiting.wait(false);
        WHEN("the run is cancelled") {
            auto start = std::chrono::steady_clock::now();
            REQUIRE(eng.cancel_run(run.id));
            REQUIRE(eng.drain(30s));
            THEN("the wait returned false promptly and the run is aborted") {
                CHECK(woke_cancelled);
                CHECK(std::chrono::steady_clock::now() - start < 10s);
                auto done = eng.get_run(run.id).value();
                CHECK(done.status == run_status::aborted);
                CHECK(done.error == "cancelled");
            }
        }
        WHEN("the engine is stopped") {
            eng.stop();
            THEN("the run is cancelled through its token") {
                CHECK(woke_cancelled);
                CHECK(eng.get_run(run.id).value().status == run_status::aborted);
            }
        }
    }
}
