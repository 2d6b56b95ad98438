// SPDX-License-Identifier: Apache-2.0
// The decision step: find due configs, apply misfire and overlap policies, claim each fire
// exactly once through store::claim_fires, dispatch the runs, cancel overdue runs, prune.
#include <scheduler/engine.hpp>

#include "engine_impl.hpp"

#include <algorithm>

namespace scheduler {

namespace {

using impl = engine::impl;

/// An observer event decided under a lock and delivered after it is released.
struct loop_event {
    enum kind { skipped, misfire } what;
    job_config config;
    time_point fire;
    bool caught_up = false;
};

/// What the loop decided for one batch; index i of each vector belongs to claims[i].
struct batch_plan {
    std::vector<fire_claim> claims;
    std::vector<job_config const*> configs;
    std::vector<impl::phase> phases;                ///< how a claimed run starts
    std::vector<std::vector<std::string>> cancels;  ///< runs a cancel_other fire replaces
    std::vector<loop_event> events;
};

/// The fire a due config should run now, if any, after the misfire policy; records events.
std::optional<std::pair<time_point, run_trigger>> decide_fire(job_config const& c,
                                                              detail::due_scan const& scan,
                                                              time_point now,
                                                              impl& self,
                                                              batch_plan& plan) {
    auto const latest = *scan.latest;
    if (now - latest <= self.options_.misfire_threshold) {
        if (scan.count > 1) {
            // Earlier fires were missed but the latest is on time: run it as scheduled.
            ++self.counters_.misfires;
            plan.events.push_back({loop_event::misfire, c, *scan.first, false});
        }
        return std::pair{latest, run_trigger::schedule};
    }
    ++self.counters_.misfires;
    bool const catch_up =
        c.misfire == misfire_policy::run_once && now - latest <= c.misfire_grace.value();
    plan.events.push_back({loop_event::misfire, c, latest, catch_up});
    if (!catch_up) return std::nullopt;
    ++self.counters_.misfire_runs;
    return std::pair{latest, run_trigger::misfire};
}

/// The overlap policy for a fire of `c`: how its run starts, or nullopt when it is skipped.
/// Caller holds mu_.
std::optional<impl::phase> decide_overlap(job_config const& c,
                                          time_point fire,
                                          impl& self,
                                          batch_plan& plan,
                                          std::vector<std::string>& cancels) {
    auto active = self.active_of(c.id);
    if (active.empty() || c.overlap == overlap_policy::allow_all) return impl::phase::queued;
    bool const has_waiting = std::any_of(active.begin(), active.end(), [](auto const* a) {
        return a->where == impl::phase::waiting;
    });
    if (c.overlap == overlap_policy::cancel_other) {
        for (auto const* a : active) cancels.push_back(a->run.id);
        return impl::phase::queued;
    }
    if (c.overlap == overlap_policy::buffer_one && !has_waiting) return impl::phase::waiting;
    ++self.counters_.fires_skipped;
    plan.events.push_back({loop_event::skipped, c, fire, false});
    return std::nullopt;
}

/// Plans one due config: its next fire and, if a run is due, that run. Caller holds mu_.
void plan_config(job_config const& c, time_point now, impl& self, batch_plan& plan) {
    fire_claim claim;
    claim.config_id = c.id;
    std::optional<impl::phase> how;
    std::vector<std::string> cancels;
    auto s = self.schedules_.get(c);
    if (s && c.next_run_at) {
        auto const window = std::chrono::duration_cast<std::chrono::microseconds>(
            std::max<std::chrono::microseconds>(c.misfire_grace.value(),
                                                self.options_.misfire_threshold));
        auto scan = detail::scan_due(*s, *c.next_run_at, now, window);
        // The next fire follows the fire claimed, not `now`: a backward clock jump cannot
        // bring an instant back, a forward one shows up here as a misfire.
        claim.next_run_at = scan.next;
        if (auto fire = decide_fire(c, scan, now, self, plan)) {
            how = decide_overlap(c, fire->first, self, plan, cancels);
            if (how) {
                claim.run = self.make_run(c, fire->second, now);
                claim.run->scheduled_for = fire->first;
                claim.last_run_at = fire->first;
            }
        }
    }
    // A stored schedule that no longer parses stops firing (next_run_at stays unset).
    plan.claims.push_back(std::move(claim));
    plan.configs.push_back(&c);
    plan.phases.push_back(how.value_or(impl::phase::queued));
    plan.cancels.push_back(std::move(cancels));
}

/// Registers what the store accepted and re-advances refused claims without a run (their
/// instant already has a row). Returns how many configs moved forward. Caller holds mu_.
std::size_t settle_claims(impl& self,
                          batch_plan& plan,
                          std::vector<bool> const& applied,
                          std::vector<std::string>& to_dispatch,
                          std::vector<job_run>& unstarted) {
    std::size_t advanced = 0;
    std::vector<fire_claim> refused;
    for (std::size_t i = 0; i < plan.claims.size() && i < applied.size(); ++i) {
        auto& claim = plan.claims[i];
        if (!applied[i]) {
            if (claim.run)
                refused.push_back({claim.config_id, std::nullopt, claim.next_run_at, {}});
            continue;
        }
        ++advanced;
        if (!claim.run) continue;
        ++self.counters_.fires_claimed;
        self.cancel_replaced(plan.cancels[i], unstarted);
        auto how = plan.phases[i];
        if (how == impl::phase::waiting) {
            // Planned behind an active run that may have ended while the claim was written
            // (no lock is held across the store call): with nothing of its config queued or
            // running any more, nobody would start it, so it starts now.
            auto active = self.active_of(plan.configs[i]->id);
            bool const behind_one = std::any_of(active.begin(), active.end(), [](auto const* a) {
                return a->where != impl::phase::waiting;
            });
            if (!behind_one) how = impl::phase::queued;
        }
        if (how == impl::phase::queued) to_dispatch.push_back(claim.run->id);
        self.track(*plan.configs[i], std::move(*claim.run), how);
    }
    if (!refused.empty()) {
        if (auto again = self.store_.claim_fires(refused)) {
            advanced += static_cast<std::size_t>(std::count(again->begin(), again->end(), true));
        }
    }
    return advanced;
}

}  // namespace

engine::impl::chunk_result engine::impl::claim_chunk(std::span<job_config const> due,
                                                     time_point now) {
    chunk_result out;
    std::vector<std::string> to_dispatch;
    std::vector<job_run> unstarted;
    std::vector<loop_event> events;
    {
        // From planning to settling, run_now's overlap decision waits (claim_mu_); it is
        // released before any observer, executor or handler call below.
        std::lock_guard claim_lock(claim_mu_);
        batch_plan plan;
        plan.claims.reserve(due.size());
        {
            std::lock_guard lock(mu_);
            for (auto const& c : due) plan_config(c, now, *this, plan);
        }
        // mu_ is not held across the store call, so workers keep starting runs and the writer
        // keeps finishing them while the claim is written (holding it stalled every worker for
        // the whole transaction). With run_now kept out by claim_mu_, the only change the plan
        // can miss is a run ending: settle_claims re-checks the one decision that depends on
        // it (a run buffered behind it).
        auto applied = store_.claim_fires(plan.claims);
        if (!applied) return out;
        out.ok = true;
        std::lock_guard lock(mu_);
        auto const before = counters_.fires_claimed.load();
        out.advanced = settle_claims(*this, plan, *applied, to_dispatch, unstarted);
        out.claimed = static_cast<std::size_t>(counters_.fires_claimed.load() - before);
        events = std::move(plan.events);
    }
    for (auto const& e : events) {
        notify([&](engine_observer& o) {
            if (e.what == loop_event::skipped) {
                o.on_fire_skipped(e.config, e.fire);
            } else {
                o.on_misfire(e.config, e.fire, e.caught_up);
            }
        });
    }
    for (auto& r : unstarted) abort_unstarted(std::move(r), "cancelled", now);
    dispatch(to_dispatch);
    return out;
}

std::size_t engine::impl::run_due(time_point now) {
    std::lock_guard loop_lock(loop_mu_);
    cancel_overdue(now);
    maybe_prune(now);
    // Due configs are read several claim batches at a time: a store that cannot stop early
    // (every config due at the same instant) then scans the due set fewer times.
    auto const fetch = options_.claim_batch * fetch_batches;
    std::size_t claimed = 0;
    for (;;) {
        std::vector<job_config> due;
        std::uint64_t generation = 0;
        {
            std::lock_guard schedule_lock(schedule_mu_);
            auto r = store_.due_configs(now, options_.node_id, fetch);
            if (!r || r->empty()) break;
            due = std::move(*r);
            generation = config_generation_;
        }
        std::size_t advanced = 0;
        bool stale = false;
        for (std::size_t first = 0; first < due.size() && !stale; first += options_.claim_batch) {
            auto const n = std::min(options_.claim_batch, due.size() - first);
            // Claims hold schedule_mu_ so a concurrent patch cannot interleave; one that
            // happened since the fetch makes the rest of it stale, so it is read again.
            std::unique_lock schedule_lock(schedule_mu_);
            if (config_generation_ != generation) {
                stale = true;
                break;
            }
            auto step = claim_chunk(std::span(due).subspan(first, n), now);
            schedule_lock.unlock();
            if (!step.ok) return claimed;
            claimed += step.claimed;
            advanced += step.advanced;
        }
        // A fetch that moved no config forward would come back unchanged: stop, not spin.
        if (!stale && (due.size() < fetch || advanced == 0)) break;
    }
    return claimed;
}

void engine::impl::cancel_overdue(time_point now) {
    std::lock_guard lock(mu_);
    bool any = false;
    for (auto& [id, a] : active_) {
        if (a.where != phase::running || !a.deadline || *a.deadline > now) continue;
        if (a.token.cancelled()) continue;
        a.cancel_reason = "timeout";
        a.token.cancel();
        ++counters_.timeouts;
        any = true;
    }
    if (any) cv_.notify_all();
}

void engine::impl::maybe_prune(time_point now) {
    if (last_prune_ && now - *last_prune_ < options_.prune_every && now >= *last_prune_) return;
    last_prune_ = now;
    auto const older_than =
        now - std::chrono::duration_cast<std::chrono::microseconds>(options_.keep_runs_for);
    if (auto n = store_.prune_runs(options_.keep_runs_per_config, older_than)) {
        counters_.pruned += static_cast<std::uint64_t>(*n);
    }
}

result<std::int64_t> engine::impl::recover() {
    auto n = store_.fail_interrupted_runs(options_.node_id, clock_.now());
    if (n) counters_.interrupted += static_cast<std::uint64_t>(*n);
    return n;
}

std::optional<time_point> engine::impl::next_wakeup() {
    std::optional<time_point> out;
    if (auto next = store_.earliest_next_run(options_.node_id)) out = *next;
    std::lock_guard lock(mu_);
    for (auto const& [id, a] : active_) {
        if (a.where != phase::running || !a.deadline || a.token.cancelled()) continue;
        if (!out || *a.deadline < *out) out = a.deadline;
    }
    return out;
}

}  // namespace scheduler
