// SPDX-License-Identifier: Apache-2.0
// The bulk job service: validation at submit, per-provider lanes that bound parallel calls,
// one unit of work per key, retries with backoff, cancel and crash recovery.
//
// Why lanes instead of a semaphore: a unit waiting for a slot would hold an executor thread
// while doing nothing; a lane keeps the surplus units in a queue and hands the next one to the
// executor only when a call finishes, so a small pool serves many jobs and no thread blocks on
// another cloud's throttling. Lock order: running::mutex before mutex_, never the other way.
#include <cckm/bulk_jobs.hpp>

#include "key_codec.hpp"
#include "provider_retry.hpp"

#include <scheduler/retry.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <set>
#include <span>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view aws_operations[] = {"enablekey", "disablekey", "cancelkeydeletion",
                                               "applypolicytemplate", "schedulekeydeletion"};
constexpr std::string_view azure_operation = "delete-key-backups";
constexpr int default_deletion_days = 30;

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string join(std::span<std::string_view const> words) {
    std::string out;
    for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
    return out;
}

std::string cloud_of(bulk_job_kind k) {
    switch (k) {
        case bulk_job_kind::aws:
            return "aws";
        case bulk_job_kind::azure:
            return "AzureCloud";
        case bulk_job_kind::sap:
            return "sap";
    }
    return "aws";
}

}  // namespace

std::string status_text(bulk_job_kind k, bulk_job_state s) {
    std::string word;
    switch (s) {
        case bulk_job_state::pending:
            word = "pending";
            break;
        case bulk_job_state::in_progress:
            word = "in_progress";
            break;
        case bulk_job_state::completed:
            word = "completed";
            break;
        case bulk_job_state::failed:
            word = "failed";
            break;
        case bulk_job_state::aborted:
            word = "aborted";
            break;
    }
    // The SAP page shows upper-case states; the AWS and Azure pages lower-case ones.
    return k == bulk_job_kind::sap ? upper(word) : word;
}

result<bulk_job_state> parse_status_text(std::string_view text, std::string_view field) {
    for (auto s : {bulk_job_state::pending, bulk_job_state::in_progress, bulk_job_state::completed,
                   bulk_job_state::failed, bulk_job_state::aborted})
        if (upper(std::string(text)) == status_text(bulk_job_kind::sap, s)) return s;
    return scheduler::invalid_argument(
        std::string(field), "must be one of pending, in_progress, completed, failed, aborted");
}

/// A job while it runs. `spec` never changes after submit, so units read it without a lock.
struct bulk_job_service::running {
    explicit running(bulk_job j) : spec(j), job(std::move(j)), remaining(spec.keys.size()) {}
    bulk_job const spec;
    std::atomic<bool> abort{false};
    std::mutex mutex;  // guards job and remaining
    bulk_job job;
    std::size_t remaining;
};

/// One cloud's calls: at most max_parallel_per_provider in flight, the rest wait in order.
struct bulk_job_service::lane {
    std::size_t in_flight = 0;
    std::deque<std::function<void()>> waiting;
};

bulk_job_service::bulk_job_service(bulk_job_store& jobs,
                                   key_store& inventory,
                                   provider_registry& providers,
                                   scheduler::clock& clock,
                                   bulk_executor executor,
                                   bulk_job_options options)
    : jobs_(jobs),
      inventory_(inventory),
      providers_(providers),
      clock_(clock),
      executor_(std::move(executor)),
      options_(std::move(options)) {
    options_.max_parallel_per_provider =
        std::max<std::size_t>(1, options_.max_parallel_per_provider);
}

bulk_job_service::~bulk_job_service() {
    stop();
}

result<std::int64_t> bulk_job_service::recover() {
    return jobs_.mark_interrupted(clock_.now());
}

result<void> bulk_job_service::check_keys(std::vector<std::string> const& ids,
                                          std::string_view cloud,
                                          std::string_view field) {
    if (ids.empty()) return scheduler::invalid_argument(std::string(field), "no key given");
    if (ids.size() > options_.max_keys)
        return scheduler::invalid_argument(std::string(field),
                                           "at most " + std::to_string(options_.max_keys) +
                                               " keys per job, got " + std::to_string(ids.size()));
    std::set<std::string_view> seen;
    for (auto const& id : ids) {
        if (!seen.insert(id).second)
            return scheduler::invalid_argument(std::string(field), "duplicate key id '" + id + "'");
        auto key = inventory_.get(cloud, id);
        if (!key && key.error().error_code() == code::not_found)
            return scheduler::invalid_argument(
                std::string(field), "unknown " + std::string(cloud) + " key id '" + id + "'");
        if (!key) return key.error();
    }
    return {};
}

result<bulk_job> bulk_job_service::submit(aws_bulk_request const& r, job_creator const& who) {
    if (std::find(std::begin(aws_operations), std::end(aws_operations), r.operation) ==
        std::end(aws_operations))
        return scheduler::invalid_argument("operation", "must be one of " + join(aws_operations));
    bulk_job job;
    job.kind = bulk_job_kind::aws;
    job.operation = r.operation;
    if (r.operation == "schedulekeydeletion") {
        // AWS KMS allows a 7-30 day waiting period and defaults to 30.
        int const days = r.days.value_or(default_deletion_days);
        if (days < 7 || days > 30)
            return scheduler::invalid_argument("days",
                                               "must be 7 to 30, got " + std::to_string(days));
        job.params.days = days;
    }
    if (r.operation == "applypolicytemplate") {
        if (r.policy_template_id.empty())
            return scheduler::invalid_argument("policy_template_id",
                                               "is required for applypolicytemplate");
        job.params.policy_template_id = r.policy_template_id;
    }
    if (auto ok = check_keys(r.keys, "aws", "keys"); !ok) return ok.error();
    job.keys = r.keys;
    job.creator_id = who.id;
    job.creator_name = who.name;
    return start(std::move(job));
}

result<bulk_job> bulk_job_service::submit(azure_bulk_request const& r, job_creator const& who) {
    if (r.operation != azure_operation)
        return scheduler::invalid_argument("operation", "must be " + std::string(azure_operation));
    std::string const block = "delete_key_backups_param";
    int const selectors =
        int(!r.key_id.empty()) + int(r.keys.has_value()) + int(!r.vault_id.empty());
    if (selectors > 1)
        return scheduler::invalid_argument(block,
                                           "key_id, keys and vault_id are mutually exclusive");
    if (r.created_after && r.created_before && *r.created_before <= *r.created_after)
        return scheduler::invalid_argument(block + ".created_before",
                                           "must be after created_after");
    bulk_job job;
    job.kind = bulk_job_kind::azure;
    job.operation = r.operation;
    job.params.backups = r.backups;
    job.params.created_after = r.created_after;
    job.params.created_before = r.created_before;
    job.params.key_id = r.key_id;
    job.params.keys_given = r.keys.has_value();
    job.params.vault_id = r.vault_id;
    if (!r.key_id.empty()) {
        job.keys = {r.key_id};
        if (auto ok = check_keys(job.keys, "AzureCloud", block + ".key_id"); !ok) return ok.error();
    } else if (r.keys) {
        job.keys = *r.keys;
        if (auto ok = check_keys(job.keys, "AzureCloud", block + ".keys"); !ok) return ok.error();
    } else {
        // A vault, or (nothing named) every Azure key CCKM knows.
        key_query q{.cloud = "AzureCloud", .include_gone = false};
        if (!r.vault_id.empty()) q.containers = {r.vault_id};
        auto keys = inventory_.list(q);
        if (!keys) return keys.error();
        if (!r.vault_id.empty() && keys->keys.empty())
            return scheduler::invalid_argument(block + ".vault_id",
                                               "no key of vault '" + r.vault_id + "' is known");
        for (auto const& k : keys->keys) job.keys.push_back(k.id);
    }
    job.creator_id = who.id;
    job.creator_name = who.name;
    return start(std::move(job));
}

result<bulk_job> bulk_job_service::submit(sap_job_request const& r, job_creator const& who) {
    if (r.operation != "delete" && r.operation != "restore")
        return scheduler::invalid_argument("operation", "must be delete or restore");
    if (r.id.empty()) return scheduler::invalid_argument("id", "is required");
    std::vector<std::string> const keys{r.id};
    if (auto ok = check_keys(keys, "sap", "id"); !ok) return ok.error();
    bulk_job job;
    job.kind = bulk_job_kind::sap;
    job.operation = r.operation;
    job.keys = keys;
    job.params.delete_if_backup_fails = r.delete_if_backup_fails;
    job.state = bulk_job_state::pending;
    job.creator_id = who.id;
    job.creator_name = who.name;
    return start(std::move(job));
}

result<bulk_job> bulk_job_service::start(bulk_job job) {
    job.cloud = cloud_of(job.kind);
    if (!providers_.find(job.cloud))
        return status{code::unavailable, "no provider for cloud " + job.cloud};
    if (stopping()) return status{code::unavailable, "the job service is stopping"};
    job.id = new_key_id();
    job.created_at = job.updated_at = clock_.now();
    if (job.keys.empty()) {
        // Nothing matched (an Azure filter): done at once, as a job that found nothing to do.
        job.state = bulk_job_state::completed;
        job.completed_at = job.created_at;
    }
    if (auto ok = jobs_.put(job); !ok) return ok.error();
    if (job.keys.empty()) return job;
    auto run = std::make_shared<running>(job);
    {
        std::lock_guard lock(mutex_);
        active_[job.id] = run;
    }
    for (auto const& key_id : job.keys)
        enqueue(job.cloud, [this, run, key_id] { run_key(run, key_id); });
    return job;
}

bool bulk_job_service::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void bulk_job_service::enqueue(std::string const& cloud, std::function<void()> unit) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        auto& l = lanes_[cloud];
        if (!l) l = std::make_unique<lane>();
        if (l->in_flight >= options_.max_parallel_per_provider) {
            l->waiting.push_back(std::move(unit));
            return;
        }
        ++l->in_flight;
        ++posted_;
    }
    // Outside the lock: an executor may run the task inline.
    dispatch(cloud, std::move(unit));
}

void bulk_job_service::dispatch(std::string const& cloud, std::function<void()> unit) {
    executor_([this, cloud, unit = std::move(unit)] {
        try {
            unit();
        } catch (...) {
            // run_key records failures itself; nothing may escape into the executor.
        }
        on_unit_done(cloud);
    });
}

void bulk_job_service::on_unit_done(std::string const& cloud) {
    std::function<void()> next;
    {
        std::lock_guard lock(mutex_);
        auto& l = *lanes_.find(cloud)->second;
        if (!stopping_ && !l.waiting.empty()) {
            // The slot passes straight to the next unit: in_flight and posted_ stay.
            next = std::move(l.waiting.front());
            l.waiting.pop_front();
        } else {
            --l.in_flight;
            --posted_;
        }
        // Under the lock: once posted_ reaches 0, stop() may return and the service go away,
        // so nothing of it may be touched after the unlock when no unit follows.
        changed_.notify_all();
    }
    if (next) dispatch(cloud, std::move(next));
}

void bulk_job_service::run_key(std::shared_ptr<running> const& run, std::string const& key_id) {
    if (stopping()) return;  // the job stays in progress; the next start marks it interrupted
    if (run->abort.load()) return finish_key(run, key_id, std::nullopt, 0);
    {
        std::lock_guard lock(run->mutex);
        if (run->job.state == bulk_job_state::pending) {
            run->job.state = bulk_job_state::in_progress;
            run->job.updated_at = clock_.now();
            save(run->job);
        }
    }
    std::uint64_t retries = 0;
    std::string outcome;
    auto* provider = providers_.find(run->spec.cloud);
    auto key = inventory_.get(run->spec.cloud, key_id);
    if (!provider)
        outcome = "no provider for cloud " + run->spec.cloud;
    else if (!key)
        outcome = key.error().message();
    else
        outcome = act(run, *provider, *key, retries);
    finish_key(run, key_id, std::move(outcome), retries);
}

void bulk_job_service::finish_key(std::shared_ptr<running> const& run,
                                  std::string const& key_id,
                                  std::optional<std::string> outcome,
                                  std::uint64_t retries) {
    bool done = false;
    {
        std::lock_guard lock(run->mutex);
        auto& j = run->job;
        if (outcome) j.detailed_status[key_id] = std::move(*outcome);
        j.retries += retries;
        j.updated_at = clock_.now();
        done = --run->remaining == 0;
        if (done) {
            auto const failed =
                std::count_if(j.detailed_status.begin(), j.detailed_status.end(),
                              [](auto const& kv) { return kv.second != key_success; });
            // A cancel that skipped keys says so first; the per-key map shows any failure.
            if (j.detailed_status.size() < j.keys.size()) {
                j.state = bulk_job_state::aborted;
                j.error = "cancelled";
            } else if (failed > 0) {
                j.state = bulk_job_state::failed;
                j.error = std::to_string(failed) + " of " + std::to_string(j.keys.size()) +
                          " keys failed";
            } else {
                j.state = bulk_job_state::completed;
            }
            j.completed_at = j.updated_at;
        }
        // Written under the job's lock, so the stored row never goes back to an older state.
        save(j);
    }
    if (done) {
        std::lock_guard lock(mutex_);
        active_.erase(run->spec.id);
    }
    if (done) changed_.notify_all();
}

template <class F>
auto bulk_job_service::with_retry(std::shared_ptr<running> const& run,
                                  std::uint64_t& retries,
                                  F&& fn) -> decltype(fn()) {
    int attempts = 0;
    auto r = detail::retry_provider_call(
        options_.retry.max_retries, attempts,
        [&](int attempt) {
            return backoff(run, scheduler::retry_backoff(options_.retry, attempt));
        },
        std::forward<F>(fn));
    retries += static_cast<std::uint64_t>(attempts - 1);
    return r;
}

// The store already waits out a busy database (busy_timeout), so a failure here is rare and
// a few immediate tries are enough; a job whose end is never written shows in_progress until
// the next start marks it interrupted, which is why the failure is reported, not dropped.
void bulk_job_service::save(bulk_job const& job) {
    for (int attempt = 1;; ++attempt) {
        auto r = jobs_.put(job);
        if (r) return;
        if (attempt >= std::max(1, options_.store_attempts) ||
            r.error().error_code() != code::unavailable) {
            if (options_.on_store_error)
                options_.on_store_error("bulk job " + job.id + ": state '" +
                                        status_text(job.kind, job.state) +
                                        "' not saved: " + r.error().message());
            return;
        }
    }
}

bool bulk_job_service::backoff(std::shared_ptr<running> const& run, std::chrono::microseconds d) {
    // Under a simulated clock the time passes at once (as the simulated provider's latency
    // does), so retry tests never sleep.
    if (!clock_.pass(d)) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, d, [&] { return stopping_ || run->abort.load(); });
    }
    return !stopping() && !run->abort.load();
}

std::string bulk_job_service::act(std::shared_ptr<running> const& run,
                                  cloud_provider& provider,
                                  cloud_key& key,
                                  std::uint64_t& retries) {
    auto const& op = run->spec.operation;
    std::string const native = key.native_id;
    auto call = [&](auto&& fn) -> std::string {
        result<cloud_key> r = with_retry(run, retries, fn);
        if (!r) return r.error().message();
        detail::absorb(key, *r, clock_.now());
        // The cloud changed: the inventory follows, so GET of the key shows it at once.
        if (auto ok = inventory_.put(key); !ok)
            return "done in the cloud, inventory not updated: " + ok.error().message();
        return std::string(key_success);
    };
    if (op == "enablekey") return call([&] { return provider.set_enabled(native, true); });
    if (op == "disablekey") return call([&] { return provider.set_enabled(native, false); });
    if (op == "cancelkeydeletion") return call([&] { return provider.cancel_deletion(native); });
    if (op == "schedulekeydeletion") {
        int const days = run->spec.params.days.value_or(default_deletion_days);
        return call([&] { return provider.schedule_deletion(native, days); });
    }
    if (op == "applypolicytemplate") {
        // No template store yet: the key's policy records which template was applied.
        std::string const policy = boost::json::serialize(
            boost::json::object{{"policy_template_id", run->spec.params.policy_template_id}});
        return call([&] { return provider.apply_policy(native, policy); });
    }
    if (op == "delete")
        return call(
            [&] { return provider.delete_key(native, run->spec.params.delete_if_backup_fails); });
    if (op == "restore") return call([&] { return provider.restore_key(native); });
    if (op == azure_operation) return delete_backups(run, provider, key, retries);
    return "unknown operation " + op;
}

std::string bulk_job_service::delete_backups(std::shared_ptr<running> const& run,
                                             cloud_provider& provider,
                                             cloud_key& key,
                                             std::uint64_t& retries) {
    auto const& p = run->spec.params;
    auto backups = with_retry(run, retries, [&] { return provider.list_backups(key.native_id); });
    if (!backups) return backups.error().message();
    for (auto const& b : *backups) {
        if (!p.backups.empty() &&
            std::find(p.backups.begin(), p.backups.end(), b.id) == p.backups.end())
            continue;
        // The page: after+before is a range; either alone bounds one side (inclusive).
        if (p.created_after && b.created_at < *p.created_after) continue;
        if (p.created_before && b.created_at > *p.created_before) continue;
        auto deleted =
            with_retry(run, retries, [&] { return provider.delete_backup(key.native_id, b.id); });
        if (!deleted) return deleted.error().message();
        std::erase_if(key.backups, [&](key_backup const& kb) { return kb.id == b.id; });
    }
    key.updated_at = clock_.now();
    if (auto ok = inventory_.put(key); !ok)
        return "done in the cloud, inventory not updated: " + ok.error().message();
    return std::string(key_success);
}

result<bulk_job> bulk_job_service::get(bulk_job_kind kind, std::string_view id) {
    auto job = jobs_.get(id);
    if (job && job->kind != kind)
        return scheduler::not_found("job " + std::string(id) + " not found");
    return job;
}

result<bulk_job_page> bulk_job_service::list(bulk_job_query const& q) {
    return jobs_.list(q);
}

result<bulk_job> bulk_job_service::cancel(bulk_job_kind kind, std::string_view id) {
    auto job = get(kind, id);
    if (!job) return job;
    std::shared_ptr<running> run;
    {
        std::lock_guard lock(mutex_);
        if (auto it = active_.find(id); it != active_.end()) run = it->second;
    }
    if (!run) {
        // Finished (or interrupted): only the flag changes, as the AWS page's example shows.
        job->abort = true;
        job->updated_at = clock_.now();
        if (auto ok = jobs_.put(*job); !ok) return ok.error();
        return job;
    }
    run->abort.store(true);
    changed_.notify_all();  // a unit waiting out a backoff stops at once
    std::lock_guard lock(run->mutex);
    run->job.abort = true;
    run->job.updated_at = clock_.now();
    if (auto ok = jobs_.put(run->job); !ok) return ok.error();
    return run->job;
}

result<void> bulk_job_service::remove(bulk_job_kind kind, std::string_view id) {
    auto job = get(kind, id);
    if (!job) return job.error();
    if (!job->finished())
        return status{code::failed_precondition,
                      "job " + std::string(id) + " is still running; cancel it first"};
    return jobs_.remove(id);
}

bool bulk_job_service::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return active_.empty() && posted_ == 0; });
}

void bulk_job_service::stop() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    for (auto& [cloud, l] : lanes_) {
        // Units never handed out give their slots back now; their jobs stay in progress.
        l->waiting.clear();
    }
    changed_.notify_all();
    changed_.wait_for(lock, options_.stop_grace, [&] { return posted_ == 0; });
}

std::size_t bulk_job_service::in_flight(std::string_view cloud) const {
    std::lock_guard lock(mutex_);
    auto it = lanes_.find(cloud);
    return it == lanes_.end() ? 0 : it->second->in_flight;
}

}  // namespace cckm
