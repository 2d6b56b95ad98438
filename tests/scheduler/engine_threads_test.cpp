// SPDX-License-Identifier: Apache-2.0
// The engine with its own worker threads: many runs in parallel, facade calls from other
// threads, cancellation waking a real-time wait, and shutdown. Waits are on conditions (drain),
// never fixed sleeps.
#include "support/catch.hpp"

#include "support/in_memory_store.hpp"
#include "support/recording_observer.hpp"

#include <scheduler/engine.hpp>

#include <atomic>
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

}  // namespace

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
