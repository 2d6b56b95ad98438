// SPDX-License-Identifier: Apache-2.0
// Private: the engine's state, shared by engine.cpp (facade), engine_config.cpp (create/patch),
// engine_loop.cpp (decisions and claims) and engine_worker.cpp (running operations).
//
// Locks, always taken in this order: loop_mu_ (one decision step at a time) -> schedule_mu_
// (a config's read-modify-write against the loop's claims) -> claim_mu_ (a claim's overlap
// decisions against run_now's, from planning to settling) -> mu_ (the in-memory table of
// active runs). claim_mu_ and mu_ are never held across an executor, observer or handler call
// (mu_ not across a claim's store call either).
#pragma once

#include <scheduler/engine.hpp>
#include <scheduler/store.hpp>

#include "engine_schedule.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace scheduler {

namespace detail {

/// The convenience pool used when the embedder gives no executor: `n` threads draining a FIFO.
/// Tasks still queued at destruction are dropped (their runs are recovered as interrupted).
class worker_pool {
public:
    explicit worker_pool(std::size_t n);
    ~worker_pool();
    worker_pool(worker_pool const&) = delete;
    worker_pool& operator=(worker_pool const&) = delete;
    void post(std::function<void()> task);

private:
    void work();
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

/// Group commit of run updates (in_progress, terminal states). Every caller queues its row;
/// whoever finds no flush under way becomes the flusher and writes everything pending, at most
/// `max_batch` rows per store::update_runs transaction, until the queue is empty. There is no
/// timer: an idle writer flushes at once, so a lone run waits for exactly one transaction, and
/// under load rows queued behind a running transaction share the next one.
class run_writer {
public:
    /// Called once the row's transaction has committed (or failed), with the row's outcome and
    /// the row as written, on the flushing thread and with no lock held.
    using done_fn = std::function<void(status const&, job_run const&)>;

    /// `after_batch` (may be empty) runs on the flushing thread after the completions of each
    /// batch, with no lock held.
    run_writer(store& s, std::size_t max_batch, std::function<void()> after_batch = {})
        : store_(s), max_batch_(max_batch), after_batch_(std::move(after_batch)) {}
    run_writer(run_writer const&) = delete;
    run_writer& operator=(run_writer const&) = delete;

    /// Queues `run`; `done` (may be empty) runs after its transaction, maybe on another
    /// thread. Returns at once when another thread is flushing (which then also writes this
    /// row), else flushes. Rows commit, and `done`s run, in the order they were queued, one at
    /// a time: a run's in_progress completion always precedes its terminal one.
    void write_async(job_run run, done_fn done);

private:
    /// Flushes until the queue is empty. Caller holds `lock` on mutex_ and no flush is running.
    void flush(std::unique_lock<std::mutex>& lock);

    store& store_;
    std::size_t max_batch_;
    std::function<void()> after_batch_;
    std::mutex mutex_;
    // The queue, as two parallel vectors so a batch is handed to store::update_runs without
    // copying or moving a row. Guarded by mutex_.
    std::vector<job_run> rows_;
    std::vector<done_fn> dones_;
    bool flushing_ = false;
    // The batch being written; only the flushing thread touches them. Kept between flushes so
    // their capacity is reused.
    std::vector<job_run> batch_rows_;
    std::vector<done_fn> batch_dones_;
};

/// Lets queued tasks outlive the engine safely: a task holds the shared lock while it runs and
/// does nothing once `self` is null; the engine's destructor takes the exclusive lock.
struct lifeline {
    std::shared_mutex mutex;
    engine::impl* self = nullptr;
};

/// Monotonic counters behind engine_stats.
struct engine_counters {
    std::atomic<std::uint64_t> fires_claimed{0}, fires_skipped{0}, misfires{0}, misfire_runs{0},
        runs_started{0}, runs_completed{0}, runs_failed{0}, runs_aborted{0}, timeouts{0},
        interrupted{0}, pruned{0};
};

}  // namespace detail

struct engine::impl {
    impl(store& s, operation_registry& ops, scheduler::clock& clk, engine_options options);

    /// Where a run this engine owns is in its life.
    enum class phase {
        waiting,  ///< buffered behind an active run of its config (buffer_one)
        queued,   ///< handed to the executor, not started yet
        running,  ///< the handler is executing
    };
    struct active_run {
        std::string config_id;
        phase where = phase::queued;
        job_run run;  ///< as stored when enqueued
        cancellation_token token;
        std::string cancel_reason;           ///< "cancelled" or "timeout" once cancelled
        std::optional<duration> timeout;     ///< the config's, captured at enqueue
        std::optional<time_point> deadline;  ///< started_at + timeout, once running
        bool start_refused = false;  ///< the store refused its in_progress row (ended elsewhere)
    };

    // ---- engine.cpp: shared helpers
    /// A fresh run of `c` (status scheduled, owned by this node).
    [[nodiscard]] job_run make_run(job_config const& c, run_trigger t, time_point now) const;
    /// Registers a run in the active table. Caller holds mu_.
    void track(job_config const& c, job_run r, phase where);
    /// Removes a run from the active table; returns buffered runs that may start now (their
    /// phase already set to queued). Caller holds mu_.
    [[nodiscard]] std::vector<std::string> untrack(
        std::string run_id);  // by value: callers pass map keys
    /// Active runs of a config, oldest first. Caller holds mu_.
    [[nodiscard]] std::vector<active_run*> active_of(std::string const& config_id);
    /// Hands runs to the executor (never under a lock: an executor may run inline).
    void dispatch(std::vector<std::string> const& run_ids);
    /// Cancels the runs a cancel_other fire or run-now replaces: running ones through their
    /// token; unstarted ones are untracked and appended to `unstarted`. Caller holds mu_.
    void cancel_replaced(std::vector<std::string> const& ids, std::vector<job_run>& unstarted);
    /// Marks a run that never started as aborted in the store and tells the observer.
    void abort_unstarted(job_run run, std::string const& reason, time_point now);
    void wake() const;
    void count_finished(run_status s);
    template <class F>
    void notify(F&& f) const {
        if (!options_.observer) return;
        try {
            f(*options_.observer);
        } catch (...) {
            // Observers must not throw (engine.hpp); one that does is ignored, not fatal.
        }
    }

    // ---- engine_config.cpp
    [[nodiscard]] result<job_config> create_config(job_config c);
    [[nodiscard]] result<job_config> patch_config(std::string_view id, job_config_patch const& p);
    [[nodiscard]] result<std::vector<time_point>> next_runs(std::string_view id, std::size_t count);
    /// Validates fields, operation and params; stores normalized params into `c`.
    [[nodiscard]] result<void> validate_all(job_config& c);
    /// next_run_at of `c` after `now` (nullopt when disabled or past its end).
    [[nodiscard]] result<std::optional<time_point>> first_fire(job_config const& c, time_point now);

    // ---- engine_loop.cpp
    std::size_t run_due(time_point now);
    /// What one claim transaction achieved.
    struct chunk_result {
        bool ok = false;           ///< the store accepted the transaction
        std::size_t claimed = 0;   ///< runs created
        std::size_t advanced = 0;  ///< configs whose schedule moved
    };
    /// Plans, claims and dispatches one batch of due configs. Caller holds schedule_mu_ (not
    /// claim_mu_ or mu_: claim_mu_ is held from planning to settling, mu_ to plan and to settle
    /// but not across the store call).
    [[nodiscard]] chunk_result claim_chunk(std::span<job_config const> due, time_point now);
    /// Claim batches read per due_configs call.
    static constexpr std::size_t fetch_batches = 8;
    [[nodiscard]] std::optional<time_point> next_wakeup();
    [[nodiscard]] result<std::int64_t> recover();
    void cancel_overdue(time_point now);
    void maybe_prune(time_point now);

    // ---- engine_worker.cpp
    /// Runs one queued run on the calling (worker) thread.
    void execute(std::string const& run_id);
    /// Waits `d` for a run: advances a manual_clock, else sleeps on cv_ until cancelled.
    bool wait_for(cancellation_token const& token,
                  std::optional<time_point> deadline,
                  std::chrono::microseconds d);
    /// Records a run's outcome, frees its slot and starts a buffered successor.
    void finish(std::string const& run_id, job_run run, operation_result outcome);
    [[nodiscard]] result<job_run> run_now(std::string_view config_id);
    [[nodiscard]] result<job_run> cancel_run(std::string_view id);
    /// Waits until no run is running (and, unless `running_only`, none is queued).
    bool drain(std::chrono::milliseconds grace, bool running_only);
    /// Cancels every running handler through its token.
    void cancel_all(std::string const& reason);

    store& store_;
    operation_registry& ops_;
    scheduler::clock& clock_;
    engine_options options_;

    std::mutex loop_mu_;
    std::mutex schedule_mu_;
    std::mutex claim_mu_;
    mutable std::mutex mu_;
    std::condition_variable cv_;  ///< signalled on every cancellation and finished run
    /// Hashes std::string and std::string_view alike, for lookups by view.
    struct id_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    /// Runs this engine owns, by id. Unordered: nothing depends on their order (a config's
    /// runs are ordered in by_config_), and a burst tracks 100,000 of them, where a tree of
    /// 36-character ids sharing their time prefix cost a string comparison per level.
    std::unordered_map<std::string, active_run, id_hash, std::equal_to<>> active_;
    std::unordered_map<std::string, std::vector<std::string>>
        by_config_;  ///< run ids, oldest first

    std::optional<time_point> last_prune_;  ///< guarded by loop_mu_
    std::uint64_t config_generation_ = 0;   ///< bumped by every config write; schedule_mu_
    detail::schedule_cache schedules_;
    detail::engine_counters counters_;
    mutable std::mutex hook_mu_;
    std::function<void()> wake_hook_;
    std::shared_ptr<detail::lifeline> life_ = std::make_shared<detail::lifeline>();
    // Finished runs wake drain() once per written batch, not once per run: a burst of 100,000
    // runs otherwise woke a waiting drain() 100,000 times, each time a context switch.
    detail::run_writer writer_{store_, std::max<std::size_t>(options_.claim_batch, 1),
                               [this] { cv_.notify_all(); }};
    std::unique_ptr<detail::worker_pool> pool_;  ///< only when options.executor is empty
};

}  // namespace scheduler
