// SPDX-License-Identifier: Apache-2.0
// Shared fixtures of the sqlite_store tests: unique temp database paths and fully populated
// configs and runs, so round-trip tests cover every field.
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/job.hpp>
#include <scheduler/job_config.hpp>
#include <scheduler/sqlite_store.hpp>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

namespace store_test {

/// A unique path under the temp directory; the database and its -wal/-shm files are removed
/// when this goes out of scope.
class temp_db_path {
public:
    temp_db_path() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("scheduler-store-test-" + std::to_string(rd()) + "-" + std::to_string(counter++) +
                 ".db");
    }
    ~temp_db_path() {
        std::error_code ec;
        for (char const* suffix : {"", "-wal", "-shm", "-journal"}) {
            std::filesystem::remove(path_.string() + suffix, ec);
        }
    }
    temp_db_path(temp_db_path const&) = delete;
    temp_db_path& operator=(temp_db_path const&) = delete;
    [[nodiscard]] std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

/// Parses an RFC 3339 instant; test input is always valid.
inline scheduler::time_point at(std::string_view text) {
    return scheduler::parse_rfc3339(text).value();
}

inline scheduler::time_point base_time() {
    return at("2026-01-01T00:00:00Z");
}

/// A config with every field set (optionals too), created `minutes` after base_time().
inline scheduler::job_config make_config(std::string const& name, int minutes = 0) {
    using namespace std::chrono_literals;
    scheduler::job_config c;
    c.id = "cfg-" + name;
    c.name = name;
    c.description = "description of " + name;
    c.operation = "cckm_key_rotation";
    c.run_at = "0 1 * * *";
    c.run_on = "any";
    c.time_zone = "Europe/Berlin";
    c.start_date = at("2026-01-01T00:00:00.000001Z");
    c.end_date = at("2027-01-01T00:00:00Z");
    c.params = R"({"cloud_name":"aws","expire_in":"6d"})";
    c.overlap = scheduler::overlap_policy::buffer_one;
    c.misfire = scheduler::misfire_policy::skip;
    c.misfire_grace = scheduler::duration::parse("90m", "misfire_grace").value();
    c.timeout = scheduler::duration::parse("2h", "timeout").value();
    c.jitter = scheduler::duration::parse("30s", "jitter").value();
    c.created_at = base_time() + std::chrono::minutes(minutes);
    c.updated_at = c.created_at + 1s;
    c.next_run_at = at("2026-01-02T00:00:00Z");
    c.last_run_at = at("2026-01-01T00:00:00Z");
    return c;
}

/// A run of `config_id` with every field set, created `minutes` after base_time().
inline scheduler::job_run make_run(std::string const& id,
                                   std::string const& config_id,
                                   scheduler::run_status status,
                                   int minutes = 0) {
    using namespace std::chrono_literals;
    scheduler::job_run r;
    r.id = id;
    r.job_config_id = config_id;
    r.name = "name of " + config_id;
    r.description = "run " + id;
    r.operation = "cckm_key_rotation";
    r.params = R"({"cloud_name":"aws"})";
    r.status = status;
    r.trigger = scheduler::run_trigger::schedule;
    r.processing_node = "node-a";
    r.details = R"({"total_keys":3})";
    r.created_at = base_time() + std::chrono::minutes(minutes);
    r.updated_at = r.created_at + 1s;
    r.enqueued_at = r.created_at;
    if (status != scheduler::run_status::scheduled) r.started_at = r.created_at + 2s;
    if (scheduler::is_terminal(status)) {
        r.completed_at = r.created_at + 3s;
        if (status == scheduler::run_status::failed) r.error = "boom";
    }
    r.scheduled_for = r.created_at;
    return r;
}

/// A fresh in-memory store.
inline std::unique_ptr<scheduler::sqlite_store> memory_store() {
    return scheduler::sqlite_store::open(":memory:").value();
}

}  // namespace store_test
