// SPDX-License-Identifier: Apache-2.0
// File: scheduler/engine.hpp
//
// The engine decides what is due, claims it exactly once in the store, runs it on workers and
// records the outcome (DESIGN.md §5). It is also the facade through which configs are created,
// patched and triggered, so every business rule lives here and not in an HTTP handler.
// It reads time only through `clock&`; `run_due(now)` is the whole decision step, so tests drive
// it with a manual_clock and never sleep. `scheduler/asio_runner.hpp` wakes it on a timer.
//
//   scheduler::engine eng{*store, registry, clock, {.node_id = "local-node"}};
//   eng.recover().value();
//   auto cfg = eng.create_config(c).value();
//   eng.run_due(clock.now());
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/job.hpp>
#include <scheduler/job_config.hpp>
#include <scheduler/operation.hpp>
#include <scheduler/store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scheduler {

/// Receives engine events; default hooks do nothing. Called from engine/worker threads:
/// implementations must be thread-safe and must not throw.
class engine_observer {
public:
    virtual ~engine_observer() = default;
    virtual void on_run_started(job_run const& /*run*/) {}
    virtual void on_run_finished(job_run const& /*run*/) {}
    /// A fire not run because the previous run was still active (overlap_policy skip).
    virtual void on_fire_skipped(job_config const& /*config*/, time_point /*fire*/) {}
    /// A missed fire: `caught_up` says whether a misfire run was started for it.
    virtual void on_misfire(job_config const& /*config*/, time_point /*fire*/, bool /*caught_up*/) {
    }
};

/// Where operations run. The default (empty) makes the engine own a pool of `workers` threads;
/// tests pass an executor they drain by hand.
using work_executor = std::function<void(std::function<void()>)>;

/// Engine settings, each with its default and reason.
struct engine_options {
    std::string node_id =
        "local-node";                ///< this process's node; configs run_on another are not run
    std::size_t workers = 4;         ///< operation threads when no executor is given
    work_executor executor;          ///< optional; see work_executor
    std::size_t claim_batch = 2000;  ///< fires claimed per store transaction
    std::chrono::milliseconds max_sleep{60'000};  ///< longest timer wait (re-checks the store)
    std::size_t keep_runs_per_config = 1000;      ///< retention (DESIGN.md §3)
    std::chrono::hours keep_runs_for{24 * 90};    ///< retention (DESIGN.md §3)
    int max_retries = 5;                          ///< transient-error retries per unit of work
    std::chrono::milliseconds retry_base{200};  ///< first backoff; doubles each retry, with jitter
    std::chrono::milliseconds shutdown_grace{10'000};  ///< wait for operations at stop()
    /// A fire claimed more than this after its instant counts as missed (misfire_policy
    /// decides); below it, a busy loop's lateness is not a misfire (Quartz's misfireThreshold).
    std::chrono::milliseconds misfire_threshold{60'000};
    std::chrono::hours prune_every{1};    ///< retention runs at most this often (clock time)
    engine_observer* observer = nullptr;  ///< optional, not owned
};

/// Counters since the engine was built, for /metrics. A snapshot; each field is monotonic
/// except `active`.
struct engine_stats {
    std::uint64_t fires_claimed = 0;  ///< scheduled fires that produced a run
    std::uint64_t fires_skipped = 0;  ///< fires not run because of overlap_policy
    std::uint64_t misfires = 0;       ///< misfire decisions (one per config per catch-up)
    std::uint64_t misfire_runs = 0;   ///< of those, the ones that started a catch-up run
    std::uint64_t runs_started = 0;   ///< runs that reached in_progress
    std::uint64_t runs_completed = 0;
    std::uint64_t runs_failed = 0;
    std::uint64_t runs_aborted = 0;  ///< cancelled, timed out or refused by the handler
    std::uint64_t timeouts = 0;      ///< runs cancelled because they passed their timeout
    std::uint64_t interrupted = 0;   ///< runs failed "interrupted" by recover()
    std::uint64_t pruned = 0;        ///< runs deleted by retention
    std::size_t active = 0;          ///< runs queued for or running on a worker now
    std::size_t waiting = 0;         ///< runs buffered behind an active one (buffer_one)
};

/// The scheduler engine. Thread-safe: the facade may be called from any thread (HTTP sessions)
/// while the loop runs.
class engine {
public:
    engine(store& s, operation_registry& ops, clock& clk, engine_options options = {});
    ~engine();
    engine(engine const&) = delete;
    engine& operator=(engine const&) = delete;

    // ---- configurations (the API's job-configs)
    /// Validates (fields, operation, params), assigns id and timestamps, computes next_run_at,
    /// stores. invalid_argument naming the field; already_exists for a taken name.
    [[nodiscard]] result<job_config> create_config(job_config c);
    [[nodiscard]] result<job_config> get_config(std::string_view id);
    /// Partial update (DESIGN.md §2); a refused patch changes nothing.
    [[nodiscard]] result<job_config> patch_config(std::string_view id, job_config_patch const& p);
    /// Deletes the config; its future goes with it, past runs stay.
    [[nodiscard]] result<void> delete_config(std::string_view id);
    [[nodiscard]] result<page<job_config>> list_configs(config_query const& q);
    /// The next `count` (1..100) fire instants of a stored config, honouring its window.
    [[nodiscard]] result<std::vector<time_point>> next_runs(std::string_view id, std::size_t count);

    // ---- runs (the API's jobs)
    /// Enqueues a run at once (trigger run_now), obeying overlap_policy: a refused run-now is
    /// `aborted` with a message naming the running job. Works on disabled configs.
    [[nodiscard]] result<job_run> run_now(std::string_view config_id);
    [[nodiscard]] result<job_run> get_run(std::string_view id);
    [[nodiscard]] result<page<job_run>> list_runs(run_query const& q);
    /// failed_precondition while the run is scheduled or in progress.
    [[nodiscard]] result<void> delete_run(std::string_view id);
    /// Cancels a scheduled or running run; it ends aborted. failed_precondition when finished.
    [[nodiscard]] result<job_run> cancel_run(std::string_view id);

    // ---- the loop
    /// Crash recovery at start: runs left scheduled/in_progress by a dead process of this node
    /// become failed "interrupted". Call once before the first run_due.
    [[nodiscard]] result<std::int64_t> recover();
    /// One decision step at `now`: applies misfire and overlap policies, claims every due fire
    /// exactly once, dispatches runs, cancels runs past their timeout. Returns fires claimed.
    std::size_t run_due(time_point now);
    /// Same, at clock.now().
    std::size_t run_due();
    /// When run_due should next be called (earliest next fire or timeout), if anything is pending.
    [[nodiscard]] std::optional<time_point> next_wakeup();
    /// Runs currently executing or waiting for a worker.
    [[nodiscard]] std::size_t active_count() const;
    /// Cancels nothing; waits up to `grace` for running operations to finish. True if all did.
    bool drain(std::chrono::milliseconds grace);
    /// Signals every running operation to stop at its next safe point, then drains.
    void stop();

    /// Counters for metrics; cheap, lock-free reads.
    [[nodiscard]] engine_stats stats() const;
    /// Called (from the calling thread) after create/patch/delete/run_now changed what is due,
    /// so a timer-driven loop re-arms (asio_runner installs its notify()). Must not throw and
    /// must not call back into the engine synchronously. Empty: nothing is called.
    void set_wake_hook(std::function<void()> hook);

    [[nodiscard]] std::string const& node_id() const noexcept;
    [[nodiscard]] operation_registry& operations() noexcept;
    [[nodiscard]] scheduler::clock& clock() noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace scheduler
