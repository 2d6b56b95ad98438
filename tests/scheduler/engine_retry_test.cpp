// SPDX-License-Identifier: Apache-2.0
// Transient-error retries with backoff and jitter, through the engine's operation_context.
#include "support/catch.hpp"

#include "engine_test_fixture.hpp"

#include <scheduler/retry.hpp>

using namespace scheduler;
using namespace scheduler::test;
using namespace std::chrono_literals;

SCENARIO("a unit of work is retried on transient errors only", "[engine][retry]") {
    GIVEN("an engine with 3 retries from a 200 ms base") {
        engine_options o;
        o.max_retries = 3;
        o.retry_base = 200ms;
        engine_harness h("memory", o);
        auto c = h.eng->create_config(engine_harness::config("r", "0 * * * *")).value();
        int attempts = 0;
        auto start = h.clock.now();
        auto run_with = [&](std::function<result<int>()> unit) {
            h.behaviour = [&, unit](operation_context& ctx) {
                auto r = retry_transient(ctx, unit);
                if (!r) return operation_result{run_status::failed, "{}", r.error().message()};
                return operation_result{};
            };
            auto run = h.eng->run_now(c.id).value();
            h.exec.run_all();
            return h.eng->get_run(run.id).value();
        };
        WHEN("the work is throttled twice, then succeeds") {
            auto run = run_with([&]() -> result<int> {
                if (++attempts <= 2) return status{code::unavailable, "throttled"};
                return 7;
            });
            THEN("it completes after three attempts, having waited at most 200 + 400 ms") {
                CHECK(run.status == run_status::completed);
                CHECK(attempts == 3);
                CHECK(h.clock.now() - start <= 600ms);
            }
        }
        WHEN("the work fails permanently") {
            auto run = run_with([&]() -> result<int> {
                ++attempts;
                return status{code::permission_denied, "no access"};
            });
            THEN("it is not retried") {
                CHECK(attempts == 1);
                CHECK(run.status == run_status::failed);
                CHECK(run.error == "no access");
                CHECK(h.clock.now() == start);
            }
        }
        WHEN("the work stays throttled") {
            auto run = run_with([&]() -> result<int> {
                ++attempts;
                return status{code::unavailable, "throttled"};
            });
            THEN("it gives up after the retries") {
                CHECK(attempts == 4);
                CHECK(run.status == run_status::failed);
                CHECK(h.clock.now() - start <= 200ms + 400ms + 800ms);
            }
        }
    }
}

TEST_CASE("retry backoff doubles up to the cap with full jitter", "[engine][retry]") {
    retry_policy p;
    p.base = 100ms;
    p.cap = 1000ms;
    for (int attempt = 0; attempt < 40; ++attempt) {
        auto ceiling =
            std::min<std::chrono::microseconds>(100ms * (1LL << std::min(attempt, 10)), p.cap);
        for (int i = 0; i < 20; ++i) {
            auto b = retry_backoff(p, attempt);
            CHECK(b >= 0us);
            CHECK(b <= ceiling);
        }
    }
    // Full jitter: the waits of one attempt are not all equal.
    std::set<std::int64_t> seen;
    for (int i = 0; i < 50; ++i) seen.insert(retry_backoff(p, 5).count());
    CHECK(seen.size() > 10);
}
