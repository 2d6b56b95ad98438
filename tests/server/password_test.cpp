// SPDX-License-Identifier: Apache-2.0
#include "password.hpp"

#include "support/catch.hpp"

#include <set>

using schedulerd::hash_password;
using schedulerd::verify_password;

TEST_CASE("password hash verifies the right password only", "[server][password]") {
    auto h = hash_password("correct horse", 1000);
    CHECK(h.starts_with("pbkdf2-sha256$1000$"));
    CHECK(verify_password("correct horse", h));
    CHECK_FALSE(verify_password("correct horsE", h));
    CHECK_FALSE(verify_password("", h));
    CHECK(h.find("correct") == std::string::npos);
}

TEST_CASE("each hash has its own salt", "[server][password]") {
    auto a = hash_password("same", 1000);
    auto b = hash_password("same", 1000);
    CHECK(a != b);
    CHECK(verify_password("same", a));
    CHECK(verify_password("same", b));
}

TEST_CASE("default iteration count is at least 210000", "[server][password]") {
    CHECK(schedulerd::default_pbkdf2_iterations >= 210'000);
    CHECK(hash_password("x").starts_with("pbkdf2-sha256$210000$"));
}

TEST_CASE("malformed stored hashes never verify", "[server][password]") {
    CHECK_FALSE(verify_password("x", ""));
    CHECK_FALSE(verify_password("x", "plain"));
    CHECK_FALSE(verify_password("x", "md5$1$aa$bb"));
    CHECK_FALSE(verify_password("x", "pbkdf2-sha256$0$AAAA$AAAA"));
    CHECK_FALSE(verify_password("x", "pbkdf2-sha256$abc$AAAA$AAAA"));
    CHECK_FALSE(verify_password("x", "pbkdf2-sha256$999999999$AAAA$AAAA"));
    auto h = hash_password("x", 1000);
    CHECK_FALSE(verify_password("x", h.substr(0, h.size() - 2)));
}

TEST_CASE("generated passwords are long and differ", "[server][password]") {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        auto p = schedulerd::generate_password();
        CHECK(p.size() >= 20);
        seen.insert(p);
    }
    CHECK(seen.size() == 20);
}
