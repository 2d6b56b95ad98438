// SPDX-License-Identifier: Apache-2.0
// Bulk and key jobs (seeds/001-003) over simulated clouds: every action, per-key
// detailed_status, partial failures, cancel midway, throttling with retries, the per-provider
// parallelism bound and crash recovery. Units run on a manual executor and a manual clock
// (no sleeping), except the parallelism test, which needs real threads to overlap.
#include <cckm/bulk_jobs.hpp>

#include "provider_fixture.hpp"
#include "support/manual_executor.hpp"
#include "support/thread_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <thread>

using namespace cckm_test;
using cckm::bulk_job_kind;
using cckm::bulk_job_state;
using scheduler::code;

namespace {

cckm::bulk_job_options quick_options() {
    cckm::bulk_job_options o;
    o.stop_grace = std::chrono::milliseconds(20);  // queued units of a manual executor never run
    return o;
}

/// Simulated clouds, an inventory, a job store and the service on a manual executor.
struct bulk_fixture : cloud_fixture {
    scheduler::test::manual_executor exec;
    std::unique_ptr<cckm::bulk_job_store> store = cckm::make_in_memory_bulk_job_store();
    cckm::bulk_job_options options = quick_options();
    std::unique_ptr<cckm::bulk_job_service> svc;

    bulk_fixture() { restart(); }
    void restart() {
        svc.reset();
        svc = std::make_unique<cckm::bulk_job_service>(*store, *inventory, providers, clock,
                                                       exec.executor(), options);
    }
    /// `n` keys of `cloud` in the cloud and the inventory.
    std::vector<cckm::cloud_key> keys(std::string const& cloud, int n) {
        std::vector<cckm::cloud_key> out;
        for (int i = 0; i < n; ++i)
            out.push_back(attach(make_key(cloud, cloud + "-key-" + std::to_string(i))));
        return out;
    }
    cckm::cloud_key cloud_side(cckm::cloud_key const& k) {
        return sim(k.cloud).get_key(k.native_id).value();
    }
    cckm::bulk_job aws(std::string op,
                       std::vector<cckm::cloud_key> const& ks,
                       std::optional<int> days = {},
                       std::string tmpl = {}) {
        cckm::aws_bulk_request r{
            .operation = std::move(op), .days = days, .policy_template_id = std::move(tmpl)};
        for (auto const& k : ks) r.keys.push_back(k.id);
        auto job = svc->submit(r);
        INFO((job ? std::string("ok") : job.error().to_string()));
        REQUIRE(job);
        return *job;
    }
    cckm::bulk_job done(cckm::bulk_job const& j) {
        exec.run_all();
        return svc->get(j.kind, j.id).value();
    }
};

std::vector<std::string> ids(std::vector<cckm::cloud_key> const& ks) {
    std::vector<std::string> out;
    for (auto const& k : ks) out.push_back(k.id);
    return out;
}

}  // namespace

TEST_CASE("an AWS bulk disable runs every key and records Success per key", "[cckm][bulk][aws]") {
    bulk_fixture f;
    auto ks = f.keys("aws", 3);
    auto job = f.aws("disablekey", ks);
    CHECK(job.state == bulk_job_state::in_progress);
    CHECK(cckm::status_text(job.kind, job.state) == "in_progress");
    CHECK(job.keys == ids(ks));
    CHECK_FALSE(job.abort);
    CHECK(job.cloud == "aws");

    auto end = f.done(job);
    CHECK(end.state == bulk_job_state::completed);
    REQUIRE(end.completed_at);
    REQUIRE(end.detailed_status.size() == 3);
    for (auto const& k : ks) {
        CHECK(end.detailed_status.at(k.id) == "Success");
        CHECK(f.cloud_side(k).state == cckm::key_state::disabled);
        CHECK(f.inventory_key(k).state == cckm::key_state::disabled);  // inventory follows
    }
}

TEST_CASE("every AWS bulk action does what its name says", "[cckm][bulk][aws]") {
    bulk_fixture f;
    auto ks = f.keys("aws", 2);

    f.done(f.aws("disablekey", ks));
    CHECK(f.done(f.aws("enablekey", ks)).state == bulk_job_state::completed);
    CHECK(f.cloud_side(ks[0]).state == cckm::key_state::enabled);

    auto const now = f.clock.now();
    auto scheduled = f.done(f.aws("schedulekeydeletion", {ks[0]}));
    CHECK(scheduled.params.days == 30);  // AWS's default
    CHECK(f.cloud_side(ks[0]).state == cckm::key_state::pending_deletion);
    CHECK(f.cloud_side(ks[0]).deletion_date >= now + days(30));
    f.done(f.aws("schedulekeydeletion", {ks[1]}, 7));
    CHECK(f.cloud_side(ks[1]).deletion_date < now + days(8));

    auto cancelled = f.done(f.aws("cancelkeydeletion", ks));
    CHECK(cancelled.state == bulk_job_state::completed);
    CHECK(f.cloud_side(ks[0]).state == cckm::key_state::disabled);  // as AWS does

    auto applied = f.done(f.aws("applypolicytemplate", ks, {}, "tmpl-42"));
    CHECK(applied.state == bulk_job_state::completed);
    CHECK(f.cloud_side(ks[1]).policy.find("tmpl-42") != std::string::npos);
    CHECK(f.inventory_key(ks[1]).policy.find("tmpl-42") != std::string::npos);
}

TEST_CASE("AWS bulk requests are validated before anything is stored", "[cckm][bulk][aws]") {
    bulk_fixture f;
    auto ks = f.keys("aws", 2);
    auto refused = [&](cckm::aws_bulk_request const& r, std::string const& field,
                       std::string const& words) {
        auto job = f.svc->submit(r);
        REQUIRE_FALSE(job);
        CHECK(job.error().error_code() == code::invalid_argument);
        CHECK(job.error().field() == field);
        INFO(job.error().message());
        CHECK(job.error().message().find(words) != std::string::npos);
    };
    refused({.operation = "frobnicate", .keys = ids(ks)}, "operation", "enablekey");
    refused({.operation = "enablekey"}, "keys", "no key");
    refused({.operation = "enablekey", .keys = {ks[0].id, "nope-1"}}, "keys", "nope-1");
    refused({.operation = "enablekey", .keys = {ks[0].id, ks[0].id}}, "keys", "duplicate");
    std::vector<std::string> many(101, ks[0].id);
    refused({.operation = "enablekey", .keys = many}, "keys", "at most 100");
    refused({.operation = "schedulekeydeletion", .keys = ids(ks), .days = 6}, "days", "7 to 30");
    refused({.operation = "schedulekeydeletion", .keys = ids(ks), .days = 31}, "days", "7 to 30");
    refused({.operation = "applypolicytemplate", .keys = ids(ks)}, "policy_template_id",
            "required");
    // An Azure key is not an AWS key.
    auto az = f.keys("AzureCloud", 1);
    refused({.operation = "enablekey", .keys = ids(az)}, "keys", az[0].id);

    CHECK(f.svc->list({.kind = bulk_job_kind::aws}).value().total == 0);
    CHECK(f.exec.pending() == 0);
}

TEST_CASE("a key that fails permanently fails the job; the others still run", "[cckm][bulk][aws]") {
    bulk_fixture f;
    auto ks = f.keys("aws", 3);
    f.sim("aws").configure({.inject = [bad = ks[1].native_id](
                                          std::string_view call,
                                          std::string_view id) -> std::optional<scheduler::status> {
        if (call == "disable_key" && id == bad)
            return scheduler::status{code::failed_precondition, "KMSInvalidStateException"};
        return std::nullopt;
    }});
    auto end = f.done(f.aws("disablekey", ks));
    CHECK(end.state == bulk_job_state::failed);
    CHECK(end.error == "1 of 3 keys failed");
    CHECK(end.detailed_status.at(ks[0].id) == "Success");
    CHECK(end.detailed_status.at(ks[1].id).find("KMSInvalidStateException") != std::string::npos);
    CHECK(end.detailed_status.at(ks[2].id) == "Success");
    CHECK(end.retries == 0);  // permanent: not retried
    CHECK(f.cloud_side(ks[1]).state == cckm::key_state::enabled);
}

namespace {

/// A job store whose writes fail (unavailable, as a locked database) while `failures` > 0.
class flaky_job_store final : public cckm::bulk_job_store {
public:
    explicit flaky_job_store(std::unique_ptr<cckm::bulk_job_store> inner)
        : inner_(std::move(inner)) {}
    std::atomic<int> failures{0};

    scheduler::result<void> put(cckm::bulk_job const& job) override {
        if (failures > 0) {
            --failures;
            return scheduler::status{code::unavailable, "database is locked"};
        }
        return inner_->put(job);
    }
    scheduler::result<cckm::bulk_job> get(std::string_view id) override { return inner_->get(id); }
    scheduler::result<cckm::bulk_job_page> list(cckm::bulk_job_query const& q) override {
        return inner_->list(q);
    }
    scheduler::result<void> remove(std::string_view id) override { return inner_->remove(id); }
    scheduler::result<std::int64_t> mark_interrupted(scheduler::time_point now) override {
        return inner_->mark_interrupted(now);
    }

private:
    std::unique_ptr<cckm::bulk_job_store> inner_;
};

}  // namespace

TEST_CASE("a job's state survives failing store writes, and a lost write is reported",
          "[cckm][bulk][aws]") {
    bulk_fixture f;
    auto owned = std::make_unique<flaky_job_store>(std::move(f.store));
    auto& flaky = *owned;
    f.store = std::move(owned);
    std::vector<std::string> reported;
    f.options.on_store_error = [&](std::string const& what) { reported.push_back(what); };
    f.restart();
    auto ks = f.keys("aws", 2);

    // Two failed writes are retried away: the stored job ends completed, nothing reported.
    auto job = f.aws("disablekey", ks);
    flaky.failures = 2;
    CHECK(f.done(job).state == bulk_job_state::completed);
    CHECK(reported.empty());

    // Writes that keep failing: the keys are still acted on, and every lost write (each
    // key's end) is reported naming the job and the store's error.
    auto lost = f.aws("enablekey", ks);
    flaky.failures = 1000;
    f.exec.run_all();
    flaky.failures = 0;
    CHECK(f.cloud_side(ks[0]).state == cckm::key_state::enabled);
    CHECK(f.svc->get(bulk_job_kind::aws, lost.id)->state == bulk_job_state::in_progress);
    REQUIRE(reported.size() == 2);
    for (auto const& r : reported) {
        CHECK(r.find(lost.id) != std::string::npos);
        CHECK(r.find("database is locked") != std::string::npos);
    }
}

TEST_CASE("cancel stops before the next key", "[cckm][bulk][aws]") {
    bulk_fixture f;
    f.options.max_parallel_per_provider = 1;  // one key at a time: a deterministic midpoint
    f.restart();
    auto ks = f.keys("aws", 5);
    auto job = f.aws("disablekey", ks);
    REQUIRE(f.exec.run_one());
    REQUIRE(f.exec.run_one());
    auto c = f.svc->cancel(bulk_job_kind::aws, job.id);
    REQUIRE(c);
    CHECK(c->abort);
    CHECK(c->state == bulk_job_state::in_progress);
    auto end = f.done(job);
    CHECK(end.state == bulk_job_state::aborted);
    CHECK(end.abort);
    CHECK(end.detailed_status.size() == 2);
    CHECK(f.cloud_side(ks[1]).state == cckm::key_state::disabled);
    CHECK(f.cloud_side(ks[2]).state == cckm::key_state::enabled);
    CHECK(f.cloud_side(ks[4]).state == cckm::key_state::enabled);

    // Cancelling a finished job only sets abort (the AWS page's example).
    auto other = f.done(f.aws("enablekey", {ks[0]}));
    auto again = f.svc->cancel(bulk_job_kind::aws, other.id).value();
    CHECK(again.abort);
    CHECK(again.state == bulk_job_state::completed);
    // And a job of another kind is not found under this one.
    CHECK(f.svc->cancel(bulk_job_kind::azure, other.id).error().error_code() == code::not_found);
}

TEST_CASE("throttled calls are retried with backoff until the bucket allows them",
          "[cckm][bulk][aws][retry]") {
    bulk_fixture f;
    f.options.retry.max_retries = 12;
    f.restart();
    auto ks = f.keys("aws", 6);
    // 10 calls a second, no burst: back-to-back calls are throttled until time passes.
    f.sim("aws").configure({.calls_per_second = 10, .burst = 1});
    auto const calls_before = f.sim("aws").calls();
    auto end = f.done(f.aws("disablekey", ks));
    INFO(end.error);
    CHECK(end.state == bulk_job_state::completed);
    for (auto const& k : ks) CHECK(end.detailed_status.at(k.id) == "Success");
    CHECK(end.retries > 0);
    // Every call beyond one per key was a throttled one, and each of those was retried.
    CHECK(f.sim("aws").calls() - calls_before == ks.size() + end.retries);
}

TEST_CASE("transient errors are retried, permanent ones and exhausted retries reported",
          "[cckm][bulk][retry]") {
    bulk_fixture f;
    f.options.retry.max_retries = 2;
    f.restart();
    auto ks = f.keys("aws", 2);
    int flaky = 0;
    f.sim("aws").configure({.inject = [&](std::string_view call,
                                          std::string_view id) -> std::optional<scheduler::status> {
        if (call != "disable_key") return std::nullopt;
        if (id == ks[0].native_id && flaky++ < 2)
            return scheduler::status{code::unavailable, "503 from KMS"};
        if (id == ks[1].native_id) return scheduler::status{code::unavailable, "503 forever"};
        return std::nullopt;
    }});
    auto end = f.done(f.aws("disablekey", ks));
    CHECK(end.state == bulk_job_state::failed);
    CHECK(end.detailed_status.at(ks[0].id) == "Success");
    CHECK(end.detailed_status.at(ks[1].id).find("503 forever") != std::string::npos);
    CHECK(end.retries == 4);  // 2 for the flaky key, 2 (the limit) for the broken one
}

namespace {

using scheduler_test::thread_pool;

/// An AWS provider that counts how many of its calls overlap.
class counting_provider final : public cckm::cloud_provider {
public:
    counting_provider() : cloud_provider("aws") {}
    std::atomic<int> now_in{0};
    std::atomic<int> most{0};
    std::atomic<int> calls{0};

protected:
    scheduler::result<cckm::key_page> do_list_keys(cckm::key_list_request const&) override {
        return not_supported("list");
    }
    scheduler::result<cckm::cloud_key> do_get_key(std::string_view) override {
        return not_supported("get");
    }
    scheduler::result<cckm::cloud_key> do_create_key(cckm::key_spec const&) override {
        return not_supported("create");
    }
    scheduler::result<cckm::rotation_outcome> do_rotate_key(std::string_view,
                                                            cckm::rotate_request const&) override {
        return not_supported("rotate");
    }
    scheduler::result<cckm::cloud_key> do_set_enabled(std::string_view id, bool on) override {
        int const n = ++now_in;
        int seen = most.load();
        while (n > seen && !most.compare_exchange_weak(seen, n)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a call takes a while
        ++calls;
        --now_in;
        cckm::cloud_key k;
        k.cloud = "aws";
        k.native_id = std::string(id);
        k.state = on ? cckm::key_state::enabled : cckm::key_state::disabled;
        return k;
    }
};

}  // namespace

TEST_CASE("parallel calls per provider never exceed the bound", "[cckm][bulk][parallel]") {
    scheduler::system_clock_source clock;
    auto inventory = cckm::make_in_memory_key_store();
    cckm::provider_registry providers;
    auto owned = std::make_unique<counting_provider>();
    auto& counting = *owned;
    providers.add(std::move(owned)).value();
    auto store = cckm::make_in_memory_bulk_job_store();
    std::vector<std::string> ids_a, ids_b;
    for (int i = 0; i < 60; ++i) {
        cckm::cloud_key k;
        k.id = cckm::new_key_id();
        k.cloud = "aws";
        k.native_id = "native-" + std::to_string(i);
        inventory->put(k).value();
        (i < 30 ? ids_a : ids_b).push_back(k.id);
    }
    thread_pool pool(12);  // more threads than the bound: only the lanes hold calls back
    cckm::bulk_job_options options;
    options.max_parallel_per_provider = 4;
    cckm::bulk_job_service svc(*store, *inventory, providers, clock, pool.executor(), options);
    // Two jobs at once share the provider's bound.
    auto a = svc.submit(cckm::aws_bulk_request{.operation = "disablekey", .keys = ids_a}).value();
    auto b = svc.submit(cckm::aws_bulk_request{.operation = "enablekey", .keys = ids_b}).value();
    REQUIRE(svc.wait_idle(std::chrono::seconds(20)));
    CHECK(counting.calls == 60);
    CHECK(counting.most <= 4);
    CHECK(counting.most >= 2);  // and they did run side by side
    CHECK(svc.get(bulk_job_kind::aws, a.id).value().state == bulk_job_state::completed);
    CHECK(svc.get(bulk_job_kind::aws, b.id).value().state == bulk_job_state::completed);
    CHECK(svc.in_flight("aws") == 0);
}

TEST_CASE("a job running at a restart is failed as interrupted", "[cckm][bulk][recovery]") {
    std::string const path =
        (std::filesystem::temp_directory_path() / ("bulk-jobs-" + cckm::new_key_id() + ".db"))
            .string();
    struct cleanup {
        std::string p;
        ~cleanup() {
            std::error_code ec;
            for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(p + s, ec);
        }
    } guard{path};
    bulk_fixture f;
    auto ks = f.keys("aws", 3);
    std::string id;
    {
        auto store = cckm::open_sqlite_bulk_job_store(path).value();
        cckm::bulk_job_service svc(*store, *f.inventory, f.providers, f.clock, f.exec.executor(),
                                   quick_options());
        auto job = svc.submit(cckm::aws_bulk_request{.operation = "disablekey", .keys = ids(ks)});
        REQUIRE(job);
        id = job->id;
        REQUIRE(f.exec.run_one());  // one key done, then the process "dies"
        svc.stop();
    }
    // What was queued for the dead service stays queued: it never runs.

    auto store = cckm::open_sqlite_bulk_job_store(path).value();
    auto before = store->get(id).value();
    CHECK(before.state == bulk_job_state::in_progress);
    CHECK(before.detailed_status.size() == 1);  // progress was persisted per key
    cckm::bulk_job_service svc(*store, *f.inventory, f.providers, f.clock, f.exec.executor(),
                               quick_options());
    CHECK(svc.recover().value() == 1);
    auto after = svc.get(bulk_job_kind::aws, id).value();
    CHECK(after.state == bulk_job_state::failed);
    CHECK(after.error == "interrupted");
    CHECK(after.completed_at);
    CHECK(after.keys == ids(ks));
    CHECK(svc.recover().value() == 0);
}

TEST_CASE("the SQLite job store lists by kind and status, newest first, paged",
          "[cckm][bulk][store]") {
    auto store = cckm::make_in_memory_bulk_job_store();
    std::string const path =
        (std::filesystem::temp_directory_path() / ("bulk-list-" + cckm::new_key_id() + ".db"))
            .string();
    auto sqlite = cckm::open_sqlite_bulk_job_store(path).value();
    for (auto* s : {store.get(), sqlite.get()}) {
        for (int i = 0; i < 5; ++i) {
            cckm::bulk_job j;
            j.id = "job-" + std::to_string(i);
            j.kind = i == 4 ? bulk_job_kind::sap : bulk_job_kind::aws;
            j.state = i % 2 ? bulk_job_state::completed : bulk_job_state::in_progress;
            j.created_at = at("2026-12-01T00:00:00Z") + std::chrono::minutes(i);
            j.detailed_status["k"] = "Success";
            j.params.created_after = j.created_at;
            s->put(j).value();
        }
        auto all = s->list({.kind = bulk_job_kind::aws}).value();
        CHECK(all.total == 4);
        CHECK(all.jobs.front().id == "job-3");
        auto done = s->list({.kind = bulk_job_kind::aws,
                             .state = bulk_job_state::completed,
                             .newest_first = false,
                             .limit = 1})
                        .value();
        CHECK(done.total == 2);
        REQUIRE(done.jobs.size() == 1);
        CHECK(done.jobs[0].id == "job-1");
        CHECK(done.jobs[0].params.created_after == done.jobs[0].created_at);
        CHECK(done.jobs[0].detailed_status.at("k") == "Success");
        CHECK(s->list({.kind = bulk_job_kind::sap}).value().total == 1);
        CHECK(s->remove("job-0"));
        CHECK(s->get("job-0").error().error_code() == code::not_found);
    }
    sqlite.reset();
    std::error_code ec;
    for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s, ec);
}

namespace {

/// An Azure key with backups taken at the given ages (simulated-cloud state written directly).
cckm::cloud_key azure_key_with_backups(bulk_fixture& f,
                                       std::string const& name,
                                       std::string const& vault,
                                       std::vector<int> ages_in_days) {
    cckm::key_spec spec;
    spec.name = name;
    spec.container = vault;
    auto k = f.make_key("AzureCloud", spec);
    auto state = f.cloud_state->find_native("AzureCloud", k.native_id).value();
    for (int age : ages_in_days)
        state.backups.push_back({cckm::new_key_id(), f.clock.now() - days(age)});
    f.cloud_state->put(state).value();
    state.id = cckm::new_key_id();
    f.inventory->put(state).value();
    return state;
}

}  // namespace

TEST_CASE("Azure delete-key-backups deletes the backups its filters select",
          "[cckm][bulk][azure]") {
    bulk_fixture f;
    auto a = azure_key_with_backups(f, "a", "vault-1", {30, 20, 5});
    auto b = azure_key_with_backups(f, "b", "vault-1", {40});
    auto c = azure_key_with_backups(f, "c", "vault-2", {40});

    SECTION("one key, backups older than a date") {
        auto job =
            f.svc->submit(cckm::azure_bulk_request{.operation = "delete-key-backups",
                                                   .created_before = f.clock.now() - days(10),
                                                   .key_id = a.id});
        REQUIRE(job);
        CHECK(job->cloud == "AzureCloud");
        auto end = f.done(*job);
        CHECK(end.state == bulk_job_state::completed);
        CHECK(end.detailed_status.at(a.id) == "Success");
        auto left = f.sim("AzureCloud").list_backups(a.native_id).value();
        REQUIRE(left.size() == 1);
        CHECK(left[0].created_at == f.clock.now() - days(5));
        CHECK(f.inventory_key(a).backups.size() == 1);
    }
    SECTION("a vault: every key in it, nothing elsewhere") {
        auto job = f.svc->submit(
            cckm::azure_bulk_request{.operation = "delete-key-backups", .vault_id = "vault-1"});
        REQUIRE(job);
        auto end = f.done(*job);
        CHECK(end.detailed_status.size() == 2);
        CHECK(f.sim("AzureCloud").list_backups(a.native_id).value().empty());
        CHECK(f.sim("AzureCloud").list_backups(b.native_id).value().empty());
        CHECK(f.sim("AzureCloud").list_backups(c.native_id).value().size() == 1);
    }
    SECTION("a key list and named backups") {
        auto const keep = f.sim("AzureCloud").list_backups(a.native_id).value();
        auto job = f.svc->submit(cckm::azure_bulk_request{.operation = "delete-key-backups",
                                                          .backups = {keep[0].id},
                                                          .keys = std::vector{a.id, c.id}});
        REQUIRE(job);
        auto end = f.done(*job);
        CHECK(end.state == bulk_job_state::completed);
        CHECK(f.sim("AzureCloud").list_backups(a.native_id).value().size() == 2);
        CHECK(f.sim("AzureCloud").list_backups(c.native_id).value().size() == 1);
    }
    SECTION("selectors are mutually exclusive; the range must be a range; keys must exist") {
        auto r = f.svc->submit(cckm::azure_bulk_request{
            .operation = "delete-key-backups", .key_id = a.id, .vault_id = "vault-1"});
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "delete_key_backups_param");
        r = f.svc->submit(cckm::azure_bulk_request{.operation = "delete-key-backups",
                                                   .created_after = f.clock.now(),
                                                   .created_before = f.clock.now() - days(1)});
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "delete_key_backups_param.created_before");
        r = f.svc->submit(cckm::azure_bulk_request{.operation = "delete-key-backups",
                                                   .keys = std::vector<std::string>{"ghost"}});
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "delete_key_backups_param.keys");
        CHECK(r.error().message().find("ghost") != std::string::npos);
        r = f.svc->submit(cckm::azure_bulk_request{.operation = "delete-backups"});
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "operation");
        CHECK(f.svc->list({.kind = bulk_job_kind::azure}).value().total == 0);
    }
}

TEST_CASE("SAP key jobs delete a key keeping a backup and restore it", "[cckm][bulk][sap]") {
    bulk_fixture f;
    auto k = f.keys("sap", 1)[0];
    auto job = f.svc->submit(cckm::sap_job_request{.id = k.id, .operation = "delete"},
                             {.id = "local|u1", .name = "carol"});
    REQUIRE(job);
    CHECK(cckm::status_text(job->kind, job->state) == "PENDING");
    CHECK(job->creator_name == "carol");
    auto end = f.done(*job);
    CHECK(cckm::status_text(end.kind, end.state) == "COMPLETED");
    // The simulated SAP answers not_found for a deleted key: read its state directly.
    auto gone = f.cloud_state->find_native("sap", k.native_id).value();
    CHECK(gone.state == cckm::key_state::deleted);
    CHECK(gone.backups.size() == 1);
    CHECK(f.inventory_key(k).state == cckm::key_state::deleted);

    auto restored =
        f.done(f.svc->submit(cckm::sap_job_request{.id = k.id, .operation = "restore"}).value());
    CHECK(restored.state == bulk_job_state::completed);
    CHECK(f.cloud_side(k).state == cckm::key_state::enabled);

    // Restoring a live key fails in the cloud: the job says why.
    auto again =
        f.done(f.svc->submit(cckm::sap_job_request{.id = k.id, .operation = "restore"}).value());
    CHECK(cckm::status_text(again.kind, again.state) == "FAILED");
    CHECK_FALSE(again.detailed_status.at(k.id).empty());
    CHECK(again.detailed_status.at(k.id) != "Success");

    auto bad = f.svc->submit(cckm::sap_job_request{.id = k.id, .operation = "rotate"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field() == "operation");
    bad = f.svc->submit(cckm::sap_job_request{.id = "ghost", .operation = "delete"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field() == "id");
    CHECK(f.svc->list({.kind = bulk_job_kind::sap}).value().total == 3);
}

TEST_CASE("a finished job can be removed, a running one cannot", "[cckm][bulk]") {
    bulk_fixture f;
    auto ks = f.keys("aws", 2);
    auto job = f.aws("disablekey", ks);
    CHECK(f.svc->remove(bulk_job_kind::aws, job.id).error().error_code() ==
          code::failed_precondition);
    f.done(job);
    CHECK(f.svc->remove(bulk_job_kind::aws, job.id));
    CHECK(f.svc->get(bulk_job_kind::aws, job.id).error().error_code() == code::not_found);
}
