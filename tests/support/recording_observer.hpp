// SPDX-License-Identifier: Apache-2.0
// File: support/recording_observer.hpp
//
// An engine_observer that records every event, for assertions. Thread-safe: workers and the
// loop call it concurrently; tests read copies.
//
//   scheduler::test::recording_observer obs;
//   options.observer = &obs;
//   ... eng.run_due(t); executor.run_all();
//   CHECK(obs.started().size() == 1);
#pragma once

#include <scheduler/engine.hpp>

#include <mutex>
#include <utility>
#include <vector>

namespace scheduler::test {

/// Records engine events in arrival order.
class recording_observer final : public engine_observer {
public:
    /// One on_misfire call.
    struct misfire {
        std::string config_id;
        time_point fire;
        bool caught_up = false;
    };

    void on_run_started(job_run const& run) override { add(started_, run); }
    void on_run_finished(job_run const& run) override { add(finished_, run); }
    void on_fire_skipped(job_config const& config, time_point fire) override {
        add(skipped_, std::pair{config.id, fire});
    }
    void on_misfire(job_config const& config, time_point fire, bool caught_up) override {
        add(misfires_, misfire{config.id, fire, caught_up});
    }

    [[nodiscard]] std::vector<job_run> started() const { return get(started_); }
    [[nodiscard]] std::vector<job_run> finished() const { return get(finished_); }
    [[nodiscard]] std::vector<std::pair<std::string, time_point>> skipped() const {
        return get(skipped_);
    }
    [[nodiscard]] std::vector<misfire> misfires() const { return get(misfires_); }
    void clear() {
        std::lock_guard lock(mutex_);
        started_.clear();
        finished_.clear();
        skipped_.clear();
        misfires_.clear();
    }

private:
    template <class T>
    void add(std::vector<T>& to, T value) {
        std::lock_guard lock(mutex_);
        to.push_back(std::move(value));
    }
    template <class T>
    std::vector<T> get(std::vector<T> const& from) const {
        std::lock_guard lock(mutex_);
        return from;
    }

    mutable std::mutex mutex_;
    std::vector<job_run> started_;
    std::vector<job_run> finished_;
    std::vector<std::pair<std::string, time_point>> skipped_;
    std::vector<misfire> misfires_;
};

}  // namespace scheduler::test
