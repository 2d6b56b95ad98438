// SPDX-License-Identifier: Apache-2.0
// The decision loop: fires at cron instants exactly once, windows, nodes, misfires, clock jumps,
// DST nights, batches and retention. Time moves only through the manual clock.
#include "support/catch.hpp"

#include "engine_test_fixture.hpp"

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

namespace {

/// Moves the clock to `t`, runs one decision step there and runs what it queued.
std::size_t tick(engine_harness& h, time_point t) {
    h.clock.set(t);
    auto n = h.eng->run_due(t);
    h.exec.run_all();
    return n;
}

/// Drives the engine the way the timer does, from wake-up to wake-up, until `end`.
void run_until(engine_harness& h, time_point end) {
    for (int i = 0; i < 10'000; ++i) {
        auto next = h.eng->next_wakeup();
        if (!next || *next > end) break;
        tick(h, std::max(*next, h.clock.now()));
    }
    h.clock.set(end);
}

std::vector<time_point> fires_of(engine_harness const& h, std::string const& id) {
    std::vector<time_point> out;
    for (auto const& r : h.runs_of(id)) {
        if (r.scheduled_for) out.push_back(*r.scheduled_for);
    }
    return out;
}

}  // namespace

SCENARIO("a config fires at its cron instants, not before, and exactly once", "[engine][loop]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("a config firing every 15 minutes on a " + kind + " store") {
        engine_harness h(kind);
        auto c = h.eng->create_config(engine_harness::config("q", "*/15 * * * *")).value();
        REQUIRE(h.eng->next_wakeup() == at("2026-03-02T10:15:00Z"));
        WHEN("the loop runs just before the fire instant") {
            THEN("nothing is claimed") {
                CHECK(tick(h, at("2026-03-02T10:14:59.999999Z")) == 0);
                CHECK(h.runs_of(c.id).empty());
            }
        }
        WHEN("the loop runs at the fire instant") {
            CHECK(tick(h, at("2026-03-02T10:15:00Z")) == 1);
            THEN("one scheduled run was started and completed") {
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 1);
                CHECK(runs[0].status == run_status::completed);
                CHECK(runs[0].trigger == run_trigger::schedule);
                CHECK(runs[0].scheduled_for == at("2026-03-02T10:15:00Z"));
                CHECK(runs[0].started_at == at("2026-03-02T10:15:00Z"));
                CHECK(runs[0].completed_at);
                CHECK(runs[0].processing_node == "local-node");
                CHECK(h.obs.started().size() == 1);
                CHECK(h.obs.finished().size() == 1);
                auto stored = h.eng->get_config(c.id).value();
                CHECK(stored.next_run_at == at("2026-03-02T10:30:00Z"));
                CHECK(stored.last_run_at == at("2026-03-02T10:15:00Z"));
                CHECK(h.eng->next_wakeup() == at("2026-03-02T10:30:00Z"));
                CHECK(h.eng->stats().runs_completed == 1);
            }
            AND_WHEN("the loop runs again at the same instant, many times") {
                for (int i = 0; i < 5; ++i) CHECK(tick(h, at("2026-03-02T10:15:00Z")) == 0);
                THEN("the instant is not fired again") {
                    CHECK(h.runs_of(c.id).size() == 1);
                }
            }
            AND_WHEN("the clock jumps back before the instant and forward again") {
                CHECK(tick(h, at("2026-03-02T10:05:00Z")) == 0);
                CHECK(tick(h, at("2026-03-02T10:15:00Z")) == 0);
                CHECK(tick(h, at("2026-03-02T10:29:00Z")) == 0);
                THEN("it does not refire; the next instant still fires once") {
                    CHECK(h.runs_of(c.id).size() == 1);
                    CHECK(tick(h, at("2026-03-02T10:30:00Z")) == 1);
                    CHECK(h.runs_of(c.id).size() == 2);
                }
            }
        }
    }
}

SCENARIO("start and end dates bound the fires", "[engine][loop]") {
    GIVEN("a 15-minute config from 11:00 to 11:30") {
        engine_harness h;
        auto c0 = engine_harness::config("window", "*/15 * * * *");
        c0.start_date = at("2026-03-02T11:00:00Z");
        c0.end_date = at("2026-03-02T11:30:00Z");
        auto c = h.eng->create_config(c0).value();
        WHEN("the loop runs until the afternoon") {
            run_until(h, at("2026-03-02T15:00:00Z"));
            THEN("it fired at 11:00, 11:15 and 11:30 only and has no next fire") {
                CHECK(fires_of(h, c.id) == std::vector{at("2026-03-02T11:00:00Z"),
                                                       at("2026-03-02T11:15:00Z"),
                                                       at("2026-03-02T11:30:00Z")});
                CHECK_FALSE(h.eng->get_config(c.id).value().next_run_at);
                CHECK_FALSE(h.eng->next_wakeup());
            }
        }
    }
}

SCENARIO("disabled configs and configs of other nodes are not run here", "[engine][loop]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("a disabled config and one pinned to node-b on a " + kind + " store") {
        engine_harness h(kind);
        auto off0 = engine_harness::config("off", "* * * * *");
        off0.disabled = true;
        auto off = h.eng->create_config(off0).value();
        auto pinned0 = engine_harness::config("pinned", "* * * * *");
        pinned0.run_on = "node-b";
        auto pinned = h.eng->create_config(pinned0).value();
        WHEN("a day passes on local-node") {
            run_until(h, at("2026-03-03T10:00:00Z"));
            tick(h, h.clock.now());
            THEN("neither ran") {
                CHECK(h.runs_of(off.id).empty());
                CHECK(h.runs_of(pinned.id).empty());
            }
        }
        WHEN("node-b's engine runs on the same store") {
            engine_options o = h.options;
            o.node_id = "node-b";
            engine b(*h.store, h.ops, h.clock, o);
            h.clock.set(at("2026-03-02T10:01:00Z"));
            CHECK(b.run_due(h.clock.now()) == 1);
            h.exec.run_all();
            THEN("the pinned config ran there") {
                auto runs = h.runs_of(pinned.id);
                REQUIRE(runs.size() == 1);
                CHECK(runs[0].processing_node == "node-b");
            }
        }
        WHEN("the disabled config is run now") {
            auto r = h.eng->run_now(off.id);
            REQUIRE(r);
            CHECK(r->trigger == run_trigger::run_now);
            CHECK(r->status == run_status::scheduled);
            h.exec.run_all();
            THEN("it runs") {
                CHECK(h.eng->get_run(r->id).value().status == run_status::completed);
                CHECK(h.calls == 1);
            }
        }
    }
}

SCENARIO("missed fires: one catch-up run within grace, never a burst", "[engine][loop][misfire]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("an hourly config (grace 1h) on a " + kind + " store, and the engine down from 10:00") {
        engine_harness h(kind);
        auto c = h.eng->create_config(engine_harness::config("hourly", "0 * * * *")).value();
        WHEN("the loop comes back at 12:30, past 11:00 and 12:00") {
            CHECK(tick(h, at("2026-03-02T12:30:00Z")) == 1);
            THEN("one misfire run serves the latest missed fire, and the next fire is 13:00") {
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 1);
                CHECK(runs[0].trigger == run_trigger::misfire);
                CHECK(runs[0].scheduled_for == at("2026-03-02T12:00:00Z"));
                CHECK(h.eng->get_config(c.id).value().next_run_at == at("2026-03-02T13:00:00Z"));
                auto m = h.obs.misfires();
                REQUIRE(m.size() == 1);
                CHECK(m[0].caught_up);
                CHECK(h.eng->stats().misfire_runs == 1);
            }
        }
        WHEN("the grace is 10 minutes") {
            job_config_patch p;
            p.misfire_grace = duration::from(std::chrono::minutes(10));
            REQUIRE(h.eng->patch_config(c.id, p));
            CHECK(tick(h, at("2026-03-02T12:30:00Z")) == 0);
            THEN("the missed fire is skipped and reported") {
                CHECK(h.runs_of(c.id).empty());
                auto m = h.obs.misfires();
                REQUIRE(m.size() == 1);
                CHECK_FALSE(m[0].caught_up);
                CHECK(h.eng->get_config(c.id).value().next_run_at == at("2026-03-02T13:00:00Z"));
            }
        }
        WHEN("the misfire policy is skip") {
            job_config_patch p;
            p.misfire = misfire_policy::skip;
            REQUIRE(h.eng->patch_config(c.id, p));
            THEN("nothing runs for the missed fires") {
                CHECK(tick(h, at("2026-03-02T12:30:00Z")) == 0);
                CHECK(h.runs_of(c.id).empty());
            }
        }
    }
    GIVEN("a per-minute config and a 30-day outage") {
        engine_harness h(kind);
        auto c = h.eng->create_config(engine_harness::config("minutely", "* * * * *")).value();
        WHEN("the loop comes back") {
            CHECK(tick(h, at("2026-04-01T10:00:30Z")) == 1);
            THEN("exactly one run, for the latest fire") {
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 1);
                CHECK(runs[0].scheduled_for == at("2026-04-01T10:00:00Z"));
                CHECK(h.eng->get_config(c.id).value().next_run_at == at("2026-04-01T10:01:00Z"));
            }
        }
    }
}

SCENARIO("a DST night in Europe/Berlin", "[engine][loop][dst]") {
    GIVEN("a fixed-time job at 02:30 Berlin time") {
        engine_harness h;
        h.clock.set(at("2026-03-27T12:00:00Z"));
        auto c0 = engine_harness::config("night", "30 2 * * *");
        c0.time_zone = "Europe/Berlin";
        auto c = h.eng->create_config(c0).value();
        WHEN("the spring-forward night passes (02:00 -> 03:00 on March 29)") {
            run_until(h, at("2026-03-31T00:00:00Z"));
            THEN("the job fires once in the gap night, at 03:00 CEST") {
                CHECK(fires_of(h, c.id) == std::vector{at("2026-03-28T01:30:00Z"),
                                                       at("2026-03-29T01:00:00Z"),
                                                       at("2026-03-30T00:30:00Z")});
            }
        }
    }
    GIVEN("the same job in the fall-back night (03:00 -> 02:00 on October 25)") {
        engine_harness h;
        h.clock.set(at("2026-10-24T12:00:00Z"));
        auto c0 = engine_harness::config("night", "30 2 * * *");
        c0.time_zone = "Europe/Berlin";
        auto c = h.eng->create_config(c0).value();
        WHEN("the night passes") {
            run_until(h, at("2026-10-27T00:00:00Z"));
            THEN("it fires once, at the first 02:30") {
                CHECK(fires_of(h, c.id) ==
                      std::vector{at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z")});
            }
        }
    }
}

SCENARIO("many due configs are claimed in batches, each once", "[engine][loop]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("25 configs due at the same minute and a claim batch of 4 on a " + kind + " store") {
        engine_options o;
        o.claim_batch = 4;
        engine_harness h(kind, o);
        for (int i = 0; i < 25; ++i) {
            REQUIRE(h.eng->create_config(
                engine_harness::config("c" + std::to_string(i), "5 10 * * *")));
        }
        WHEN("the loop runs at that minute") {
            auto n = tick(h, at("2026-03-02T10:05:00Z"));
            THEN("every fire was claimed and run once") {
                CHECK(n == 25);
                CHECK(h.calls == 25);
                CHECK(tick(h, at("2026-03-02T10:05:00Z")) == 0);
                CHECK(h.eng->list_runs({}).value().total == 25);
            }
        }
    }
}

SCENARIO("retention prunes old runs beyond the newest per config", "[engine][loop][retention]") {
    GIVEN("keep 2 runs per config and 1 hour of runs; a per-minute config ran 10 times") {
        engine_options o;
        o.keep_runs_per_config = 2;
        o.keep_runs_for = std::chrono::hours(1);
        engine_harness h("memory", o);
        auto c = h.eng->create_config(engine_harness::config("m", "* * * * *")).value();
        for (int i = 1; i <= 10; ++i) tick(h, at("2026-03-02T10:00:00Z") + std::chrono::minutes(i));
        REQUIRE(h.runs_of(c.id).size() == 10);
        WHEN("two hours later the loop runs") {
            tick(h, at("2026-03-02T12:10:30Z"));
            THEN("only the newest two old runs and the new one remain") {
                auto runs = h.runs_of(c.id);
                REQUIRE(runs.size() == 3);
                CHECK(runs[0].scheduled_for == at("2026-03-02T10:09:00Z"));
                CHECK(runs[2].scheduled_for == at("2026-03-02T12:10:00Z"));
                CHECK(h.eng->stats().pruned == 8);
            }
        }
    }
}
