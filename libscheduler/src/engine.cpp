// SPDX-License-Identifier: Apache-2.0
// The engine facade: construction and shutdown, pass-through reads, and the helpers the other
// engine_*.cpp files share (tracking active runs, dispatching them to workers).
#include <scheduler/engine.hpp>

#include "engine_impl.hpp"
#include "uuid.hpp"

#include <algorithm>

namespace scheduler {

engine::impl::impl(store& s, operation_registry& ops, scheduler::clock& clk, engine_options o)
    : store_(s), ops_(ops), clock_(clk), options_(std::move(o)) {
    if (options_.claim_batch == 0) options_.claim_batch = 1;
    if (!options_.executor) {
        pool_ = std::make_unique<detail::worker_pool>(std::max<std::size_t>(options_.workers, 1));
    }
}

job_run engine::impl::make_run(job_config const& c, run_trigger t, time_point now) const {
    job_run r;
    r.id = detail::make_uuid_v7();
    r.account = c.account;
    r.job_config_id = c.id;
    r.name = c.name;
    r.description = c.description;
    r.operation = c.operation;
    r.params = c.params;
    r.trigger = t;
    // Owned by this node from the start, so recover() finds it if the process dies before a
    // worker picks it up.
    r.processing_node = options_.node_id;
    r.created_at = r.updated_at = r.enqueued_at = now;
    return r;
}

void engine::impl::track(job_config const& c, job_run r, phase where) {
    active_run a;
    a.config_id = c.id;
    a.where = where;
    a.timeout = c.timeout;
    auto id = r.id;
    a.run = std::move(r);
    by_config_[c.id].push_back(id);
    active_.emplace(std::move(id), std::move(a));
}

std::vector<std::string> engine::impl::untrack(std::string run_id) {
    auto it = active_.find(run_id);
    if (it == active_.end()) return {};
    auto config_id = it->second.config_id;
    active_.erase(it);
    auto cit = by_config_.find(config_id);
    if (cit == by_config_.end()) return {};
    std::erase(cit->second, run_id);
    // A buffered run starts once nothing else of its config is queued or running.
    std::string next;
    for (auto const& id : cit->second) {
        auto& a = active_.at(id);
        if (a.where != phase::waiting) return {};
        if (next.empty()) next = id;
    }
    if (cit->second.empty()) by_config_.erase(cit);
    if (next.empty()) return {};
    active_.at(next).where = phase::queued;
    return {next};
}

std::vector<engine::impl::active_run*> engine::impl::active_of(std::string const& config_id) {
    std::vector<active_run*> out;
    auto cit = by_config_.find(config_id);
    if (cit == by_config_.end()) return out;
    for (auto const& id : cit->second) out.push_back(&active_.at(id));
    return out;
}

void engine::impl::dispatch(std::vector<std::string> const& run_ids) {
    for (auto const& id : run_ids) {
        auto task = [life = life_, id] {
            std::shared_lock lock(life->mutex);
            if (life->self) life->self->execute(id);
        };
        try {
            if (options_.executor) {
                options_.executor(std::move(task));
            } else {
                pool_->post(std::move(task));
            }
        } catch (std::exception const& e) {
            // The run cannot reach a worker: it fails now rather than staying queued forever.
            std::optional<job_run> run;
            {
                std::lock_guard lock(mu_);
                auto it = active_.find(id);
                if (it != active_.end()) run = it->second.run;
            }
            if (run) {
                run->status = run_status::failed;
                run->error = std::string("executor refused the run: ") + e.what();
                run->completed_at = run->updated_at = clock_.now();
                (void)store_.update_run(*run);
                // Reported before it is untracked, so drain() cannot return in between.
                count_finished(run_status::failed);
                notify([&](engine_observer& o) { o.on_run_finished(*run); });
                std::vector<std::string> next;
                {
                    std::lock_guard lock(mu_);
                    next = untrack(id);
                }
                cv_.notify_all();
                dispatch(next);
            }
        }
    }
}

void engine::impl::cancel_replaced(std::vector<std::string> const& ids,
                                   std::vector<job_run>& unstarted) {
    for (auto const& id : ids) {
        auto it = active_.find(id);
        if (it == active_.end()) continue;
        if (it->second.where == phase::running) {
            it->second.cancel_reason = "cancelled";
            it->second.token.cancel();
        } else {
            unstarted.push_back(it->second.run);
            // No successor can be promoted here: the replacing run is tracked right after.
            (void)untrack(id);
        }
    }
    cv_.notify_all();
}

void engine::impl::abort_unstarted(job_run run, std::string const& reason, time_point now) {
    run.status = run_status::aborted;
    run.error = reason;
    run.completed_at = run.updated_at = now;
    if (store_.update_run(run)) {
        count_finished(run_status::aborted);
        notify([&](engine_observer& o) { o.on_run_finished(run); });
    }
}

void engine::impl::wake() const {
    std::function<void()> hook;
    {
        std::lock_guard lock(hook_mu_);
        hook = wake_hook_;
    }
    if (!hook) return;
    try {
        hook();
    } catch (...) {
        // A wake hook that throws must not fail the create/patch that triggered it.
    }
}

void engine::impl::count_finished(run_status s) {
    switch (s) {
        case run_status::completed:
            ++counters_.runs_completed;
            break;
        case run_status::failed:
            ++counters_.runs_failed;
            break;
        case run_status::aborted:
            ++counters_.runs_aborted;
            break;
        default:
            break;
    }
}

// ---- engine

engine::engine(store& s, operation_registry& ops, scheduler::clock& clk, engine_options options)
    : impl_(std::make_unique<impl>(s, ops, clk, std::move(options))) {
    impl_->life_->self = impl_.get();
}

engine::~engine() {
    stop();
    {
        // Waits for any task still executing, then makes queued tasks no-ops.
        std::unique_lock lock(impl_->life_->mutex);
        impl_->life_->self = nullptr;
    }
    impl_->pool_.reset();
}

result<job_config> engine::create_config(job_config c) {
    return impl_->create_config(std::move(c));
}
result<job_config> engine::get_config(std::string_view id) {
    return impl_->store_.get_config(id);
}

result<job_config> engine::patch_config(std::string_view id, job_config_patch const& p) {
    return impl_->patch_config(id, p);
}

result<void> engine::delete_config(std::string_view id) {
    {
        std::lock_guard lock(impl_->schedule_mu_);
        if (auto r = impl_->store_.delete_config(id); !r) return r;
        ++impl_->config_generation_;
    }
    impl_->wake();
    return {};
}

result<page<job_config>> engine::list_configs(config_query const& q) {
    return impl_->store_.list_configs(q);
}

result<std::vector<time_point>> engine::next_runs(std::string_view id, std::size_t count) {
    return impl_->next_runs(id, count);
}

result<job_run> engine::run_now(std::string_view config_id) {
    return impl_->run_now(config_id);
}
result<job_run> engine::get_run(std::string_view id) {
    return impl_->store_.get_run(id);
}
result<page<job_run>> engine::list_runs(run_query const& q) {
    return impl_->store_.list_runs(q);
}

result<void> engine::delete_run(std::string_view id) {
    {
        std::lock_guard lock(impl_->mu_);
        if (impl_->active_.contains(id)) {
            return status{code::failed_precondition, "run " + std::string(id) + " is still active",
                          "id"};
        }
    }
    return impl_->store_.delete_run(id);
}

result<job_run> engine::cancel_run(std::string_view id) {
    return impl_->cancel_run(id);
}
result<std::int64_t> engine::recover() {
    return impl_->recover();
}
std::size_t engine::run_due(time_point now) {
    return impl_->run_due(now);
}
std::size_t engine::run_due() {
    return impl_->run_due(impl_->clock_.now());
}
std::optional<time_point> engine::next_wakeup() {
    return impl_->next_wakeup();
}

std::size_t engine::active_count() const {
    std::lock_guard lock(impl_->mu_);
    return static_cast<std::size_t>(
        std::count_if(impl_->active_.begin(), impl_->active_.end(),
                      [](auto const& e) { return e.second.where != impl::phase::waiting; }));
}

bool engine::drain(std::chrono::milliseconds grace) {
    return impl_->drain(grace, false);
}

void engine::stop() {
    // Only running handlers are waited for: runs still queued stay `scheduled` in the store and
    // are recovered as interrupted at the next start, where the misfire policy decides.
    impl_->cancel_all("cancelled");
    (void)impl_->drain(impl_->options_.shutdown_grace, true);
}

engine_stats engine::stats() const {
    auto const& c = impl_->counters_;
    engine_stats s;
    s.fires_claimed = c.fires_claimed.load();
    s.fires_skipped = c.fires_skipped.load();
    s.misfires = c.misfires.load();
    s.misfire_runs = c.misfire_runs.load();
    s.runs_started = c.runs_started.load();
    s.runs_completed = c.runs_completed.load();
    s.runs_failed = c.runs_failed.load();
    s.runs_aborted = c.runs_aborted.load();
    s.timeouts = c.timeouts.load();
    s.interrupted = c.interrupted.load();
    s.pruned = c.pruned.load();
    std::lock_guard lock(impl_->mu_);
    for (auto const& [id, a] : impl_->active_) {
        (a.where == impl::phase::waiting ? s.waiting : s.active)++;
    }
    return s;
}

void engine::set_wake_hook(std::function<void()> hook) {
    std::lock_guard lock(impl_->hook_mu_);
    impl_->wake_hook_ = std::move(hook);
}

std::string const& engine::node_id() const noexcept {
    return impl_->options_.node_id;
}
operation_registry& engine::operations() noexcept {
    return impl_->ops_;
}
scheduler::clock& engine::clock() noexcept {
    return impl_->clock_;
}

}  // namespace scheduler
