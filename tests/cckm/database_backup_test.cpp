// SPDX-License-Identifier: Apache-2.0
#include <cckm/operations.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include "support/catch.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct backup_fixture {
    fs::path dir =
        fs::temp_directory_path() / ("cckm-backup-test-" + std::to_string(std::random_device{}()));
    std::unique_ptr<scheduler::sqlite_store> store;
    scheduler::operation_registry ops;
    scheduler::manual_clock clock{scheduler::parse_rfc3339("2026-11-23T10:00:00Z").value()};
    std::unique_ptr<scheduler::engine> eng;

    backup_fixture() {
        fs::create_directories(dir);
        store = scheduler::sqlite_store::open((dir / "scheduler.db").string()).value();
        cckm::operation_environment env;
        env.backup_store = [db = store.get()](std::string const& p) { return db->backup_to(p); };
        env.backup_dir = (dir / "backups").string();
        cckm::register_operations(ops, env).value();
        scheduler::engine_options options;
        options.workers = 1;
        eng = std::make_unique<scheduler::engine>(*store, ops, clock, options);
    }
    ~backup_fixture() {
        eng.reset();
        store.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::string create(std::string params) {
        scheduler::job_config c;
        c.name = "backup " + params;
        c.operation = "database_backup";
        c.run_at = "0 1 * * *";
        c.params = std::move(params);
        return eng->create_config(c).value().id;
    }
    scheduler::job_run run(std::string const& config_id) {
        auto r = eng->run_now(config_id).value();
        REQUIRE(eng->drain(10s));
        clock.advance(1s);  // distinct backup names per run
        return eng->get_run(r.id).value();
    }
    std::vector<fs::path> backups() const {
        std::vector<fs::path> out;
        for (auto const& e : fs::directory_iterator(dir / "backups")) out.push_back(e.path());
        std::sort(out.begin(), out.end());
        return out;
    }
};

}  // namespace

TEST_CASE("database_backup writes a consistent, private copy of the live store", "[cckm][backup]") {
    backup_fixture f;
    auto id = f.create("{}");
    auto run = f.run(id);
    REQUIRE(run.status == scheduler::run_status::completed);
    auto details = boost::json::parse(run.details).as_object();
    auto files = f.backups();
    REQUIRE(files.size() == 1);
    CHECK(files[0].filename().string() == std::string(details.at("backup_id").as_string()));
    CHECK(details.at("size_bytes").as_int64() ==
          static_cast<std::int64_t>(fs::file_size(files[0])));
    CHECK((fs::status(files[0]).permissions() & fs::perms::group_all) == fs::perms::none);

    auto copy = scheduler::sqlite_store::open(files[0].string()).value();
    CHECK(copy->get_config(id).value().name == "backup {}");
    CHECK(copy->integrity_check());
}

TEST_CASE("database_backup keeps only the newest retentionCount backups", "[cckm][backup]") {
    backup_fixture f;
    auto id = f.create(R"({"retentionCount":2})");
    std::vector<std::string> names;
    for (int i = 0; i < 4; ++i) {
        auto run = f.run(id);
        REQUIRE(run.status == scheduler::run_status::completed);
        names.emplace_back(boost::json::parse(run.details).at("backup_id").as_string());
    }
    auto files = f.backups();
    REQUIRE(files.size() == 2);
    CHECK(files[0].filename() == names[2]);
    CHECK(files[1].filename() == names[3]);
}

TEST_CASE("database_backup refuses to write plaintext when a backupKey is given",
          "[cckm][backup]") {
    backup_fixture f;
    auto run = f.run(f.create(R"({"backupKey":"s3cret-key-material"})"));
    CHECK(run.status == scheduler::run_status::failed);
    CHECK(run.error.find("backupKey") != std::string::npos);
    CHECK(run.error.find("s3cret") == std::string::npos);
    CHECK((!fs::exists(f.dir / "backups") || f.backups().empty()));
}
