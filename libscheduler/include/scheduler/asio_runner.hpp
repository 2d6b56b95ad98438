// SPDX-License-Identifier: Apache-2.0
// File: scheduler/asio_runner.hpp
//
// The opt-in Asio adapter (STYLE.md point 11): drives an engine's decision loop from one
// steady_timer on an executor the embedder owns, normally a strand. After each run_due(now) it
// waits min(next_wakeup - clock.now(), max_sleep); notify() (also called by the engine after a
// config is created, patched, deleted or run now) wakes it at once. No io_context and no thread
// are created here.
//
//   boost::asio::io_context io;
//   scheduler::asio_runner runner{boost::asio::make_strand(io), eng};
//   runner.start();
//   io.run();  // until runner.stop() and the other work end
#pragma once

#include <scheduler/engine.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace scheduler {

/// Runs `engine::run_due` on a timer. Thread safety: start/stop/notify may be called from any
/// thread; the timer and each run_due call live on the executor, which must not run two of the
/// runner's handlers at once (a strand, or an io_context run by one thread). Destroy the runner
/// before the engine.
class asio_runner {
public:
    /// @param executor where the timer and run_due run (normally a strand).
    /// @param eng the engine to drive; must outlive the runner.
    /// @param max_sleep longest wait between two steps, so a store changed by another process
    ///        (or a clock that jumped) is re-read at least this often.
    asio_runner(boost::asio::any_io_executor executor,
                engine& eng,
                std::chrono::milliseconds max_sleep = std::chrono::milliseconds{60'000});
    ~asio_runner();
    asio_runner(asio_runner const&) = delete;
    asio_runner& operator=(asio_runner const&) = delete;

    /// Installs the engine's wake hook and schedules the first step now.
    void start();
    /// Stops the loop: no run_due starts after this returns; removes the wake hook. Running
    /// operations are the engine's business (engine::stop()).
    void stop();
    /// Wakes the loop now (e.g. after configs changed behind the engine's back).
    void notify();
    /// run_due calls made so far (for tests and metrics).
    [[nodiscard]] std::uint64_t steps() const noexcept;

    struct state;

private:
    std::shared_ptr<state> state_;
};

}  // namespace scheduler
