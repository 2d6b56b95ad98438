// SPDX-License-Identifier: Apache-2.0
// job_config validation (DESIGN.md §2): every failure names its field; policy names.
#include <scheduler/job_config.hpp>

#include "support/catch.hpp"

using namespace std::chrono_literals;
using scheduler::job_config;

namespace {

job_config valid_config() {
    job_config c;
    c.name = "rotate aws keys";
    c.operation = "cckm_key_rotation";
    c.run_at = "0 1 * * *";
    c.params = R"({"cloud_name":"aws"})";
    return c;
}

/// Validates `c` and expects invalid_argument naming `field`.
void expect_invalid(job_config const& c, std::string const& field) {
    auto r = scheduler::validate(c);
    INFO("expected a failure on " << field);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == scheduler::code::invalid_argument);
    CHECK(r.error().field() == field);
}

}  // namespace

TEST_CASE("a complete config validates", "[model]") {
    CHECK(scheduler::validate(valid_config()));
    auto c = valid_config();
    c.time_zone = "America/New_York";
    c.start_date = scheduler::parse_rfc3339("2026-01-01T00:00:00Z").value();
    c.end_date = *c.start_date + 1us;
    c.run_on = "node-7";
    c.params = "{}";
    c.description = std::string(scheduler::max_description_length, 'd');
    CHECK(scheduler::validate(c));
}

TEST_CASE("name is 1 to 256 characters", "[model]") {
    auto c = valid_config();
    c.name = "";
    expect_invalid(c, "name");
    c.name = std::string(256, 'n');
    CHECK(scheduler::validate(c));
    c.name = std::string(257, 'n');
    expect_invalid(c, "name");
    // Characters, not bytes: 256 two-byte characters are fine.
    c.name.clear();
    for (int i = 0; i < 256; ++i) c.name += "\xC3\xA9";  // é
    CHECK(scheduler::validate(c));
}

TEST_CASE("description is at most 4096 characters", "[model]") {
    auto c = valid_config();
    c.description = std::string(scheduler::max_description_length + 1, 'd');
    expect_invalid(c, "description");
}

TEST_CASE("operation and run_on must not be empty", "[model]") {
    auto c = valid_config();
    c.operation = "";
    expect_invalid(c, "operation");
    c = valid_config();
    c.run_on = "";
    expect_invalid(c, "run_on");
}

TEST_CASE("run_at must be a cron expression that can fire", "[model]") {
    for (auto bad : {"", "61 * * * *", "not cron", "0 0 30 2 *", "* * * *"}) {
        auto c = valid_config();
        c.run_at = bad;
        INFO("'" << bad << "'");
        expect_invalid(c, "run_at");
    }
    auto c = valid_config();
    c.run_at = "@hourly";
    CHECK(scheduler::validate(c));
}

TEST_CASE("time_zone must be an IANA zone", "[model]") {
    for (auto bad : {"", "Mars/Olympus", "utc+1"}) {
        auto c = valid_config();
        c.time_zone = bad;
        INFO("'" << bad << "'");
        expect_invalid(c, "time_zone");
    }
}

TEST_CASE("end_date must be after start_date", "[model]") {
    auto c = valid_config();
    c.start_date = scheduler::parse_rfc3339("2026-06-01T00:00:00Z").value();
    c.end_date = c.start_date;
    expect_invalid(c, "end_date");
    c.end_date = *c.start_date - 1h;
    expect_invalid(c, "end_date");
    // Either date alone is fine.
    c.start_date.reset();
    CHECK(scheduler::validate(c));
}

TEST_CASE("params must be a JSON object within the size limit", "[model]") {
    for (auto bad : {"", "[]", "\"text\"", "42", "null", "{", R"({"a":1,})", "{} {}"}) {
        auto c = valid_config();
        c.params = bad;
        INFO("'" << bad << "'");
        expect_invalid(c, "params");
    }
    auto c = valid_config();
    std::string const filler(scheduler::max_params_bytes, 'x');
    c.params = R"({"x":")" + filler + R"("})";
    expect_invalid(c, "params");
    c.params = R"({"x":")" + filler.substr(0, scheduler::max_params_bytes - 8) + R"("})";
    CHECK(c.params.size() == scheduler::max_params_bytes);
    CHECK(scheduler::validate(c));
}

TEST_CASE("the first failing field is reported", "[model]") {
    auto c = valid_config();
    c.name = "";
    c.params = "[]";
    expect_invalid(c, "name");
}

TEST_CASE("policy names round-trip and unknown names name the field", "[model]") {
    using scheduler::misfire_policy;
    using scheduler::overlap_policy;
    for (auto p : {overlap_policy::skip, overlap_policy::buffer_one, overlap_policy::cancel_other,
                   overlap_policy::allow_all}) {
        CHECK(scheduler::parse_overlap_policy(scheduler::to_string(p)).value() == p);
    }
    for (auto p : {misfire_policy::run_once, misfire_policy::skip}) {
        CHECK(scheduler::parse_misfire_policy(scheduler::to_string(p)).value() == p);
    }
    CHECK(scheduler::to_string(overlap_policy::cancel_other) == "cancel_other");
    CHECK(scheduler::to_string(misfire_policy::run_once) == "run_once");
    auto o = scheduler::parse_overlap_policy("BufferOne");
    REQUIRE_FALSE(o);
    CHECK(o.error().field() == "overlap_policy");
    auto m = scheduler::parse_misfire_policy("", "misfire");
    REQUIRE_FALSE(m);
    CHECK(m.error().field() == "misfire");
}
