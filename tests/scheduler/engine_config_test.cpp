// SPDX-License-Identifier: Apache-2.0
// The engine as the facade of job configurations: create, patch, delete, next-runs, run-now.
#include "support/catch.hpp"

#include "engine_test_fixture.hpp"

#include <algorithm>
#include <functional>

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

SCENARIO("creating a job config validates it and schedules its first fire", "[engine][config]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("an engine on a " + kind + " store at 10:00 UTC") {
        engine_harness h(kind);
        WHEN("a config firing every hour at :30 is created") {
            auto c = h.eng->create_config(engine_harness::config("hourly", "30 * * * *"));
            THEN("it gets an id, timestamps and its next fire") {
                REQUIRE(c);
                CHECK(c->id.size() == 36);
                CHECK(c->id[14] == '7');  // RFC 9562 v7: time-ordered
                CHECK(
                    (c->id[19] == '8' || c->id[19] == '9' || c->id[19] == 'a' || c->id[19] == 'b'));
                CHECK(c->created_at == h.clock.now());
                CHECK(c->updated_at == h.clock.now());
                CHECK(c->next_run_at == at("2026-03-02T10:30:00Z"));
                CHECK(h.eng->get_config(c->id).value() == *c);
            }
        }
        WHEN("a config has an unknown operation") {
            auto c = engine_harness::config("x", "* * * * *");
            c.operation = "nope";
            auto r = h.eng->create_config(c);
            THEN("it is refused naming the operation field, and nothing is stored") {
                REQUIRE_FALSE(r);
                CHECK(r.error().error_code() == code::invalid_argument);
                CHECK(r.error().field() == "operation");
                CHECK(h.eng->list_configs({}).value().total == 0);
            }
        }
        WHEN("the operation's validator refuses the params") {
            auto c = engine_harness::config("x", "* * * * *");
            c.params = R"({"bad":1})";
            auto r = h.eng->create_config(c);
            THEN("the error names the params field") {
                REQUIRE_FALSE(r);
                CHECK(r.error().field() == "noop_params.bad");
                CHECK(h.eng->list_configs({}).value().total == 0);
            }
        }
        WHEN("the cron expression is invalid") {
            auto r = h.eng->create_config(engine_harness::config("x", "61 * * * *"));
            THEN("the error names run_at") {
                REQUIRE_FALSE(r);
                CHECK(r.error().field() == "run_at");
            }
        }
        WHEN("the same name is used twice") {
            REQUIRE(h.eng->create_config(engine_harness::config("same", "* * * * *")));
            auto r = h.eng->create_config(engine_harness::config("same", "* * * * *"));
            THEN("the second is refused as already_exists, in words fit for a client") {
                REQUIRE_FALSE(r);
                CHECK(r.error().error_code() == code::already_exists);
                CHECK(r.error().field() == "name");
                if (kind == "sqlite") {
                    CHECK(r.error().message() == "a job config with this name already exists");
                }
            }
        }
        WHEN("a config has a start date, an end date, or is disabled") {
            auto later = engine_harness::config("later", "0 * * * *");
            later.start_date = at("2026-03-05T00:00:00Z");
            auto ended = engine_harness::config("ended", "0 * * * *");
            ended.start_date = at("2026-01-01T00:00:00Z");
            ended.end_date = at("2026-02-01T00:00:00Z");
            auto off = engine_harness::config("off", "0 * * * *");
            off.disabled = true;
            THEN("the first fire honours the window and a disabled config has none") {
                CHECK(h.eng->create_config(later).value().next_run_at ==
                      at("2026-03-05T00:00:00Z"));
                CHECK_FALSE(h.eng->create_config(ended).value().next_run_at);
                CHECK_FALSE(h.eng->create_config(off).value().next_run_at);
            }
        }
    }
}

SCENARIO("patching a job config is partial, merges params and refuses immutable changes",
         "[engine][config]") {
    auto kind = GENERATE(as<std::string>{}, "memory", "sqlite");
    GIVEN("a stored config with params on a " + kind + " store") {
        engine_harness h(kind);
        auto c0 = engine_harness::config("rotate", "0 1 * * *");
        c0.params = R"({"cloud_name":"aws","expire_in":"6d","keep":1})";
        c0.description = "before";
        auto c = h.eng->create_config(c0).value();
        WHEN("the name is patched to another value") {
            job_config_patch p;
            p.name = "other";
            p.description = "changed";
            auto r = h.eng->patch_config(c.id, p);
            THEN("invalid_argument names the field and nothing changed") {
                REQUIRE_FALSE(r);
                CHECK(r.error().error_code() == code::invalid_argument);
                CHECK(r.error().field() == "name");
                CHECK(h.eng->get_config(c.id).value() == c);
            }
        }
        WHEN("the operation is patched to another value") {
            job_config_patch p;
            p.operation = "other";
            auto r = h.eng->patch_config(c.id, p);
            THEN("invalid_argument names operation") {
                REQUIRE_FALSE(r);
                CHECK(r.error().field() == "operation");
            }
        }
        WHEN("an empty or equal name is sent with a new description") {
            h.clock.advance(5s);
            job_config_patch p;
            p.name = "";
            p.operation = "noop";
            p.description = "after";
            auto r = h.eng->patch_config(c.id, p);
            THEN("the description changes, the rest stays, updated_at moves") {
                REQUIRE(r);
                CHECK(r->name == "rotate");
                CHECK(r->description == "after");
                CHECK(r->run_at == c.run_at);
                CHECK(r->updated_at == h.clock.now());
                CHECK(r->created_at == c.created_at);
                CHECK(h.eng->get_config(c.id).value() == *r);
            }
        }
        WHEN("params are patched with one key and expire_in set to \"\"") {
            job_config_patch p;
            p.params = R"({"keep":2,"expire_in":""})";
            auto r = h.eng->patch_config(c.id, p);
            THEN("unsent keys keep their value, the sent one changes, expire_in is gone") {
                REQUIRE(r);
                CHECK(r->params == R"({"cloud_name":"aws","keep":2})");
            }
        }
        WHEN("a patch makes the params invalid") {
            job_config_patch p;
            p.params = R"({"bad":true})";
            p.description = "x";
            auto r = h.eng->patch_config(c.id, p);
            THEN("the patch is refused naming the field and nothing changed") {
                REQUIRE_FALSE(r);
                CHECK(r.error().field() == "noop_params.bad");
                CHECK(h.eng->get_config(c.id).value() == c);
            }
        }
        WHEN("run_at is patched to an invalid expression") {
            job_config_patch p;
            p.run_at = "0 0 30 2 *";
            auto r = h.eng->patch_config(c.id, p);
            THEN("run_at is named and nothing changed") {
                REQUIRE_FALSE(r);
                CHECK(r.error().field() == "run_at");
                CHECK(h.eng->get_config(c.id).value() == c);
            }
        }
        WHEN("run_at, the dates and disabled are patched") {
            job_config_patch p;
            p.run_at = "15 * * * *";
            p.start_date = std::optional<time_point>{at("2026-03-03T00:00:00Z")};
            auto r = h.eng->patch_config(c.id, p);
            THEN("the next fire is recomputed") {
                REQUIRE(r);
                CHECK(r->next_run_at == at("2026-03-03T00:15:00Z"));
            }
            AND_WHEN("the start date is cleared and the config disabled") {
                job_config_patch q;
                q.start_date = std::optional<time_point>{};
                q.disabled = true;
                auto r2 = h.eng->patch_config(c.id, q);
                REQUIRE(r2);
                CHECK_FALSE(r2->start_date);
                CHECK_FALSE(r2->next_run_at);
                AND_THEN("re-enabling schedules from now") {
                    job_config_patch e;
                    e.disabled = false;
                    CHECK(h.eng->patch_config(c.id, e).value().next_run_at ==
                          at("2026-03-02T10:15:00Z"));
                }
            }
        }
        WHEN("two patches happen in the same clock tick") {
            job_config_patch p;
            p.description = "one";
            auto r1 = h.eng->patch_config(c.id, p).value();
            p.description = "two";
            auto r2 = h.eng->patch_config(c.id, p).value();
            THEN("updated_at still changes each time") {
                CHECK(r1.updated_at > c.updated_at);
                CHECK(r2.updated_at > r1.updated_at);
            }
        }
        WHEN("an unknown config is patched or deleted") {
            THEN("not_found") {
                CHECK(h.eng->patch_config("nope", {}).error().error_code() == code::not_found);
                CHECK(h.eng->delete_config("nope").error().error_code() == code::not_found);
            }
        }
        WHEN("the config is deleted") {
            REQUIRE(h.eng->delete_config(c.id));
            THEN("it is gone") {
                CHECK(h.eng->get_config(c.id).error().error_code() == code::not_found);
            }
        }
    }
}

SCENARIO("next_runs previews the fire instants of a stored config", "[engine][config]") {
    GIVEN("a config firing at 01:00 and 13:00 Berlin time, ending on the 4th") {
        engine_harness h;
        auto c0 = engine_harness::config("twice", "0 1,13 * * *");
        c0.time_zone = "Europe/Berlin";
        c0.end_date = at("2026-03-03T23:00:00Z");
        auto c = h.eng->create_config(c0).value();
        THEN("the preview lists fires in UTC up to the end date") {
            auto runs = h.eng->next_runs(c.id, 10).value();
            REQUIRE(runs.size() == 3);
            CHECK(runs[0] == at("2026-03-02T12:00:00Z"));
            CHECK(runs[1] == at("2026-03-03T00:00:00Z"));
            CHECK(runs[2] == at("2026-03-03T12:00:00Z"));
        }
        THEN("a count outside 1..100 names the count field") {
            CHECK(h.eng->next_runs(c.id, 0).error().field() == "count");
            CHECK(h.eng->next_runs(c.id, 101).error().field() == "count");
            CHECK(h.eng->next_runs(c.id, 100));
        }
    }
}

SCENARIO("ids made one after another sort in creation order", "[engine][config]") {
    GIVEN("an engine on a memory store") {
        engine_harness h("memory");
        WHEN("many configs are created in a row") {
            std::vector<std::string> ids;
            for (int i = 0; i < 3000; ++i) {
                ids.push_back(h.eng
                                  ->create_config(
                                      engine_harness::config("c" + std::to_string(i), "0 * * * *"))
                                  .value()
                                  .id);
            }
            THEN("every id is unique and each sorts after the one before") {
                // Index inserts then append instead of landing on random pages (docs/storage.md).
                CHECK(std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) ==
                      ids.end());
            }
        }
    }
}
