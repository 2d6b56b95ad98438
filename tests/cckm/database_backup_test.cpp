// SPDX-License-Identifier: Apache-2.0
#include <cckm/backup_crypto.hpp>
#include <cckm/operations.hpp>
#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include "support/catch.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
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

    explicit backup_fixture(bool with_keys = true) {
        fs::create_directories(dir);
        store = scheduler::sqlite_store::open((dir / "scheduler.db").string()).value();
        cckm::operation_environment env;
        env.backup_store = [db = store.get()](std::string const& p) { return db->backup_to(p); };
        env.backup_dir = (dir / "backups").string();
        if (with_keys) env.backup_key_dir = (dir / "backup-keys").string();
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

TEST_CASE("database_backup refuses to write plaintext when it has no backup keys",
          "[cckm][backup]") {
    backup_fixture f(false);
    auto run = f.run(f.create(R"({"backupKey":"nightly"})"));
    CHECK(run.status == scheduler::run_status::failed);
    CHECK(run.error.find("backupKey") != std::string::npos);
    CHECK((!fs::exists(f.dir / "backups") || f.backups().empty()));
}

namespace {

std::string head_of(fs::path const& p, std::size_t n) {
    std::ifstream in(p, std::ios::binary);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<long>(n));
    s.resize(static_cast<std::size_t>(in.gcount()));
    return s;
}

}  // namespace

TEST_CASE("database_backup with a backupKey writes only an encrypted copy that decrypts back",
          "[cckm][backup]") {
    backup_fixture f;
    auto id = f.create(R"({"backupKey":"nightly","retentionCount":2})");
    auto run = f.run(id);
    INFO(run.error);
    REQUIRE(run.status == scheduler::run_status::completed);
    auto details = boost::json::parse(run.details);
    CHECK(details.at("encrypted") == true);
    CHECK(details.at("backup_key") == "nightly");
    auto files = f.backups();
    REQUIRE(files.size() == 1);  // no plaintext copy left beside it
    CHECK(files[0].filename().string().ends_with(".db.enc"));
    CHECK(fs::status(files[0]).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(head_of(files[0], 15) != "SQLite format 3");

    auto const key_file = f.dir / "backup-keys" / "nightly.key";
    REQUIRE(fs::exists(key_file));
    CHECK(fs::file_size(key_file) == 32);
    CHECK(fs::status(key_file).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    // A second run reuses the key instead of making a new one.
    auto const key = cckm::load_backup_key((f.dir / "backup-keys").string(), "nightly", false);
    REQUIRE(key);
    REQUIRE(f.run(id).status == scheduler::run_status::completed);
    CHECK(cckm::load_backup_key((f.dir / "backup-keys").string(), "nightly", false)->bytes ==
          key->bytes);

    auto const restored = f.dir / "restored.db";
    REQUIRE(cckm::decrypt_backup(files[0].string(), restored.string(), *key));
    CHECK(head_of(restored, 15) == "SQLite format 3");
    auto copy = scheduler::sqlite_store::open(restored.string()).value();
    CHECK(copy->get_config(id).value().operation == "database_backup");
    CHECK(copy->integrity_check());
}

TEST_CASE("an encrypted backup is refused with another key or a changed byte", "[cckm][backup]") {
    backup_fixture f;
    REQUIRE(f.run(f.create(R"({"backupKey":"nightly"})")).status ==
            scheduler::run_status::completed);
    auto const backup = f.backups().at(0);
    auto const keys = (f.dir / "backup-keys").string();
    auto const out = (f.dir / "out.db").string();

    auto other = cckm::load_backup_key(keys, "other", true).value();
    auto r = cckm::decrypt_backup(backup.string(), out, other);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == scheduler::code::failed_precondition);
    CHECK_FALSE(fs::exists(out));  // nothing half-restored is left behind

    // Same bytes under another name: the name is authenticated too.
    auto renamed = cckm::load_backup_key(keys, "nightly", false).value();
    renamed.name = "renamed";
    CHECK_FALSE(cckm::decrypt_backup(backup.string(), out, renamed));

    {
        std::fstream io(backup, std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(40);
        char c = 0;
        io.seekg(40);
        io.get(c);
        io.seekp(40);
        io.put(static_cast<char>(c ^ 0x01));
    }
    auto const key = cckm::load_backup_key(keys, "nightly", false).value();
    CHECK_FALSE(cckm::decrypt_backup(backup.string(), out, key));
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("backup key names are allow-listed file names", "[cckm][backup]") {
    CHECK(cckm::valid_backup_key_name("nightly-2026_v1.0"));
    for (std::string_view bad : {"", "../etc/passwd", ".hidden", "a/b", "key name", "k\\x"})
        CHECK_FALSE(cckm::valid_backup_key_name(bad));
    CHECK(cckm::valid_backup_key_name(std::string(64, 'k')));
    CHECK_FALSE(cckm::valid_backup_key_name(std::string(65, 'k')));

    backup_fixture f;
    scheduler::job_config c;
    c.name = "escaping backup";
    c.operation = "database_backup";
    c.run_at = "0 1 * * *";
    c.params = R"({"backupKey":"../../outside"})";
    auto refused = f.eng->create_config(c);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().error_code() == scheduler::code::invalid_argument);
    CHECK(refused.error().field().find("backupKey") != std::string::npos);
    CHECK_FALSE(cckm::load_backup_key((f.dir / "keys").string(), "../x", true));
    CHECK_FALSE(fs::exists(f.dir / "x.key"));
}
