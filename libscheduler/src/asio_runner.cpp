// SPDX-License-Identifier: Apache-2.0
// asio_runner: one steady_timer re-armed after every decision step. Handlers hold the state by
// shared_ptr, so a wait completing after the runner is gone finds `running` false and returns.
#include <scheduler/asio_runner.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace scheduler {

struct asio_runner::state : std::enable_shared_from_this<asio_runner::state> {
    state(boost::asio::any_io_executor ex, engine& e, std::chrono::milliseconds sleep)
        : executor(std::move(ex)), timer(executor), eng(e), max_sleep(sleep) {}

    /// One decision step, then re-arm. Runs on the executor.
    void step() {
        std::lock_guard lock(mutex);  // stop() waits for a step in progress
        if (!running) return;
        auto const now = eng.clock().now();
        eng.run_due(now);
        ++steps;
        arm(eng.next_wakeup(), now);
    }

    /// Waits until `next` (engine clock), at most max_sleep. Caller holds mutex.
    void arm(std::optional<time_point> next, time_point now) {
        auto wait = std::chrono::duration_cast<std::chrono::microseconds>(max_sleep);
        if (next) wait = std::clamp<std::chrono::microseconds>(*next - now, {}, wait);
        timer.expires_after(wait);  // cancels a wait already pending: at most one at a time
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->step();
        });
    }

    boost::asio::any_io_executor executor;
    boost::asio::steady_timer timer;
    engine& eng;
    std::chrono::milliseconds max_sleep;
    std::mutex mutex;
    bool running = false;  // guarded by mutex
    std::atomic<std::uint64_t> steps{0};
};

asio_runner::asio_runner(boost::asio::any_io_executor executor,
                         engine& eng,
                         std::chrono::milliseconds max_sleep)
    : state_(std::make_shared<state>(std::move(executor), eng, max_sleep)) {}

asio_runner::~asio_runner() {
    stop();
}

void asio_runner::start() {
    {
        std::lock_guard lock(state_->mutex);
        if (state_->running) return;
        state_->running = true;
    }
    std::weak_ptr<state> weak = state_;
    state_->eng.set_wake_hook([weak] {
        if (auto s = weak.lock()) {
            boost::asio::post(s->executor, [s] { s->step(); });
        }
    });
    notify();
}

void asio_runner::stop() {
    {
        std::lock_guard lock(state_->mutex);
        if (!state_->running) return;
        state_->running = false;
    }
    state_->eng.set_wake_hook({});
    // The timer belongs to the executor: cancel it there, not from this thread.
    boost::asio::post(state_->executor, [s = state_] { s->timer.cancel(); });
}

void asio_runner::notify() {
    boost::asio::post(state_->executor, [s = state_] { s->step(); });
}

std::uint64_t asio_runner::steps() const noexcept {
    return state_->steps.load();
}

}  // namespace scheduler
