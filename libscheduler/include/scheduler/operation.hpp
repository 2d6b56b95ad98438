// SPDX-License-Identifier: Apache-2.0
// File: scheduler/operation.hpp
//
// Operations are what job configurations run: a name, the JSON field their params arrive in
// (e.g. "cckm_key_rotation_params"), a params validator and a handler. The registry maps names
// to operations; the engine refuses configs whose operation is unknown or whose params the
// validator refuses.
//
//   registry.add({.name = "say_hello", .params_field = "say_hello_params",
//                 .validate = [](std::string_view p) -> scheduler::result<std::string> { return
//                 std::string(p); }, .run = [](scheduler::operation_context& ctx) { return
//                 scheduler::operation_result{}; }}).value();
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/job.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace scheduler {

/// Shared cancellation flag: the engine sets it (cancel, timeout, shutdown); operations poll it
/// between units of work. Thread-safe.
class cancellation_token {
public:
    cancellation_token() : state_(std::make_shared<std::atomic<bool>>(false)) {}
    [[nodiscard]] bool cancelled() const noexcept {
        return state_->load(std::memory_order_acquire);
    }
    void cancel() noexcept { state_->store(true, std::memory_order_release); }

private:
    std::shared_ptr<std::atomic<bool>> state_;
};

/// How a unit of work is retried on transient (`unavailable`) errors: exponential backoff from
/// `base`, doubling per retry up to `cap`, with full jitter (scheduler/retry.hpp).
struct retry_policy {
    int max_retries = 5;                    ///< retries after the first attempt
    std::chrono::milliseconds base{200};    ///< first backoff ceiling
    std::chrono::milliseconds cap{30'000};  ///< no single wait is longer than this
};

/// What an operation's handler receives. Valid for the duration of the call only.
/// Thread safety: used by the one worker running the operation.
class operation_context {
public:
    virtual ~operation_context() = default;
    /// The run being executed (status in_progress).
    [[nodiscard]] virtual job_run const& run() const = 0;
    /// The run's params (JSON object text).
    [[nodiscard]] virtual std::string_view params() const = 0;
    /// The engine's clock.
    [[nodiscard]] virtual scheduler::clock& clock() const = 0;
    /// True once the run is cancelled or past its timeout; stop at the next safe point.
    [[nodiscard]] virtual bool cancelled() const = 0;
    /// The deadline from the config's timeout, if any.
    [[nodiscard]] virtual std::optional<time_point> deadline() const = 0;
    /// Persists intermediate details (JSON object text) so progress is visible while running.
    virtual void report_progress(std::string details_json) = 0;
    /// Waits `d` of the engine's clock, or until cancelled (returns false then). Under a
    /// manual_clock this does not block on real time, so retry/backoff tests never sleep.
    virtual bool wait_for(std::chrono::microseconds d) = 0;
    /// The retry settings for transient errors (the engine's max_retries/retry_base).
    [[nodiscard]] virtual retry_policy retry_settings() const { return {}; }
};

/// What a handler returns. `status` must be terminal (completed, failed or aborted).
struct operation_result {
    run_status status = run_status::completed;
    std::string details = "{}";  ///< operation-specific details (JSON object text)
    std::string error;           ///< short message when failed/aborted
};

/// Validates a params block (JSON object text) and returns it normalized. Errors name the field
/// with its block prefix ("cckm_key_rotation_params.expire_in").
using params_validator = std::function<result<std::string>(std::string_view params_json)>;
/// Runs one job. May throw: the engine turns an exception into a failed run.
using operation_handler = std::function<operation_result(operation_context& ctx)>;

/// One registered operation.
struct operation_info {
    std::string name;           ///< e.g. "cckm_key_rotation"
    std::string params_field;   ///< e.g. "cckm_key_rotation_params"
    params_validator validate;  ///< empty: any JSON object is accepted
    operation_handler run;
};

/// Name -> operation. Thread-safe: lookups may run while another thread registers.
class operation_registry {
public:
    /// already_exists when the name is taken; invalid_argument when name or handler is empty.
    [[nodiscard]] result<void> add(operation_info op);
    /// The operation, or nullptr.
    [[nodiscard]] std::shared_ptr<operation_info const> find(std::string_view name) const;
    /// Registered names, sorted.
    [[nodiscard]] std::vector<std::string> names() const;
    /// The operation whose params_field is `field`, or nullptr.
    [[nodiscard]] std::shared_ptr<operation_info const> find_by_params_field(
        std::string_view field) const;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<operation_info const>, std::less<>> ops_;
};

}  // namespace scheduler
