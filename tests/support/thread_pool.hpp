// SPDX-License-Identifier: Apache-2.0
// File: support/thread_pool.hpp
//
// A plain fixed-size thread pool for tests and benchmarks that need work to overlap for real
// (schedulerd gives the bulk job service an asio::thread_pool; the tests need no Asio). Tasks
// queued before destruction all run; the destructor joins.
//
//   scheduler_test::thread_pool pool{4};
//   cckm::bulk_job_service jobs{store, inventory, providers, clock, pool.executor()};
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scheduler_test {

class thread_pool {
public:
    explicit thread_pool(int n) {
        for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
    }
    ~thread_pool() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
    }
    thread_pool(thread_pool const&) = delete;
    thread_pool& operator=(thread_pool const&) = delete;

    /// Queues a task for the pool (the shape of cckm::bulk_executor).
    std::function<void(std::function<void()>)> executor() {
        return [this](std::function<void()> task) {
            {
                std::lock_guard lock(mutex_);
                tasks_.push_back(std::move(task));
            }
            cv_.notify_one();
        };
    }

private:
    void work() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return done_ || !tasks_.empty(); });
                if (tasks_.empty()) return;
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            task();
        }
    }
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool done_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace scheduler_test
