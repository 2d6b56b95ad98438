// SPDX-License-Identifier: Apache-2.0
// user_password_expiry_notification over a manual clock: who is in the policy window, the
// params overriding the policy, the built-in file notifier (JSON lines, 0600), failing and
// throwing notifiers reported per user, transient failures retried, cancellation.
#include <cckm/notifier.hpp>
#include <cckm/operations.hpp>

#include "provider_fixture.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

using namespace cckm_test;
using scheduler::code;
using scheduler::run_status;
namespace fs = std::filesystem;

namespace {

constexpr char const* op = "user_password_expiry_notification";

// Records notices; fails or throws for chosen users.
class recording_notifier final : public cckm::notifier {
public:
    std::vector<cckm::password_expiry_notice> sent;
    std::map<std::string, scheduler::status> fail_for;  // username -> permanent failure
    std::map<std::string, int> transient_failures;      // username -> failures left
    std::string throw_for;

protected:
    scheduler::result<void> do_notify(cckm::password_expiry_notice const& n) override {
        if (n.username == throw_for) throw std::runtime_error("smtp client bug");
        if (auto it = fail_for.find(n.username); it != fail_for.end()) return it->second;
        if (auto it = transient_failures.find(n.username);
            it != transient_failures.end() && it->second > 0) {
            --it->second;
            return scheduler::status{code::unavailable, "mail relay busy"};
        }
        sent.push_back(n);
        return {};
    }
};

struct expiry_fixture {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    std::vector<cckm::password_user> users;
    recording_notifier notifier;
    std::unique_ptr<scheduler::operation_registry> ops;
    bool source_fails = false;

    expiry_fixture() { register_with(notifier); }

    void register_with(cckm::notifier& n) {
        ops = std::make_unique<scheduler::operation_registry>();
        cckm::operation_environment env;
        env.password_users = [this]() -> scheduler::result<std::vector<cckm::password_user>> {
            if (source_fails) return scheduler::status{code::unavailable, "auth.db is locked"};
            return users;
        };
        env.password_notifier = &n;
        env.password_policy = {days(90), days(14)};
        cckm::register_operations(*ops, env).value();
    }

    // A user whose password was set `age` ago.
    void add(std::string const& name, std::chrono::hours age) {
        users.push_back({"id-" + name, name, clock.now() - age});
    }

    scheduler::operation_result run(test_context& ctx) { return ops->find(op)->run(ctx); }
    scheduler::operation_result run(std::string params = "{}") {
        test_context ctx(clock, std::move(params), "config-1");
        return run(ctx);
    }
};

boost::json::object user_entry(boost::json::object const& d, std::string const& name) {
    for (auto const& u : d.at("users").as_array())
        if (u.at("username").as_string() == name) return u.as_object();
    FAIL("no details entry for user " << name);
    return {};
}

bool listed(boost::json::object const& d, std::string const& name) {
    for (auto const& u : d.at("users").as_array())
        if (u.at("username").as_string() == name) return true;
    return false;
}

struct temp_dir {
    fs::path path =
        fs::temp_directory_path() / ("cckm-notify-test-" + std::to_string(std::random_device{}()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::vector<boost::json::object> read_lines(fs::path const& p) {
    std::ifstream in(p);
    std::vector<boost::json::object> out;
    for (std::string line; std::getline(in, line);)
        out.push_back(boost::json::parse(line).as_object());
    return out;
}

}  // namespace

TEST_CASE("users whose password expires within the window are notified, others not",
          "[cckm][password]") {
    expiry_fixture f;
    f.add("expired", days(100));  // expired 10 days ago: still reminded
    f.add("soon", days(80));      // expires in 10 days
    f.add("boundary", days(76));  // expires in exactly 14 days
    f.add("later", days(70));     // expires in 20 days
    f.add("fresh", days(0));

    auto r = f.run();
    INFO(r.details);
    CHECK(r.status == run_status::completed);
    auto d = details(r);
    CHECK(count(d, "total_users") == 5);
    CHECK(count(d, "num_notified") == 3);
    CHECK(count(d, "num_skipped") == 2);
    CHECK(count(d, "num_failed") == 0);
    CHECK(user_entry(d, "soon").at("result") == "notified");
    CHECK(user_entry(d, "soon").at("id") == "id-soon");
    CHECK(user_entry(d, "soon").at("expires_at") == "2026-12-11T00:00:00Z");
    CHECK(user_entry(d, "boundary").at("result") == "notified");
    CHECK_FALSE(listed(d, "later"));
    CHECK_FALSE(listed(d, "fresh"));

    REQUIRE(f.notifier.sent.size() == 3);
    auto const& expired = f.notifier.sent[0];
    CHECK(expired.username == "expired");
    CHECK(expired.expired);
    CHECK(expired.expires_at == f.clock.now() - days(10));
    CHECK(expired.run_id == "run-1");
    CHECK(expired.job_config_id == "config-1");
    CHECK_FALSE(f.notifier.sent[1].expired);
}

TEST_CASE("the params override the policy's max age and window", "[cckm][password]") {
    expiry_fixture f;
    f.add("a", days(25));  // with a 30-day max age: expires in 5 days
    f.add("b", days(28));  // expires in 2 days
    f.add("c", days(40));  // with the default 90 days: far from expiring
    auto d = details(f.run(R"({"password_max_age":"30d","notify_before":"72h"})"));
    CHECK(count(d, "num_notified") == 2);  // b and c
    CHECK(listed(d, "b"));
    CHECK(listed(d, "c"));
    CHECK_FALSE(listed(d, "a"));
}

TEST_CASE("the file notifier appends one JSON line per notice to a 0600 file",
          "[cckm][password][notifier]") {
    temp_dir dir;
    auto const path = dir.path / "notifications.jsonl";
    expiry_fixture f;
    auto file = cckm::make_file_notifier(path.string(), f.clock);
    f.register_with(*file);
    f.add("alice", days(85));
    f.add("bob", days(95));
    f.add("carol", days(1));

    auto r = f.run();
    CHECK(r.status == run_status::completed);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("type") == "password_expiry");
    CHECK(lines[0].at("username") == "alice");
    CHECK(lines[0].at("user_id") == "id-alice");
    CHECK(lines[0].at("expires_at") == "2026-12-06T00:00:00Z");
    CHECK(lines[0].at("expired") == false);
    CHECK(lines[0].at("sent_at") == "2026-12-01T00:00:00Z");
    CHECK(lines[1].at("username") == "bob");
    CHECK(lines[1].at("expired") == true);
    for (auto const& l : lines) CHECK_FALSE(l.contains("password"));

    // A second run appends; a file someone widened is narrowed back to the owner.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    f.clock.advance(days(1));
    CHECK(f.run().status == run_status::completed);
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    lines = read_lines(path);
    REQUIRE(lines.size() == 4);
    CHECK(lines[3].at("sent_at") == "2026-12-02T00:00:00Z");
}

TEST_CASE("a file notifier that cannot write fails each user with the reason",
          "[cckm][password][notifier]") {
    temp_dir dir;
    expiry_fixture f;
    auto file = cckm::make_file_notifier((dir.path / "missing" / "n.jsonl").string(), f.clock);
    f.register_with(*file);
    f.add("alice", days(85));
    auto r = f.run();
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "1 of 1 users could not be notified");
    auto e = user_entry(details(r), "alice");
    CHECK(e.at("result") == "failed");
    CHECK(
        e.at("message").as_string().starts_with("failed_precondition: file notifier: cannot "
                                                "open"));
}

TEST_CASE("a failing notifier is reported per user; transient failures are retried",
          "[cckm][password][failures]") {
    expiry_fixture f;
    f.add("ann", days(85));
    f.add("bob", days(85));
    f.add("cid", days(85));
    f.add("dee", days(85));
    f.notifier.fail_for["bob"] = scheduler::status{code::invalid_argument, "no e-mail address"};
    f.notifier.transient_failures["cid"] = 2;
    f.notifier.throw_for = "dee";
    test_context ctx(f.clock, "{}", "config-1");

    auto r = f.run(ctx);
    INFO(r.details);
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "2 of 4 users could not be notified");
    auto d = details(r);
    CHECK(count(d, "num_notified") == 2);
    CHECK(count(d, "num_failed") == 2);
    CHECK(user_entry(d, "ann").at("result") == "notified");
    CHECK(user_entry(d, "bob").at("message") == "invalid_argument: no e-mail address");
    CHECK_FALSE(user_entry(d, "bob").contains("attempts"));
    CHECK(user_entry(d, "cid").at("result") == "notified");
    CHECK(user_entry(d, "cid").at("attempts") == 3);
    CHECK(user_entry(d, "dee").at("message") == "internal: notifier threw: smtp client bug");
    CHECK(ctx.waited > std::chrono::microseconds{0});
    CHECK(ctx.progress.size() == 4);
}

TEST_CASE("password expiry: cancelling midway stops between users", "[cckm][password][cancel]") {
    expiry_fixture f;
    for (int i = 0; i < 5; ++i) f.add("u" + std::to_string(i), days(85));
    test_context ctx(f.clock, "{}", "config-1");
    ctx.cancel_when = [&] { return f.notifier.sent.size() >= 2; };
    auto r = f.run(ctx);
    CHECK(r.status == run_status::aborted);
    CHECK(r.error == "cancelled after 2 of 5 users to notify");
    auto d = details(r);
    CHECK(count(d, "num_notified") == 2);
    CHECK(count(d, "num_not_started") == 3);
    CHECK(user_entry(d, "u2").at("result") == "not_started");
    CHECK(f.notifier.sent.size() == 2);
}

TEST_CASE("password expiry: a failing user source or a missing notifier fails the run",
          "[cckm][password]") {
    expiry_fixture f;
    f.source_fails = true;
    auto r = f.run();
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "user_password_expiry_notification: unavailable: auth.db is locked");

    scheduler::operation_registry bare;
    cckm::register_operations(bare).value();
    test_context ctx(f.clock, "{}", "config-1");
    CHECK(bare.find(op)->run(ctx).error ==
          "user_password_expiry_notification: this process has no user source or notifier");
}
