// SPDX-License-Identifier: Apache-2.0
// Crash consistency against the real binary (issue 7): clients create, patch, delete and
// run configs now while schedulerd is killed with SIGKILL at a random moment, many times over.
// After each kill the database must pass PRAGMA integrity_check, and after each restart:
// every write a client saw acknowledged is there (a deleted config is gone), nothing it did not
// see acknowledged is half there (a config either exists whole or not at all), runs that were
// active at the kill are `failed` with error "interrupted", and no scheduled fire ran twice.
//
// The number of kills is SCHEDULER_CRASH_CYCLES (default 50). Waiting here is the workload's
// own length before the kill (randomized); no assertion depends on timing.
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <scheduler/clock.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using scheduler_test::http_client;
using scheduler_test::server_process;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr char const* configs = "/api/v1/scheduler/job-configs";
constexpr char const* jobs = "/api/v1/scheduler/jobs";

int crash_cycles() {
    if (char const* v = std::getenv("SCHEDULER_CRASH_CYCLES")) return std::max(1, std::atoi(v));
    return 50;
}

/// What the clients know about the configs, across all cycles.
struct ledger {
    std::mutex mutex;
    /// Acknowledged creates: id -> name.
    std::map<std::string, std::string> created;
    /// Names sent in a create whose answer never came (the kill cut it): may or may not exist.
    std::set<std::string> maybe_created;
    /// Acknowledged description per id ("" as created), and descriptions sent without an answer.
    std::map<std::string, std::string> description;
    std::map<std::string, std::set<std::string>> maybe_description;
    std::set<std::string> deleted;        ///< acknowledged deletes
    std::set<std::string> maybe_deleted;  ///< deletes without an answer
    std::set<std::string> run_ids;        ///< acknowledged run-nows

    /// A config id that a client may still act on, or "" when none.
    std::string pick(std::mt19937& rng) {
        std::lock_guard lock(mutex);
        if (created.empty()) return {};
        auto it = created.begin();
        std::advance(it, static_cast<long>(rng() % created.size()));
        if (deleted.contains(it->first) || maybe_deleted.contains(it->first)) return {};
        return it->first;
    }
};

/// One client thread's workload until the server stops answering or `stop` is set.
void client_loop(http_client cli,
                 std::string token,
                 ledger& book,
                 std::string const& prefix,
                 unsigned seed,
                 std::atomic<bool> const& stop) {
    std::mt19937 rng(seed);
    for (int seq = 0; !stop; ++seq) {
        auto const dice = rng() % 100;
        if (dice < 40) {
            auto name = prefix + "-" + std::to_string(seq);
            // Some fire every minute, so scheduled fires happen across kills too.
            json::object body{{"name", name},
                              {"operation", "test_sleep"},
                              {"run_at", dice < 10 ? "* * * * *" : "0 1 * * *"},
                              {"overlap_policy", "allow_all"},
                              {"test_sleep_params", json::object{{"seconds", 0.05}}}};
            {
                std::lock_guard lock(book.mutex);
                book.maybe_created.insert(name);
            }
            auto r = cli.request(http::verb::post, configs, body, token);
            if (r.status == 0) return;  // killed mid-request: the name stays "maybe"
            if (r.status != 201) continue;
            std::lock_guard lock(book.mutex);
            auto id = std::string(r.body.at("id").as_string());
            book.created[id] = name;
            book.description[id] = "";
            book.maybe_created.erase(name);
        } else if (dice < 65) {
            auto id = book.pick(rng);
            if (id.empty()) continue;
            auto text = "d-" + prefix + "-" + std::to_string(seq);
            {
                std::lock_guard lock(book.mutex);
                book.maybe_description[id].insert(text);
            }
            auto r = cli.request(http::verb::patch, std::string(configs) + "/" + id,
                                 json::object{{"description", text}}, token);
            if (r.status == 0) return;
            if (r.status != 200) continue;
            std::lock_guard lock(book.mutex);
            book.description[id] = text;
        } else if (dice < 80) {
            auto id = book.pick(rng);
            if (id.empty()) continue;
            {
                std::lock_guard lock(book.mutex);
                book.maybe_deleted.insert(id);
            }
            auto r =
                cli.request(http::verb::delete_, std::string(configs) + "/" + id, nullptr, token);
            if (r.status == 0) return;
            std::lock_guard lock(book.mutex);
            if (r.status == 204) book.deleted.insert(id);
            if (r.status == 204 || r.status == 404 || r.status == 409) book.maybe_deleted.erase(id);
        } else {
            auto id = book.pick(rng);
            if (id.empty()) continue;
            auto r = cli.request_text(http::verb::post,
                                      std::string(configs) + "/" + id + "/run-now", "", token, "");
            if (r.status == 0) return;
            if (r.status != 201) continue;
            std::lock_guard lock(book.mutex);
            book.run_ids.insert(std::string(r.body.at("id").as_string()));
        }
    }
}

json::array list_all(http_client const& cli, std::string const& token, std::string const& path) {
    auto r = cli.request(http::verb::get, path + "?limit=-1", nullptr, token);
    INFO(r.text);
    REQUIRE(r.status == 200);
    return r.body.at("resources").as_array();
}

}  // namespace

TEST_CASE("e2e: SIGKILL at random moments loses no acknowledged write and leaves nothing half",
          "[e2e][crash]") {
    auto o = scheduler_test::fast_server_options();
    o.tls = false;  // one connection per request: spare the handshakes, the store is the point
    o.extra_args = {"--enable-test-operations"};
    server_process srv(SCHEDULERD_PATH, o);
    ledger book;
    std::mt19937 rng(20261202);
    int const cycles = crash_cycles();
    int checked_interrupted = 0;

    for (int cycle = 0; cycle < cycles; ++cycle) {
        srv.start();
        auto cli = srv.client();
        auto token = cli.login("admin", srv.admin_password());
        auto const restarted_at =
            scheduler::time_point(std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch()));

        // ---- what survived the previous kill
        if (cycle > 0) {
            auto listed = list_all(cli, token, configs);
            std::map<std::string, json::object> present;
            for (auto const& c : listed) {
                auto const& obj = c.as_object();
                present[std::string(obj.at("id").as_string())] = obj;
            }
            std::lock_guard lock(book.mutex);
            for (auto const& [id, name] : book.created) {
                INFO("cycle " << cycle << ", config " << id << " (" << name << ")");
                if (book.deleted.contains(id)) {
                    CHECK_FALSE(present.contains(id));  // an acknowledged delete stays done
                    continue;
                }
                if (book.maybe_deleted.contains(id)) {
                    if (!present.contains(id)) {  // the unanswered delete happened: settle it
                        book.deleted.insert(id);
                    }
                    continue;
                }
                REQUIRE(present.contains(id));  // an acknowledged create is there
                auto const& obj = present.at(id);
                CHECK(obj.at("name").as_string() == name);
                std::string desc(obj.contains("description") ? obj.at("description").as_string()
                                                             : "");
                bool const expected =
                    desc == book.description[id] || book.maybe_description[id].contains(desc);
                CHECK(expected);
                // Settle what the restart shows, so the next cycle compares against it.
                book.description[id] = desc;
                book.maybe_description[id].clear();
            }
            for (auto const& [id, obj] : present) {
                INFO("cycle " << cycle << ", config " << id);
                std::string name(obj.at("name").as_string());
                if (book.created.contains(id)) continue;
                // Not acknowledged: it must be one whose create was cut, and whole.
                REQUIRE(book.maybe_created.contains(name));
                CHECK(obj.at("operation") == "test_sleep");
                CHECK(obj.contains("run_at"));
                book.created[id] = name;
                book.description[id] = "";
                book.maybe_created.erase(name);
            }
            // Unanswered deletes are settled: the absent ones joined `deleted` above, the present
            // ones did not happen and the config may be used again.
            book.maybe_deleted.clear();
            book.maybe_created.clear();  // the rest never reached the store

            // Runs: every acknowledged run-now exists; runs from before the restart are all
            // finished, an interrupted one says so; no config has two runs for one fire.
            auto runs = list_all(cli, token, jobs);
            std::set<std::string> run_present;
            std::set<std::pair<std::string, std::string>> fires;
            for (auto const& r : runs) {
                auto const& obj = r.as_object();
                std::string id(obj.at("id").as_string());
                run_present.insert(id);
                auto created = scheduler::parse_rfc3339(obj.at("createdAt").as_string());
                REQUIRE(created);
                std::string status(obj.at("status").as_string());
                if (*created < restarted_at - 1s) {
                    INFO("run " << id << " " << status);
                    CHECK((status == "completed" || status == "failed" || status == "aborted"));
                    if (status == "failed" && obj.at("error") == "interrupted")
                        ++checked_interrupted;
                }
                if (obj.contains("scheduled_for")) {
                    std::pair<std::string, std::string> fire{
                        std::string(obj.at("job_config_id").as_string()),
                        std::string(obj.at("scheduled_for").as_string())};
                    INFO("fire " << fire.first << " at " << fire.second);
                    CHECK(fires.insert(fire).second);  // exactly once
                }
            }
            for (auto const& id : book.run_ids) {
                INFO("run " << id);
                CHECK(run_present.contains(id));
            }
        }

        // ---- the workload, cut by SIGKILL after a random moment
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (int t = 0; t < 4; ++t) {
            clients.emplace_back(client_loop, cli, token, std::ref(book),
                                 "c" + std::to_string(cycle) + "t" + std::to_string(t),
                                 static_cast<unsigned>(rng()), std::cref(stop));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
        srv.kill();
        stop = true;
        for (auto& c : clients) c.join();

        // ---- the file as the kill left it
        {
            SQLite::Database db(srv.data_dir() + "/scheduler.db", SQLite::OPEN_READWRITE);
            CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
        }
    }
    INFO("interrupted runs seen: " << checked_interrupted << ", configs: " << book.created.size()
                                   << ", deleted: " << book.deleted.size()
                                   << ", runs: " << book.run_ids.size());
    CHECK(book.created.size() > 0);
    srv.start();
    CHECK(srv.stop() == 0);
}
