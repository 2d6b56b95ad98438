// SPDX-License-Identifier: Apache-2.0
#include "support/catch.hpp"

#include <scheduler/operation.hpp>

#include <thread>

using namespace scheduler;

namespace {

operation_info op(std::string name, std::string field = {}) {
    return {.name = std::move(name),
            .params_field = std::move(field),
            .validate = {},
            .run = [](operation_context&) { return operation_result{}; }};
}

}  // namespace

TEST_CASE("operation_registry maps names and params fields to operations", "[operation]") {
    operation_registry reg;
    REQUIRE(reg.add(op("database_backup", "database_backup_params")));
    REQUIRE(reg.add(op("cckm_key_rotation", "cckm_key_rotation_params")));

    SECTION("lookups by name and by params field") {
        REQUIRE(reg.find("database_backup"));
        CHECK(reg.find("database_backup")->params_field == "database_backup_params");
        CHECK_FALSE(reg.find("nope"));
        REQUIRE(reg.find_by_params_field("cckm_key_rotation_params"));
        CHECK(reg.find_by_params_field("cckm_key_rotation_params")->name == "cckm_key_rotation");
        CHECK_FALSE(reg.find_by_params_field("nope_params"));
        CHECK_FALSE(reg.find_by_params_field(""));
    }
    SECTION("names are sorted") {
        CHECK(reg.names() == std::vector<std::string>{"cckm_key_rotation", "database_backup"});
    }
    SECTION("a taken name is already_exists and keeps the first registration") {
        auto r = reg.add(op("database_backup", "other_params"));
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == code::already_exists);
        CHECK(reg.find("database_backup")->params_field == "database_backup_params");
    }
    SECTION("an empty name or a missing handler is invalid_argument") {
        CHECK(reg.add(op("")).error().field() == "name");
        operation_info no_run{.name = "x", .params_field = {}, .validate = {}, .run = {}};
        CHECK(reg.add(no_run).error().field() == "run");
        CHECK_FALSE(reg.find("x"));
    }
}

TEST_CASE("operation_registry allows lookups while another thread registers", "[operation]") {
    operation_registry reg;
    std::thread writer([&] {
        for (int i = 0; i < 200; ++i) (void)reg.add(op("op" + std::to_string(i)));
    });
    // Readers never see a half-registered operation: whatever find returns is complete.
    for (int i = 0; i < 2000; ++i) {
        if (auto found = reg.find("op0")) CHECK(found->run);
    }
    writer.join();
    CHECK(reg.names().size() == 200);
    CHECK(reg.find("op199"));
}

TEST_CASE("cancellation_token copies share one flag", "[operation]") {
    cancellation_token a;
    auto b = a;
    CHECK_FALSE(b.cancelled());
    a.cancel();
    CHECK(b.cancelled());
}
