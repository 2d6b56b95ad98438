// SPDX-License-Identifier: Apache-2.0
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include "support/catch.hpp"

#include <cstdint>

using namespace std::chrono_literals;
using scheduler::format_rfc3339;
using scheduler::parse_rfc3339;

TEST_CASE("RFC 3339 round-trips in UTC with microseconds", "[clock]") {
    auto t = parse_rfc3339("2020-07-14T11:19:49.821134916Z").value();
    CHECK(format_rfc3339(t) == "2020-07-14T11:19:49.821134Z");
    CHECK(format_rfc3339(t, false) == "2020-07-14T11:19:49Z");
}

TEST_CASE("RFC 3339 formatting round-trips every field, padding included", "[clock]") {
    CHECK(format_rfc3339(parse_rfc3339("0001-01-01T00:00:00.000001Z").value()) ==
          "0001-01-01T00:00:00.000001Z");
    CHECK(format_rfc3339(parse_rfc3339("9999-12-31T23:59:59.999999Z").value()) ==
          "9999-12-31T23:59:59.999999Z");
    CHECK(format_rfc3339(parse_rfc3339("2024-02-29T07:08:09Z").value(), false) ==
          "2024-02-29T07:08:09Z");
    // Many instants across the years: format then parse gives the instant back, to the µs.
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        auto us = static_cast<std::int64_t>(x % 253'402'300'800'000'000ull);  // up to 9999
        scheduler::time_point t{std::chrono::microseconds(us)};
        auto text = format_rfc3339(t);
        INFO(text);
        REQUIRE(text.size() == 27);
        REQUIRE(parse_rfc3339(text).value() == t);
    }
}

TEST_CASE("RFC 3339 offsets are converted to UTC", "[clock]") {
    CHECK(parse_rfc3339("2026-03-29T03:30:00+02:00").value() ==
          parse_rfc3339("2026-03-29T01:30:00Z").value());
    CHECK(parse_rfc3339("2026-01-01T00:00:00-05:30").value() ==
          parse_rfc3339("2026-01-01T05:30:00z").value());
}

TEST_CASE("RFC 3339 refuses malformed times and names the field", "[clock]") {
    for (auto bad : {"", "2026-02-30T00:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T24:00:00Z",
                     "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0100",
                     "2026-01-01T00:00:60Z", "2026-01-01T00:00:00Zjunk"}) {
        auto r = parse_rfc3339(bad, "start_date");
        INFO(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == scheduler::code::invalid_argument);
        CHECK(r.error().field() == "start_date");
    }
}

TEST_CASE("manual_clock moves only when told", "[clock]") {
    scheduler::manual_clock clk{parse_rfc3339("2026-01-01T00:00:00Z").value()};
    auto t0 = clk.now();
    clk.advance(90s);
    CHECK(clk.now() - t0 == 90s);
    clk.set(t0 - 1h);
    CHECK(clk.now() == t0 - 1h);
}

TEST_CASE("result::value() throws scheduler::error carrying the status", "[errors]") {
    scheduler::result<int> r = scheduler::invalid_argument("run_at", "bad");
    try {
        (void)r.value();
        FAIL("value() did not throw");
    } catch (scheduler::error const& e) {
        CHECK(e.get_status().field() == "run_at");
        CHECK(std::string(e.what()) == "invalid_argument: run_at: bad");
    }
    std::error_code ec = scheduler::code::not_found;
    CHECK(ec.category().name() == std::string("scheduler"));
    CHECK(ec.message() == "not_found");
}
