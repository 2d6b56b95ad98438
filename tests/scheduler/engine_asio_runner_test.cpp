// SPDX-License-Identifier: Apache-2.0
// asio_runner drives the loop from a timer; io_context::poll() runs only what is ready, so these
// tests move simulated time and never wait on real time.
#include "support/catch.hpp"

#include "engine_test_fixture.hpp"

#include <scheduler/asio_runner.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

SCENARIO("the asio runner steps the engine on start, on notify and on config changes",
         "[engine][asio]") {
    GIVEN("an engine with a config due at 10:15, and a started runner") {
        engine_harness h;
        auto c = h.eng->create_config(engine_harness::config("q", "*/15 * * * *")).value();
        boost::asio::io_context io;
        asio_runner runner(boost::asio::make_strand(io), *h.eng, 1h);
        runner.start();
        io.poll();
        REQUIRE(runner.steps() == 1);
        WHEN("nothing is due yet") {
            io.poll();
            THEN("the runner is waiting on its timer, not spinning") {
                CHECK(runner.steps() == 1);
                CHECK(h.runs_of(c.id).empty());
            }
        }
        WHEN("time reaches the fire and the runner is notified") {
            h.clock.set(at("2026-03-02T10:15:00Z"));
            runner.notify();
            io.poll();
            h.exec.run_all();
            THEN("the fire is claimed and run") {
                CHECK(runner.steps() == 2);
                REQUIRE(h.runs_of(c.id).size() == 1);
                CHECK(h.runs_of(c.id)[0].status == run_status::completed);
            }
        }
        WHEN("a config is created or patched through the engine") {
            auto d = h.eng->create_config(engine_harness::config("d", "* * * * *")).value();
            io.poll();
            job_config_patch p;
            p.run_at = "*/2 * * * *";
            REQUIRE(h.eng->patch_config(d.id, p));
            io.poll();
            THEN("the engine's wake hook stepped the runner each time") {
                CHECK(runner.steps() == 3);
            }
        }
        WHEN("the runner is stopped") {
            runner.stop();
            io.poll();
            h.clock.set(at("2026-03-02T10:15:00Z"));
            runner.notify();
            (void)h.eng->create_config(engine_harness::config("e", "* * * * *"));
            io.poll();
            THEN("no more steps run and the io_context runs out of work") {
                CHECK(runner.steps() == 1);
                CHECK(h.runs_of(c.id).empty());
                CHECK(io.stopped());
            }
        }
    }
}
