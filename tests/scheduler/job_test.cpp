// SPDX-License-Identifier: Apache-2.0
// job_run status and trigger names, and the forward-only status rules (DESIGN.md §3).
#include <scheduler/job.hpp>

#include "support/catch.hpp"

#include <array>

using scheduler::run_status;
using scheduler::run_trigger;

namespace {

constexpr std::array all_statuses{run_status::scheduled, run_status::in_progress,
                                  run_status::completed, run_status::failed, run_status::aborted};

}  // namespace

TEST_CASE("run status names round-trip", "[model]") {
    CHECK(scheduler::to_string(run_status::in_progress) == "in_progress");
    for (auto s : all_statuses) {
        CHECK(scheduler::parse_run_status(scheduler::to_string(s)).value() == s);
    }
}

TEST_CASE("run trigger names round-trip", "[model]") {
    CHECK(scheduler::to_string(run_trigger::run_now) == "run_now");
    for (auto t : {run_trigger::schedule, run_trigger::run_now, run_trigger::misfire}) {
        CHECK(scheduler::parse_run_trigger(scheduler::to_string(t)).value() == t);
    }
}

TEST_CASE("unknown status and trigger names name their field", "[model]") {
    for (auto bad : {"", "Completed", "done", "in-progress", " scheduled"}) {
        INFO(bad);
        auto s = scheduler::parse_run_status(bad);
        REQUIRE_FALSE(s);
        CHECK(s.error().error_code() == scheduler::code::invalid_argument);
        CHECK(s.error().field() == "status");
    }
    auto t = scheduler::parse_run_trigger("cron", "details.trigger");
    REQUIRE_FALSE(t);
    CHECK(t.error().field() == "details.trigger");
}

TEST_CASE("completed, failed and aborted are terminal", "[model]") {
    CHECK_FALSE(scheduler::is_terminal(run_status::scheduled));
    CHECK_FALSE(scheduler::is_terminal(run_status::in_progress));
    CHECK(scheduler::is_terminal(run_status::completed));
    CHECK(scheduler::is_terminal(run_status::failed));
    CHECK(scheduler::is_terminal(run_status::aborted));
}

TEST_CASE("status moves only forwards", "[model]") {
    using rs = run_status;
    // The full table: row = from, column = to, in all_statuses order.
    constexpr bool allowed[5][5] = {
        /* scheduled   */ {false, true, false, true, true},
        /* in_progress */ {false, false, true, true, true},
        /* completed   */ {false, false, false, false, false},
        /* failed      */ {false, false, false, false, false},
        /* aborted     */ {false, false, false, false, false},
    };
    for (std::size_t i = 0; i < all_statuses.size(); ++i) {
        for (std::size_t j = 0; j < all_statuses.size(); ++j) {
            INFO(scheduler::to_string(all_statuses[i])
                 << " -> " << scheduler::to_string(all_statuses[j]));
            CHECK(scheduler::can_transition(all_statuses[i], all_statuses[j]) == allowed[i][j]);
        }
    }
    // Never backwards, and a scheduled run cannot complete without having started.
    CHECK_FALSE(scheduler::can_transition(rs::in_progress, rs::scheduled));
    CHECK_FALSE(scheduler::can_transition(rs::scheduled, rs::completed));
}
