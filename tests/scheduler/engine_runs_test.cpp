// SPDX-License-Identifier: Apache-2.0
// Runs: overlap policies, run-now, cancellation, timeouts, failures, crash recovery.
#include "support/catch.hpp"

#include "engine_test_fixture.hpp"

#include <functional>
#include <utility>

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

namespace {

/// A per-minute config with the given overlap policy.
job_config every_minute(std::string name, overlap_policy p) {
    auto c = engine_harness::config(std::move(name), "* * * * *");
    c.overlap = p;
    return c;
}

/// Claims the fire at 10:00 + `minute` without running anything (the run stays queued).
std::size_t claim_at(engine_harness& h, int minute) {
    auto t = at("2026-03-02T10:00:00Z") + std::chrono::minutes(minute);
    h.clock.set(t);
    return h.eng->run_due(t);
}

/// An in-memory store that runs `during_claim` (once) inside claim_fires, before the claim is
/// written: what other threads do while a claim transaction is in flight.
class claim_hook_store final : public store {
public:
    std::function<void()> during_claim;
    in_memory_store inner;

    result<void> insert_config(job_config const& c) override { return inner.insert_config(c); }
    result<job_config> get_config(std::string_view id) override { return inner.get_config(id); }
    result<void> update_config(job_config const& c) override { return inner.update_config(c); }
    result<void> delete_config(std::string_view id) override { return inner.delete_config(id); }
    result<page<job_config>> list_configs(config_query const& q) override {
        return inner.list_configs(q);
    }
    result<void> insert_run(job_run const& r) override { return inner.insert_run(r); }
    result<job_run> get_run(std::string_view id) override { return inner.get_run(id); }
    result<void> update_run(job_run const& r) override { return inner.update_run(r); }
    result<void> delete_run(std::string_view id) override { return inner.delete_run(id); }
    result<page<job_run>> list_runs(run_query const& q) override { return inner.list_runs(q); }
    result<std::vector<job_config>> due_configs(time_point due_by,
                                                std::string_view node,
                                                std::size_t limit) override {
        return inner.due_configs(due_by, node, limit);
    }
    result<std::optional<time_point>> earliest_next_run(std::string_view node) override {
        return inner.earliest_next_run(node);
    }
    result<std::vector<bool>> claim_fires(std::span<fire_claim const> claims) override {
        if (auto f = std::exchange(during_claim, {})) f();
        return inner.claim_fires(claims);
    }
    result<std::vector<job_run>> active_runs(std::string_view config_id) override {
        return inner.active_runs(config_id);
    }
    result<std::int64_t> fail_interrupted_runs(std::string_view node, time_point now) override {
        return inner.fail_interrupted_runs(node, now);
    }
    result<std::int64_t> prune_runs(std::size_t keep, time_point older_than) override {
        return inner.prune_runs(keep, older_than);
    }
};

std::size_t count_status(std::vector<job_run> const& runs, run_status s) {
    return static_cast<std::size_t>(
        std::count_if(runs.begin(), runs.end(), [&](auto const& r) { return r.status == s; }));
}

}  // namespace

SCENARIO("overlap policies decide what a fire does while a run is active", "[engine][overlap]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("a per-minute config with overlap skip, its 10:01 run not finished (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("s", overlap_policy::skip)).value();
        REQUIRE(claim_at(h, 1) == 1);
        WHEN("the 10:02 fire comes") {
            CHECK(claim_at(h, 2) == 0);
            THEN("it is skipped, counted and reported, and the schedule moves on") {
                CHECK(h.runs_of(c.id).size() == 1);
                CHECK(h.eng->stats().fires_skipped == 1);
                CHECK(h.obs.skipped().size() == 1);
                CHECK(h.eng->get_config(c.id).value().next_run_at == at("2026-03-02T10:03:00Z"));
            }
        }
        WHEN("run-now is asked") {
            auto active = h.runs_of(c.id).at(0);
            auto r = h.eng->run_now(c.id);
            THEN("it is refused as aborted, naming the running job") {
                REQUIRE_FALSE(r);
                CHECK(r.error().error_code() == code::aborted);
                CHECK(r.error().message().find(active.id) != std::string::npos);
            }
        }
    }
    GIVEN("overlap buffer_one and an unfinished run (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("b", overlap_policy::buffer_one)).value();
        REQUIRE(claim_at(h, 1) == 1);
        WHEN("two more fires come before it finishes") {
            CHECK(claim_at(h, 2) == 1);
            CHECK(claim_at(h, 3) == 0);
            THEN("one waits, the other is skipped; the waiting one runs after the first") {
                CHECK(h.runs_of(c.id).size() == 2);
                CHECK(h.eng->stats().waiting == 1);
                CHECK(h.eng->run_now(c.id).error().error_code() == code::aborted);
                h.exec.run_all();
                auto runs = h.runs_of(c.id);
                CHECK(count_status(runs, run_status::completed) == 2);
                CHECK(h.calls == 2);
                CHECK(h.eng->active_count() == 0);
            }
        }
    }
    GIVEN("overlap cancel_other and an unstarted run (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("c", overlap_policy::cancel_other)).value();
        REQUIRE(claim_at(h, 1) == 1);
        WHEN("the next fire comes") {
            CHECK(claim_at(h, 2) == 1);
            h.exec.run_all();
            THEN("the old run is aborted and the new one runs") {
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 2);
                CHECK(runs[0].status == run_status::aborted);
                CHECK(runs[0].error == "cancelled");
                CHECK(runs[1].status == run_status::completed);
                CHECK(h.calls == 1);
            }
        }
    }
    GIVEN("overlap cancel_other and a run whose handler is executing (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("c2", overlap_policy::cancel_other)).value();
        bool saw_cancel = false;
        h.behaviour = [&](operation_context& ctx) {
            if (h.calls > 1) return operation_result{};
            claim_at(h, 2);  // the next fire arrives while this run is in progress
            saw_cancel = ctx.cancelled();
            return operation_result{run_status::aborted, "{}", "stopped at a safe point"};
        };
        REQUIRE(claim_at(h, 1) == 1);
        h.exec.run_all();
        THEN("the running one is cancelled through its token and ends aborted; the new runs") {
            CHECK(saw_cancel);
            auto runs = h.runs_of(c.id);
            REQUIRE(runs.size() == 2);
            CHECK(runs[0].status == run_status::aborted);
            CHECK(runs[0].error == "cancelled");
            CHECK(runs[1].status == run_status::completed);
        }
    }
    GIVEN("overlap allow_all and an unfinished run (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("a", overlap_policy::allow_all)).value();
        REQUIRE(claim_at(h, 1) == 1);
        WHEN("the next fire and a run-now come") {
            CHECK(claim_at(h, 2) == 1);
            REQUIRE(h.eng->run_now(c.id));
            CHECK(h.eng->active_count() == 3);
            h.exec.run_all();
            THEN("all three run") {
                CHECK(count_status(h.runs_of(c.id), run_status::completed) == 3);
            }
        }
    }
}

SCENARIO("a buffered fire whose active run ends while its claim is written", "[engine][overlap]") {
    GIVEN("a buffer_one config whose 10:01 run is queued") {
        claim_hook_store s;
        manual_clock clock{at("2026-03-02T10:00:00Z")};
        operation_registry ops;
        std::atomic<int> calls{0};
        REQUIRE(ops.add(
            {.name = "noop", .params_field = {}, .validate = {}, .run = [&](operation_context&) {
                 ++calls;
                 return operation_result{};
             }}));
        manual_executor exec;
        recording_observer obs;
        engine_options o;
        o.executor = exec.executor();
        o.observer = &obs;
        engine eng(s, ops, clock, o);
        auto c = eng.create_config(every_minute("b", overlap_policy::buffer_one)).value();
        clock.set(at("2026-03-02T10:01:00Z"));
        REQUIRE(eng.run_due(clock.now()) == 1);
        WHEN("the 10:02 fire is planned behind it and it finishes while that claim is written") {
            // The engine holds no lock across claim_fires, so a worker may finish the active
            // run right then; here it happens inside the store call, on this thread.
            s.during_claim = [&] { CHECK(exec.run_all() == 1); };
            clock.set(at("2026-03-02T10:02:00Z"));
            REQUIRE(eng.run_due(clock.now()) == 1);
            THEN("the buffered run is not stranded: it is dispatched at once and runs") {
                CHECK(eng.stats().waiting == 0);
                CHECK(exec.run_all() == 1);
                CHECK(calls == 2);
                CHECK(obs.finished().size() == 2);
                CHECK(eng.active_count() == 0);
                auto runs = s.inner.list_runs({}).value().items;
                CHECK(count_status(runs, run_status::completed) == 2);
            }
        }
    }
}

namespace {

/// Calls run_now of `target` from inside on_misfire and on_run_finished, as an embedder chaining
/// jobs would; on_misfire comes from inside run_due.
class chaining_observer final : public engine_observer {
public:
    engine* eng = nullptr;
    std::string target;
    std::vector<bool> accepted;
    void on_misfire(job_config const&, time_point, bool) override { chain(); }
    void on_run_finished(job_run const& r) override {
        if (r.job_config_id != target) chain();
    }

private:
    void chain() { accepted.push_back(eng->run_now(target).has_value()); }
};

}  // namespace

SCENARIO("an observer may call run_now from inside run_due", "[engine][overlap]") {
    GIVEN("a per-minute config that missed fires and a target config") {
        in_memory_store s;
        manual_clock clock{at("2026-03-02T10:00:00Z")};
        operation_registry ops;
        REQUIRE(ops.add(
            {.name = "noop", .params_field = {}, .validate = {}, .run = [](operation_context&) {
                 return operation_result{};
             }}));
        manual_executor exec;
        chaining_observer obs;
        engine_options o;
        o.executor = exec.executor();
        o.observer = &obs;
        engine eng(s, ops, clock, o);
        obs.eng = &eng;
        auto a = eng.create_config(every_minute("a", overlap_policy::skip)).value();
        obs.target = eng.create_config(engine_harness::config("b", "0 0 1 1 *")).value().id;
        WHEN("the loop reports the misfire and the runs finish") {
            clock.set(at("2026-03-02T10:05:00Z"));
            REQUIRE(eng.run_due(clock.now()) == 1);  // no lock of the claim is held meanwhile
            exec.run_all();
            THEN("every run-now from the observer went through") {
                REQUIRE(obs.accepted.size() == 2);  // on_misfire, then a's run finishing
                CHECK(obs.accepted[0]);
                CHECK(obs.accepted[1]);
                CHECK(eng.active_count() == 0);
                run_query q;
                q.job_config_id = a.id;
                CHECK(s.list_runs(q).value().total == 1);
            }
        }
    }
}

SCENARIO("timeouts and cancellation end runs aborted", "[engine][cancel]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("a config with a 30 s timeout (" + kind + ")") {
        engine_harness h(kind);
        auto c0 = engine_harness::config("t", "0 * * * *");
        c0.timeout = duration::from(30s);
        auto c = h.eng->create_config(c0).value();
        WHEN("its handler is still working when the loop runs past the deadline") {
            std::optional<time_point> wake;
            bool cancelled = false;
            h.behaviour = [&](operation_context& ctx) {
                wake = h.eng->next_wakeup();
                h.clock.advance(31s);
                h.eng->run_due(h.clock.now());
                cancelled = ctx.cancelled();
                return operation_result{run_status::failed, "{}", "gave up"};
            };
            h.clock.set(at("2026-03-02T11:00:00Z"));
            h.eng->run_due(h.clock.now());
            h.exec.run_all();
            THEN("the loop woke for the deadline, cancelled the token, and the run is aborted") {
                CHECK(wake == at("2026-03-02T11:00:30Z"));
                CHECK(cancelled);
                auto run = h.runs_of(c.id).at(0);
                CHECK(run.status == run_status::aborted);
                CHECK(run.error == "timeout");
                CHECK(h.eng->stats().timeouts == 1);
            }
        }
        WHEN("the handler waits in a loop until cancelled") {
            h.behaviour = [&](operation_context& ctx) {
                while (ctx.wait_for(10s)) {
                }
                return operation_result{run_status::aborted, "{}", "stopped"};
            };
            REQUIRE(h.eng->run_now(c.id));
            h.exec.run_all();
            THEN("its waits end at the deadline and the run is aborted by timeout") {
                auto run = h.runs_of(c.id).at(0);
                CHECK(run.status == run_status::aborted);
                CHECK(run.error == "timeout");
                CHECK(h.clock.now() == at("2026-03-02T10:00:30Z"));
            }
        }
    }
    GIVEN("a queued run and a running one (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(every_minute("x", overlap_policy::allow_all)).value();
        auto queued = h.eng->run_now(c.id).value();
        WHEN("the queued run is cancelled") {
            auto r = h.eng->cancel_run(queued.id);
            h.exec.run_all();
            THEN("it is aborted at once and its handler never runs") {
                REQUIRE(r);
                CHECK(r->status == run_status::aborted);
                CHECK(r->error == "cancelled");
                CHECK(h.calls == 0);
                AND_THEN("cancelling it again is a failed precondition; deleting it works") {
                    CHECK(h.eng->cancel_run(queued.id).error().error_code() ==
                          code::failed_precondition);
                    CHECK(h.eng->delete_run(queued.id));
                }
            }
        }
        WHEN("the run cancels itself while running") {
            bool seen = false;
            h.behaviour = [&](operation_context& ctx) {
                CHECK(h.eng->delete_run(ctx.run().id).error().error_code() ==
                      code::failed_precondition);
                auto r = h.eng->cancel_run(ctx.run().id);
                CHECK(r->status == run_status::in_progress);
                seen = ctx.cancelled();
                return operation_result{run_status::aborted, "{}", "stopped"};
            };
            h.exec.run_all();
            THEN("the token is set and the run ends aborted") {
                CHECK(seen);
                auto run = h.eng->get_run(queued.id).value();
                CHECK(run.status == run_status::aborted);
                CHECK(run.error == "cancelled");
            }
        }
    }
}

SCENARIO("handlers that fail or throw produce failed runs", "[engine][runs]") {
    GIVEN("an engine") {
        engine_harness h;
        auto c = h.eng->create_config(engine_harness::config("f", "0 * * * *")).value();
        WHEN("the handler throws") {
            h.behaviour = [](operation_context&) -> operation_result {
                throw std::runtime_error("disk on fire");
            };
            auto r = h.eng->run_now(c.id).value();
            h.exec.run_all();
            THEN("the run failed with the exception text") {
                auto run = h.eng->get_run(r.id).value();
                CHECK(run.status == run_status::failed);
                CHECK(run.error == "disk on fire");
                CHECK(h.eng->stats().runs_failed == 1);
            }
        }
        WHEN("the handler reports progress and then fails with details") {
            std::string mid;
            h.behaviour = [&](operation_context& ctx) {
                ctx.report_progress(R"({"done":1})");
                mid = h.eng->get_run(ctx.run().id).value().details;
                return operation_result{run_status::failed, R"({"done":2})", "key 2 refused"};
            };
            auto r = h.eng->run_now(c.id).value();
            h.exec.run_all();
            THEN("progress was visible while running and the end state keeps details and error") {
                CHECK(mid == R"({"done":1})");
                auto run = h.eng->get_run(r.id).value();
                CHECK(run.status == run_status::failed);
                CHECK(run.details == R"({"done":2})");
                CHECK(run.error == "key 2 refused");
            }
        }
    }
}

SCENARIO("a restart in the middle of a run", "[engine][recovery]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("an hourly config whose 11:00 run was in progress when the process died (" + kind + ")") {
        engine_harness h(kind);
        auto c = h.eng->create_config(engine_harness::config("h", "0 * * * *")).value();
        h.clock.set(at("2026-03-02T11:00:00Z"));
        REQUIRE(h.eng->run_due(h.clock.now()) == 1);
        auto run = h.runs_of(c.id).at(0);
        run.status = run_status::in_progress;  // what the dead worker had written
        run.started_at = h.clock.now();
        REQUIRE(h.store->update_run(run));
        h.restart();
        h.exec.run_all();  // the dead engine's queued task does nothing
        WHEN("the new engine recovers at 12:20") {
            h.clock.set(at("2026-03-02T12:20:00Z"));
            CHECK(h.eng->recover().value() == 1);
            THEN("the run failed as interrupted, and the misfire policy runs the 12:00 fire once") {
                auto failed = h.eng->get_run(run.id).value();
                CHECK(failed.status == run_status::failed);
                CHECK(failed.error == "interrupted");
                CHECK(h.calls == 0);
                CHECK(h.eng->run_due(h.clock.now()) == 1);
                h.exec.run_all();
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 2);
                CHECK(runs[1].trigger == run_trigger::misfire);
                CHECK(runs[1].scheduled_for == at("2026-03-02T12:00:00Z"));
                CHECK(runs[1].status == run_status::completed);
            }
        }
        WHEN("the new engine recovers after the grace has passed") {
            job_config_patch p;
            p.misfire_grace = duration::from(std::chrono::minutes(20));
            REQUIRE(h.eng->patch_config(c.id, p));
            h.clock.set(at("2026-03-02T12:30:00Z"));
            CHECK(h.eng->recover().value() == 1);
            THEN("the missed fire is skipped") {
                CHECK(h.eng->run_due(h.clock.now()) == 0);
                CHECK(h.runs_of(c.id).size() == 1);
            }
        }
    }
}
