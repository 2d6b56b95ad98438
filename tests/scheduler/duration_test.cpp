// SPDX-License-Identifier: Apache-2.0
// duration: "<n><unit>" as users write it, echoed back exactly.
#include <scheduler/duration.hpp>

#include "support/catch.hpp"

using namespace std::chrono_literals;
using scheduler::duration;

TEST_CASE("durations parse days, hours, minutes and seconds", "[model]") {
    CHECK(duration::parse("6d", "f").value().value() == 144h);
    CHECK(duration::parse("12h", "f").value().value() == 12h);
    CHECK(duration::parse("30m", "f").value().value() == 30min);
    CHECK(duration::parse("45s", "f").value().value() == 45s);
    CHECK(duration::parse("0s", "f").value().value() == 0s);
    CHECK(duration::parse("9999999999d", "f").value().value() == 9999999999LL * 86400s);
}

TEST_CASE("a duration keeps the text it was written as", "[model]") {
    auto d = duration::parse("0090m", "f").value();
    CHECK(d.text() == "0090m");
    CHECK(d == duration::parse("90m", "f").value());  // equality compares the length only
}

TEST_CASE("malformed durations are refused naming the field", "[model]") {
    for (auto bad : {"", "d", "6", "6x", "-6d", "+6d", "6 d", " 6d", "6d ", "6.5h", "1e3s", "6D",
                     "12345678901d", "6dd"}) {
        INFO("'" << bad << "'");
        auto r = duration::parse(bad, "expire_in");
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == scheduler::code::invalid_argument);
        CHECK(r.error().field() == "expire_in");
    }
}

TEST_CASE("fields accepting only days and hours refuse minutes and seconds", "[model]") {
    CHECK(duration::parse("6d", "expire_in", duration::days_hours));
    CHECK(duration::parse("12h", "expire_in", duration::days_hours));
    for (auto bad : {"30m", "45s"}) {
        auto r = duration::parse(bad, "expire_in", duration::days_hours);
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "expire_in");
        CHECK(r.error().message().find("<n>d|<n>h") != std::string::npos);
    }
}

TEST_CASE("durations built from seconds use the largest exact unit", "[model]") {
    CHECK(duration::from(172800s).text() == "2d");
    CHECK(duration::from(5400s).text() == "90m");
    CHECK(duration::from(7200s).text() == "2h");
    CHECK(duration::from(61s).text() == "61s");
    CHECK(duration::from(0s).text() == "0s");
    CHECK(duration::from(90000s).value() == 90000s);
    CHECK(duration{}.text() == "0s");
}
