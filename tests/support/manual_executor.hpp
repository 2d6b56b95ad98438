// SPDX-License-Identifier: Apache-2.0
// File: support/manual_executor.hpp
//
// A work_executor that only queues: the test decides when operations run (run_all / run_one),
// so engine tests are deterministic and single-threaded.
//
//   scheduler::test::manual_executor exec;
//   options.executor = exec.executor();
//   eng.run_due(t);         // claims and queues
//   exec.run_all();         // runs the operations on this thread
#pragma once

#include <scheduler/engine.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace scheduler::test {

/// Queue of tasks drained by hand. Thread-safe; tasks run on the thread that drains.
class manual_executor {
public:
    /// The function to put in engine_options::executor. It shares the queue, so it may outlive
    /// this object harmlessly.
    [[nodiscard]] work_executor executor() const {
        return [q = queue_](std::function<void()> task) {
            std::lock_guard lock(q->mutex);
            q->tasks.push_back(std::move(task));
        };
    }
    /// Runs queued tasks, including ones queued while draining, until none is left.
    /// Returns how many ran.
    std::size_t run_all() {
        std::size_t n = 0;
        while (run_one()) ++n;
        return n;
    }
    /// Runs the oldest task; false when the queue is empty.
    bool run_one() {
        std::function<void()> task;
        {
            std::lock_guard lock(queue_->mutex);
            if (queue_->tasks.empty()) return false;
            task = std::move(queue_->tasks.front());
            queue_->tasks.pop_front();
        }
        task();
        return true;
    }
    [[nodiscard]] std::size_t pending() const {
        std::lock_guard lock(queue_->mutex);
        return queue_->tasks.size();
    }

private:
    struct queue {
        std::mutex mutex;
        std::deque<std::function<void()>> tasks;
    };
    std::shared_ptr<queue> queue_ = std::make_shared<queue>();
};

}  // namespace scheduler::test
