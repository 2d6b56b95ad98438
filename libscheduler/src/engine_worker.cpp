// SPDX-License-Identifier: Apache-2.0
// Running operations: the worker pool, the operation_context handed to handlers, a run's
// in_progress -> completed/failed/aborted life, cancellation, and run-now.
#include <scheduler/engine.hpp>

#include "engine_impl.hpp"

#include <algorithm>
#include <exception>
#include <iterator>

namespace scheduler {

// ---- worker_pool

namespace detail {

worker_pool::worker_pool(std::size_t n) {
    threads_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

worker_pool::~worker_pool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        tasks_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void worker_pool::post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
}

void worker_pool::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (stopping_) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();  // tasks built by engine::impl::dispatch never throw
    }
}

// ---- run_writer

void run_writer::write_async(job_run run, done_fn done) {
    std::unique_lock lock(mutex_);
    rows_.push_back(std::move(run));
    dones_.push_back(std::move(done));
    if (!flushing_) flush(lock);
}

void run_writer::flush(std::unique_lock<std::mutex>& lock) {
    // One thread holds the flushing role until the queue is empty, completions included, so
    // completions run in queue order. Rows queued meanwhile (by other workers, or by a
    // completion that dispatches to an inline executor) join the next batch: that is the group
    // commit, and under load a batch holds the rows of every worker.
    flushing_ = true;
    while (!rows_.empty()) {
        auto const n = std::min(max_batch_, rows_.size());
        if (n == rows_.size()) {
            batch_rows_.swap(rows_);
            batch_dones_.swap(dones_);
        } else {
            auto const end = static_cast<std::ptrdiff_t>(n);
            batch_rows_.assign(std::make_move_iterator(rows_.begin()),
                               std::make_move_iterator(rows_.begin() + end));
            batch_dones_.assign(std::make_move_iterator(dones_.begin()),
                                std::make_move_iterator(dones_.begin() + end));
            rows_.erase(rows_.begin(), rows_.begin() + end);
            dones_.erase(dones_.begin(), dones_.begin() + end);
        }
        lock.unlock();
        std::vector<status> outcomes;
        try {
            auto written = store_.update_runs(batch_rows_);
            if (written && written->size() == n) {
                outcomes = std::move(*written);
            } else {
                outcomes.assign(n, written ? status{code::internal, "update_runs: short answer"}
                                           : written.error());
            }
        } catch (std::exception const& e) {
            // Stores answer with results; a throwing one must not strand the completions.
            outcomes.assign(n, status{code::internal, e.what()});
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (batch_dones_[i]) batch_dones_[i](outcomes[i], batch_rows_[i]);
        }
        // Emptied outside the lock (destroying rows and callbacks is not free), capacity kept.
        batch_rows_.clear();
        batch_dones_.clear();
        if (after_batch_) after_batch_();
        lock.lock();
    }
    flushing_ = false;
}

}  // namespace detail

// ---- operation_context

namespace {

class run_context final : public operation_context {
public:
    run_context(engine::impl& e,
                job_run& run,
                cancellation_token token,
                std::optional<time_point> deadline)
        : engine_(e), run_(run), token_(std::move(token)), deadline_(deadline) {}

    [[nodiscard]] job_run const& run() const override { return run_; }
    [[nodiscard]] std::string_view params() const override { return run_.params; }
    [[nodiscard]] scheduler::clock& clock() const override { return engine_.clock_; }
    [[nodiscard]] bool cancelled() const override {
        return token_.cancelled() || (deadline_ && engine_.clock_.now() >= *deadline_);
    }
    [[nodiscard]] std::optional<time_point> deadline() const override { return deadline_; }
    void report_progress(std::string details_json) override {
        run_.details = std::move(details_json);
        run_.updated_at = engine_.clock_.now();
        // Through the writer, so it lands after this run's in_progress row and before its end
        // state. Best effort: a refused progress row changes nothing.
        engine_.writer_.write_async(run_, {});
    }
    bool wait_for(std::chrono::microseconds d) override {
        return engine_.wait_for(token_, deadline_, d);
    }
    [[nodiscard]] retry_policy retry_settings() const override {
        retry_policy p;
        p.max_retries = engine_.options_.max_retries;
        p.base = engine_.options_.retry_base;
        return p;
    }

private:
    engine::impl& engine_;
    job_run& run_;
    cancellation_token token_;
    std::optional<time_point> deadline_;
};

/// Calls the handler; an exception or a non-terminal answer becomes a failed run.
operation_result call_handler(operation_info const* op, operation_context& ctx) {
    if (!op) return {run_status::failed, "{}", "operation is not registered"};
    try {
        auto r = op->run(ctx);
        if (!is_terminal(r.status)) {
            return {run_status::failed, r.details, "operation returned a non-terminal status"};
        }
        return r;
    } catch (std::exception const& e) {
        return {run_status::failed, "{}", e.what()};
    } catch (...) {
        return {run_status::failed, "{}", "operation threw a non-standard exception"};
    }
}

}  // namespace

bool engine::impl::wait_for(cancellation_token const& token,
                            std::optional<time_point> deadline,
                            std::chrono::microseconds d) {
    auto cancelled = [&] { return token.cancelled() || (deadline && clock_.now() >= *deadline); };
    if (cancelled()) return false;
    if (deadline) d = std::min(d, *deadline - clock_.now());
    // Simulated time (manual_clock): waiting means time passes, which keeps backoff tests
    // exact and sleep-free; a deadline inside the wait still cancels.
    if (clock_.pass(d)) return !cancelled();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [&] { return token.cancelled(); });
    return !cancelled();
}

void engine::impl::execute(std::string const& run_id) {
    job_run run;
    cancellation_token token;
    std::optional<duration> timeout;
    bool cancelled_early = false;
    {
        std::lock_guard lock(mu_);
        auto it = active_.find(run_id);
        if (it == active_.end() || it->second.where != phase::queued) return;
        cancelled_early = it->second.token.cancelled();
        it->second.where = phase::running;
        run = it->second.run;
        token = it->second.token;
        timeout = it->second.timeout;
    }
    auto const now = clock_.now();
    operation_result outcome;
    if (cancelled_early) {
        outcome = {run_status::aborted, "{}", "cancelled"};
    } else {
        run.status = run_status::in_progress;
        run.started_at = run.updated_at = now;
        run.processing_node = options_.node_id;
        std::optional<time_point> deadline;
        if (timeout)
            deadline =
                now + std::chrono::duration_cast<std::chrono::microseconds>(timeout->value());
        {
            std::lock_guard lock(mu_);
            active_.at(run_id).deadline = deadline;
        }
        // The in_progress row is group-committed with the other workers' rows while the handler
        // already runs: waiting for it would cost one transaction per run (docs/engine.md,
        // "Starting runs"). Until it commits the row still says scheduled, which recovery
        // treats like in_progress. on_run_started reports the committed row, always before
        // on_run_finished (the writer completes rows in order).
        writer_.write_async(run, [this](status const& s, job_run const& started) {
            if (s.ok()) {
                ++counters_.runs_started;
                notify([&](engine_observer& o) { o.on_run_started(started); });
                return;
            }
            // The row ended elsewhere meanwhile (e.g. cancelled from another node): stop the
            // handler; its own terminal row will be refused and it is not reported.
            std::lock_guard lock(mu_);
            auto it = active_.find(started.id);
            if (it == active_.end()) return;
            it->second.start_refused = true;
            if (it->second.cancel_reason.empty()) it->second.cancel_reason = "cancelled";
            it->second.token.cancel();
            cv_.notify_all();
        });
        run_context ctx(*this, run, token, deadline);
        auto op = ops_.find(run.operation);
        outcome = call_handler(op.get(), ctx);
        if (outcome.status != run_status::completed && !token.cancelled() && deadline &&
            clock_.now() >= *deadline) {
            std::lock_guard lock(mu_);
            active_.at(run_id).cancel_reason = "timeout";
        }
    }
    finish(run_id, std::move(run), std::move(outcome));
}

void engine::impl::finish(std::string const& run_id, job_run run, operation_result outcome) {
    std::string reason;
    {
        std::lock_guard lock(mu_);
        reason = active_.at(run_id).cancel_reason;
    }
    run.status = outcome.status;
    run.details = std::move(outcome.details);
    run.error = std::move(outcome.error);
    if (!reason.empty() && run.status != run_status::completed) {
        // Cancelled or timed out: whatever the handler answered, the run was stopped.
        run.status = run_status::aborted;
        run.error = reason;
    }
    if (run.status == run_status::completed) run.error.clear();
    run.completed_at = run.updated_at = clock_.now();
    // The worker moves on at once; the run stays tracked (running, for drain()) until its
    // terminal row has committed and it has been counted and reported, so drain() never
    // returns before the observer heard of every run; only then is its successor started.
    // A refused write is ignored as before: the row already holds a terminal state.
    writer_.write_async(std::move(run), [this](status const&, job_run const& finished) {
        bool refused = false;
        {
            std::lock_guard lock(mu_);
            auto it = active_.find(finished.id);
            refused = it != active_.end() && it->second.start_refused;
        }
        if (!refused) {
            count_finished(finished.status);
            notify([&](engine_observer& o) { o.on_run_finished(finished); });
        }
        std::vector<std::string> next;
        {
            std::lock_guard lock(mu_);
            next = untrack(finished.id);
        }
        // drain() is woken once the batch is done (run_writer's after_batch).
        dispatch(next);
    });
}

bool engine::impl::drain(std::chrono::milliseconds grace, bool running_only) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, grace, [&] {
        return std::none_of(active_.begin(), active_.end(), [&](auto const& e) {
            return e.second.where == phase::running ||
                   (!running_only && e.second.where == phase::queued);
        });
    });
}

void engine::impl::cancel_all(std::string const& reason) {
    std::lock_guard lock(mu_);
    for (auto& [id, a] : active_) {
        if (a.where != phase::running || a.token.cancelled()) continue;
        a.cancel_reason = reason;
        a.token.cancel();
    }
    cv_.notify_all();
}

result<job_run> engine::impl::cancel_run(std::string_view id) {
    std::optional<job_run> unstarted;
    std::vector<std::string> next;
    {
        std::lock_guard lock(mu_);
        auto it = active_.find(id);
        if (it != active_.end() && it->second.where == phase::running) {
            if (!it->second.token.cancelled()) {
                it->second.cancel_reason = "cancelled";
                it->second.token.cancel();
            }
            cv_.notify_all();
            return store_.get_run(id);  // still in_progress; ends aborted at its next safe point
        }
        if (it != active_.end()) {
            unstarted = it->second.run;
            next = untrack(it->first);
        }
    }
    auto const now = clock_.now();
    if (!unstarted) {
        auto stored = store_.get_run(id);
        if (!stored) return stored.error();
        if (is_terminal(stored->status)) {
            return status{
                code::failed_precondition,
                "run " + stored->id + " already " + std::string(to_string(stored->status)), "id"};
        }
        unstarted = std::move(*stored);  // left by a dead process or another node
    }
    cv_.notify_all();
    abort_unstarted(*unstarted, "cancelled", now);
    dispatch(next);
    return store_.get_run(id);
}

}  // namespace scheduler
