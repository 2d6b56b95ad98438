// SPDX-License-Identifier: Apache-2.0
// run-now: a run enqueued at once (trigger run_now), under the config's overlap policy.
#include <scheduler/engine.hpp>

#include "engine_impl.hpp"

#include <algorithm>

namespace scheduler {

namespace {

/// The refusal of a run-now, naming the run that is in the way (the API turns it into 409).
status refused(job_config const& c, job_run const& in_the_way, char const* why) {
    return status{code::aborted, "job " + in_the_way.id + " of job config " + c.id + " " + why +
                                     " (overlap_policy " + std::string(to_string(c.overlap)) + ")"};
}

}  // namespace

result<job_run> engine::impl::run_now(std::string_view config_id) {
    auto c = store_.get_config(config_id);
    if (!c) return c.error();
    auto const now = clock_.now();
    auto run = make_run(*c, run_trigger::run_now, now);
    std::vector<job_run> unstarted;
    phase how = phase::queued;
    {
        // claim_mu_ first: a claim holds it from planning to settling but releases mu_ across
        // the store call, so this decision cannot interleave with a claim's (engine_loop.cpp).
        std::lock_guard claim_lock(claim_mu_);
        std::lock_guard lock(mu_);
        auto active = active_of(c->id);
        if (!active.empty()) {
            auto waiting = std::find_if(active.begin(), active.end(),
                                        [](auto const* a) { return a->where == phase::waiting; });
            switch (c->overlap) {
                case overlap_policy::skip:
                    return refused(*c, active.front()->run, "is still running");
                case overlap_policy::buffer_one:
                    if (waiting != active.end()) {
                        return refused(*c, (*waiting)->run, "is already waiting");
                    }
                    how = phase::waiting;
                    break;
                case overlap_policy::cancel_other: {
                    std::vector<std::string> ids;
                    for (auto const* a : active) ids.push_back(a->run.id);
                    cancel_replaced(ids, unstarted);
                    break;
                }
                case overlap_policy::allow_all:
                    break;
            }
        }
        if (auto r = store_.insert_run(run); !r) return r.error();
        track(*c, run, how);
    }
    for (auto& r : unstarted) abort_unstarted(std::move(r), "cancelled", now);
    if (how == phase::queued) dispatch({run.id});
    wake();  // a timeout on the new run is a new wake-up instant
    return store_.get_run(run.id);
}

}  // namespace scheduler
