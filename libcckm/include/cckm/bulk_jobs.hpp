// SPDX-License-Identifier: Apache-2.0
// File: cckm/bulk_jobs.hpp
//
// Bulk and key jobs (seeds/001, 002, 003): one request that acts on many inventory keys of one
// cloud (AWS enable/disable/cancel or schedule deletion/apply a policy template, Azure delete
// key backups, SAP delete or restore one key through its backup). A job is validated and stored
// at submit, then runs in the background: each key is one unit of work, handed to the given
// executor through a per-provider lane that never has more than `max_parallel_per_provider`
// calls in flight. Transient provider errors are retried with backoff and jitter; cancel stops
// before the next key; a job found running at start-up failed with "interrupted".
//
//   auto jobs = cckm::open_sqlite_bulk_job_store("data/scheduler.db").value();
//   cckm::bulk_job_service svc{*jobs, inventory, providers, clock, executor};
//   svc.recover().value();
//   auto job = svc.submit({.operation = "disablekey", .keys = {id1, id2}}).value();
//   svc.get(cckm::bulk_job_kind::aws, job.id);  // overall_status, detailed_status
#pragma once

#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/operation.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

/// Which API a job belongs to: its routes, its resource shape and its status words.
enum class bulk_job_kind { aws, azure, sap };

/// "aws", "azure", "sap".
[[nodiscard]] std::string_view to_string(bulk_job_kind k) noexcept;

/// Lifecycle of a job. `pending` only for SAP jobs before their key starts (the AWS and Azure
/// pages answer a new job with in_progress); `aborted` when cancelled before every key ran.
enum class bulk_job_state { pending, in_progress, completed, failed, aborted };

/// The status word a client sees: AWS/Azure `overall_status` ("in_progress", "completed",
/// "failed", "aborted"), SAP `state` ("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED").
[[nodiscard]] std::string status_text(bulk_job_kind k, bulk_job_state s);
/// The inverse of status_text, in any case; invalid_argument naming `field` otherwise.
[[nodiscard]] scheduler::result<bulk_job_state> parse_status_text(std::string_view text,
                                                                  std::string_view field);

/// The per-key result word of a key that succeeded (seeds: `detailed_status {id: "Success"}`).
inline constexpr std::string_view key_success = "Success";

/// Everything a job's operation needs besides its keys. Fields unused by an operation are
/// left at their defaults.
struct bulk_job_params {
    std::optional<int> days{};         ///< AWS schedulekeydeletion (7-30, default 30)
    std::string policy_template_id{};  ///< AWS applypolicytemplate
    // Azure delete-key-backups (delete_key_backups_param).
    std::vector<std::string> backups{};  ///< only these backup ids (empty = all)
    std::optional<scheduler::time_point> created_after{};
    std::optional<scheduler::time_point> created_before{};
    std::string key_id{};     ///< as sent; the job's keys hold the resolved list
    bool keys_given = false;  ///< `keys` was sent (the list itself is bulk_job::keys)
    std::string vault_id{};
    bool delete_if_backup_fails = false;  ///< SAP delete
};

/// One job. Value type.
struct bulk_job {
    std::string id;  ///< UUID
    bulk_job_kind kind = bulk_job_kind::aws;
    std::string cloud;      ///< "aws", "AzureCloud", "sap"
    std::string operation;  ///< as requested ("disablekey", "delete-key-backups", "restore")
    std::vector<std::string> keys;  ///< inventory ids, in request order
    bulk_job_params params;
    bulk_job_state state = bulk_job_state::in_progress;
    bool abort = false;  ///< cancel was requested
    /// Inventory key id -> "Success" or the failure's message; keys not run are absent.
    std::map<std::string, std::string> detailed_status;
    std::string error;          ///< why the job failed as a whole ("interrupted", ...)
    std::uint64_t retries = 0;  ///< transient provider errors retried, over all keys
    std::string creator_id;     ///< who submitted it (SAP shows it)
    std::string creator_name;
    scheduler::time_point created_at{};
    scheduler::time_point updated_at{};
    std::optional<scheduler::time_point> completed_at;

    /// True once the job reached completed, failed or aborted.
    [[nodiscard]] bool finished() const noexcept {
        return state != bulk_job_state::pending && state != bulk_job_state::in_progress;
    }
};

/// A filtered page of jobs of one kind.
struct bulk_job_query {
    bulk_job_kind kind = bulk_job_kind::aws;
    std::string id{};                       ///< "" = any
    std::optional<bulk_job_state> state{};  ///< the overall_status / state filter
    bool newest_first = true;               ///< order by createdAt (then id)
    std::size_t skip = 0;
    std::size_t limit = 0;  ///< 0 = no limit
};

/// A page of jobs and the total matching.
struct bulk_job_page {
    std::vector<bulk_job> jobs;
    std::size_t total = 0;
};

/// Where jobs are kept. Thread-safe; each call is one transaction.
class bulk_job_store {
public:
    virtual ~bulk_job_store() = default;
    /// Inserts or replaces a job (by id).
    [[nodiscard]] virtual scheduler::result<void> put(bulk_job const& job) = 0;
    /// not_found when absent.
    [[nodiscard]] virtual scheduler::result<bulk_job> get(std::string_view id) = 0;
    [[nodiscard]] virtual scheduler::result<bulk_job_page> list(bulk_job_query const& q) = 0;
    /// not_found when absent.
    [[nodiscard]] virtual scheduler::result<void> remove(std::string_view id) = 0;
    /// Marks every pending or in-progress job failed "interrupted" at `now` (crash recovery);
    /// returns how many.
    [[nodiscard]] virtual scheduler::result<std::int64_t> mark_interrupted(
        scheduler::time_point now) = 0;
};

/// A bulk_job_store in process memory (lost at exit).
[[nodiscard]] std::unique_ptr<bulk_job_store> make_in_memory_bulk_job_store();

/// Opens (creating `cckm_bulk_jobs` when missing) the job store in the SQLite file at `path`,
/// normally the scheduler's database, with a connection of its own. unavailable when the file
/// cannot be opened.
[[nodiscard]] scheduler::result<std::unique_ptr<bulk_job_store>> open_sqlite_bulk_job_store(
    std::string const& path, std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));

/// seeds/001 request: `operation` one of enablekey, disablekey, cancelkeydeletion,
/// applypolicytemplate, schedulekeydeletion.
struct aws_bulk_request {
    std::string operation{};
    std::vector<std::string> keys{};   ///< inventory ids of aws keys, 1..100, no duplicates
    std::optional<int> days{};         ///< schedulekeydeletion only
    std::string policy_template_id{};  ///< required for applypolicytemplate
};

/// seeds/003 request: `operation` "delete-key-backups"; the delete_key_backups_param block.
/// At most one of key_id, keys, vault_id; none means every Azure key of the inventory.
struct azure_bulk_request {
    std::string operation{};
    std::vector<std::string> backups{};
    std::optional<scheduler::time_point> created_after{};
    std::optional<scheduler::time_point> created_before{};
    std::string key_id{};
    std::optional<std::vector<std::string>> keys{};
    std::string vault_id{};
};

/// seeds/002 request: one SAP key (inventory id), `operation` delete or restore.
struct sap_job_request {
    std::string id{};
    std::string operation{};
    bool delete_if_backup_fails = false;
};

/// Who submits a job (recorded, shown by SAP jobs).
struct job_creator {
    std::string id{};
    std::string name{};
};

/// Where units of work run: called with a task to run soon on some thread. Same shape as
/// scheduler::work_executor.
using bulk_executor = std::function<void(std::function<void()>)>;

/// Settings of the job service, each with its default and reason.
struct bulk_job_options {
    /// Provider calls in flight at once per cloud, over all jobs: enough to finish 100 keys
    /// at 20 ms a call well under a second, few enough not to set off a cloud's throttling.
    std::size_t max_parallel_per_provider = 10;
    /// Transient errors (throttled, unavailable) per key: retries, backoff base and cap.
    scheduler::retry_policy retry{.max_retries = 6,
                                  .base = std::chrono::milliseconds(100),
                                  .cap = std::chrono::milliseconds(5000)};
    std::size_t max_keys = 100;  ///< per job (seeds/001)
    /// How long stop() waits for calls in flight before giving up on them.
    std::chrono::milliseconds stop_grace{10'000};
    /// Told when a job's progress or end could not be written to the store (an unavailable
    /// store is tried `store_attempts` times, any other failure once; schedulerd logs it);
    /// the job goes on in memory either way.
    std::function<void(std::string const&)> on_store_error{};
    int store_attempts = 3;
};

/// Submits, runs, lists and cancels jobs. Thread-safe. Must outlive the tasks it hands to the
/// executor: call stop() before the executor stops running tasks.
class bulk_job_service {
public:
    bulk_job_service(bulk_job_store& jobs,
                     key_store& inventory,
                     provider_registry& providers,
                     scheduler::clock& clock,
                     bulk_executor executor,
                     bulk_job_options options = {});
    ~bulk_job_service();
    bulk_job_service(bulk_job_service const&) = delete;
    bulk_job_service& operator=(bulk_job_service const&) = delete;

    /// Crash recovery: jobs left pending/in progress by a dead process become failed
    /// "interrupted". Call once before the first submit.
    [[nodiscard]] scheduler::result<std::int64_t> recover();

    /// Validates (invalid_argument naming the field: operation, keys (with the id), days,
    /// policy_template_id), stores the job in_progress and starts it. unavailable when the
    /// cloud has no provider.
    [[nodiscard]] scheduler::result<bulk_job> submit(aws_bulk_request const& r,
                                                     job_creator const& who = {});
    /// Azure delete-key-backups; the keys are resolved at submit (field names as sent:
    /// delete_key_backups_param.key_id, .keys, .vault_id, .created_before).
    [[nodiscard]] scheduler::result<bulk_job> submit(azure_bulk_request const& r,
                                                     job_creator const& who = {});
    /// SAP delete/restore of one key; the job starts PENDING.
    [[nodiscard]] scheduler::result<bulk_job> submit(sap_job_request const& r,
                                                     job_creator const& who = {});

    /// One job of `kind`; not_found when absent or of another kind.
    [[nodiscard]] scheduler::result<bulk_job> get(bulk_job_kind kind, std::string_view id);
    [[nodiscard]] scheduler::result<bulk_job_page> list(bulk_job_query const& q);
    /// Requests cancel: `abort` becomes true, keys not started are skipped, the job ends
    /// aborted. A finished job only gets abort true (its status stays).
    [[nodiscard]] scheduler::result<bulk_job> cancel(bulk_job_kind kind, std::string_view id);
    /// Deletes a finished job; failed_precondition while it runs.
    [[nodiscard]] scheduler::result<void> remove(bulk_job_kind kind, std::string_view id);

    /// Waits up to `timeout` (real time) until no job runs and no unit is with the executor;
    /// true when so.
    bool wait_idle(std::chrono::milliseconds timeout);
    /// Stops taking work: keys not started are dropped (their jobs stay in progress and are
    /// marked interrupted at the next start), waits for calls in flight. Idempotent.
    void stop();

    /// Provider calls currently in flight for `cloud` (for tests and metrics).
    [[nodiscard]] std::size_t in_flight(std::string_view cloud) const;

private:
    struct running;
    struct lane;
    [[nodiscard]] scheduler::result<bulk_job> start(bulk_job job);
    [[nodiscard]] scheduler::result<void> check_keys(std::vector<std::string> const& ids,
                                                     std::string_view cloud,
                                                     std::string_view field);
    void enqueue(std::string const& cloud, std::function<void()> unit);
    void dispatch(std::string const& cloud, std::function<void()> unit);
    void on_unit_done(std::string const& cloud);
    [[nodiscard]] bool stopping() const;
    void run_key(std::shared_ptr<running> const& job, std::string const& key_id);
    void finish_key(std::shared_ptr<running> const& job,
                    std::string const& key_id,
                    std::optional<std::string> outcome,
                    std::uint64_t retries);
    [[nodiscard]] std::string act(std::shared_ptr<running> const& run,
                                  cloud_provider& provider,
                                  cloud_key& key,
                                  std::uint64_t& retries);
    [[nodiscard]] std::string delete_backups(std::shared_ptr<running> const& run,
                                             cloud_provider& provider,
                                             cloud_key& key,
                                             std::uint64_t& retries);
    template <class F>
    auto with_retry(std::shared_ptr<running> const& run, std::uint64_t& retries, F&& fn)
        -> decltype(fn());
    bool backoff(std::shared_ptr<running> const& run, std::chrono::microseconds d);
    /// Writes a running job's state; retried, then reported through on_store_error.
    void save(bulk_job const& job);

    bulk_job_store& jobs_;
    key_store& inventory_;
    provider_registry& providers_;
    scheduler::clock& clock_;
    bulk_executor executor_;
    bulk_job_options options_;

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable changed_;
    std::map<std::string, std::shared_ptr<running>, std::less<>> active_;
    std::map<std::string, std::unique_ptr<lane>, std::less<>> lanes_;
    std::size_t posted_ = 0;  // units handed to the executor and not yet done (all lanes)
    bool stopping_ = false;
};

}  // namespace cckm
