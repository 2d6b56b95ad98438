// SPDX-License-Identifier: Apache-2.0
// The five reference operations: registration and their params validators (seeds/000 parameter
// tables, DESIGN.md §2). Each bad input must be refused with the field named with its block.
#include "support/catch.hpp"

#include <cckm/operations.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace {

struct fixture {
    fixture() { cckm::register_operations(registry).value(); }

    scheduler::result<std::string> check(std::string const& op, std::string const& params) {
        auto info = registry.find(op);
        REQUIRE(info);
        REQUIRE(info->validate);
        return info->validate(params);
    }
    // The field a refused params block names; fails the test when it was accepted.
    std::string refused_field(std::string const& op, std::string const& params) {
        auto r = check(op, params);
        INFO(params);
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == scheduler::code::invalid_argument);
        return r.error().field();
    }
    boost::json::object accepted(std::string const& op, std::string const& params) {
        auto r = check(op, params);
        INFO(params << " -> " << (r ? std::string("ok") : r.error().to_string()));
        REQUIRE(r);
        return boost::json::parse(*r).as_object();
    }

    scheduler::operation_registry registry;
};

}  // namespace

TEST_CASE("the five operations are registered with their params blocks", "[cckm][operations]") {
    fixture f;
    CHECK(f.registry.names() ==
          std::vector<std::string>{"cckm_key_rotation", "cckm_synchronization",
                                   "cckm_xks_credential_rotation", "database_backup",
                                   "user_password_expiry_notification"});
    CHECK(f.registry.find("database_backup")->params_field == "database_backup_params");
    CHECK(f.registry.find_by_params_field("cckm_key_rotation_params")->name == "cckm_key_rotation");
    // Registering twice is refused rather than silently replacing handlers.
    CHECK_FALSE(cckm::register_operations(f.registry));
}

TEST_CASE("handlers report honestly what they cannot do yet", "[cckm][operations]") {
    fixture f;
    struct ctx final : scheduler::operation_context {
        scheduler::job_run run_;
        scheduler::manual_clock clock_;
        scheduler::job_run const& run() const override { return run_; }
        std::string_view params() const override { return "{}"; }
        scheduler::clock& clock() const override {
            return const_cast<scheduler::manual_clock&>(clock_);
        }
        bool cancelled() const override { return false; }
        std::optional<scheduler::time_point> deadline() const override { return std::nullopt; }
        void report_progress(std::string) override {}
        bool wait_for(std::chrono::microseconds) override { return true; }
    } c;
    for (auto const& name : f.registry.names()) {
        auto out = f.registry.find(name)->run(c);
        INFO(name);
        CHECK(out.status == scheduler::run_status::failed);
        // The real handlers say which dependency this registry was not given.
        std::string expected = "no cloud providers";
        if (name == "database_backup") expected = "no store to back up";
        if (name == "user_password_expiry_notification") expected = "no user source or notifier";
        CHECK(out.error.find(expected) != std::string::npos);
    }
}

TEST_CASE("key rotation params", "[cckm][operations]") {
    fixture f;
    std::string const op = "cckm_key_rotation";

    SECTION("the reference example and every cloud are accepted") {
        for (auto cloud : cckm::cloud_names()) {
            auto o = f.accepted(op, R"({"cloud_name":")" + std::string(cloud) + R"("})");
            CHECK(o.at("cloud_name").as_string() == cloud);
        }
    }
    SECTION("Terraform's nulls are dropped, set values kept") {
        auto o = f.accepted(op, R"({"cloud_name":"aws","expiration":null,"expire_in":"6h",
            "rotation_after":"30d","aws_param":{"retain_alias":true,"rotate_material":false}})");
        CHECK_FALSE(o.contains("expiration"));
        CHECK(o.at("expire_in").as_string() == "6h");
        CHECK(o.at("rotation_after").as_string() == "30d");
        CHECK(o.at("aws_param").at("retain_alias").as_bool());
    }
    SECTION("blank durations are dropped (PATCH clears them this way)") {
        auto o = f.accepted(op, R"({"cloud_name":"oci","expire_in":"","expiration":""})");
        CHECK(o.size() == 1);
    }
    SECTION("aws_param is tolerated for other clouds, as Terraform sends it") {
        f.accepted(op, R"({"cloud_name":"oci","aws_param":{"retain_alias":false}})");
    }
    SECTION("salesforce params") {
        auto o = f.accepted(op, R"({"cloud_name":"sfdc","sfdc_param":{"certificate_id":"c1",
            "key_source":"dsm","domain_id":"d1","key_derivation_mode":"PBKDF2",
            "key_type":["Data","EventBus"],"organization_id":"o1"}})");
        CHECK(o.at("sfdc_param").at("key_type").as_array().size() == 2);
    }
    SECTION("refusals name the field") {
        std::string const p = "cckm_key_rotation_params.";
        CHECK(f.refused_field(op, "{}") == p + "cloud_name");
        CHECK(f.refused_field(op, R"({"cloud_name":""})") == p + "cloud_name");
        CHECK(f.refused_field(op, R"({"cloud_name":"azure"})") == p + "cloud_name");
        CHECK(f.refused_field(op, R"({"cloud_name":7})") == p + "cloud_name");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","expire_in":"6w"})") == p + "expire_in");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","expire_in":"10m"})") == p + "expire_in");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","expire_in":"0d"})") == p + "expire_in");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","expire_in":6})") == p + "expire_in");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","expiration":"-1d"})") ==
              p + "expiration");
        CHECK(f.refused_field(op, R"({"cloud_name":"gcp","expire_in":"2d"})") == p + "expire_in");
        CHECK(f.refused_field(op, R"({"cloud_name":"oci","rotation_after":"5d"})") ==
              p + "rotation_after");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","rotation_after":"12h"})") ==
              p + "rotation_after");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","aws_param":true})") == p + "aws_param");
        CHECK(f.refused_field(op, R"({"cloud_name":"aws","aws_param":{"retain_alias":"yes"}})") ==
              p + "aws_param.retain_alias");
        CHECK(f.refused_field(op, R"({"cloud_name":"sfdc","sfdc_param":{"key_source":"hsm"}})") ==
              p + "sfdc_param.key_source");
        CHECK(f.refused_field(op, R"({"cloud_name":"sfdc","sfdc_param":{"key_source":"dsm"}})") ==
              p + "sfdc_param.domain_id");
        CHECK(f.refused_field(op, R"({"cloud_name":"sfdc","sfdc_param":{"key_type":["Keys"]}})") ==
              p + "sfdc_param.key_type");
        CHECK(f.refused_field(
                  op, R"({"cloud_name":"sfdc","sfdc_param":{"key_derivation_mode":"X"}})") ==
              p + "sfdc_param.key_derivation_mode");
        CHECK(f.refused_field(op, "[]") == "cckm_key_rotation_params");
        CHECK(f.refused_field(op, "{") == "cckm_key_rotation_params");
    }
}

TEST_CASE("synchronization params", "[cckm][operations]") {
    fixture f;
    std::string const op = "cckm_synchronization";
    std::string const p = "cckm_synchronization_params.";
    f.accepted(op, R"({"cloud_name":"aws","synchronize_all":true,"kms":null,"oci_vaults":null})");
    f.accepted(op, R"({"cloud_name":"gcp","key_rings":["projects/p/locations/l/keyRings/r"]})");
    f.accepted(op, R"({"cloud_name":"sap","groups":["g1"]})");
    f.accepted(op, R"({"cloud_name":"AzureCloud","external_cm_domains":["d"]})");
    CHECK(f.refused_field(op, R"({"cloud_name":"gcp"})") == p + "key_rings");
    CHECK(f.refused_field(op, R"({"cloud_name":"gcp","key_rings":[]})") == p + "key_rings");
    CHECK(f.refused_field(op, R"({"cloud_name":"gcp","synchronize_all":true,"key_rings":["r"]})") ==
          p + "synchronize_all");
    CHECK(f.refused_field(op, R"({"cloud_name":"aws","synchronize_all":true,"groups":["g"]})") ==
          p + "groups");
    CHECK(f.refused_field(op, R"({"cloud_name":"sap","groups":"g1"})") == p + "groups");
    CHECK(f.refused_field(op, R"({"cloud_name":"sap","groups":[1]})") == p + "groups");
    CHECK(f.refused_field(op, R"({"cloud_name":"aws","synchronize_all":"yes"})") ==
          p + "synchronize_all");
    CHECK(f.refused_field(op, R"({"synchronize_all":true})") == p + "cloud_name");
}

TEST_CASE("xks credential rotation params", "[cckm][operations]") {
    fixture f;
    std::string const op = "cckm_xks_credential_rotation";
    f.accepted(op, R"({"cloud_name":"aws"})");
    CHECK(f.refused_field(op, R"({"cloud_name":"gcp"})") ==
          "cckm_xks_credential_rotation_params.cloud_name");
    CHECK(f.refused_field(op, "{}") == "cckm_xks_credential_rotation_params.cloud_name");
}

TEST_CASE("database backup params", "[cckm][operations]") {
    fixture f;
    std::string const op = "database_backup";
    std::string const p = "database_backup_params.";
    f.accepted(op, "{}");
    auto o = f.accepted(op, R"({"backupKey":"k1","connection":"scp1","description":"nightly",
        "do_scp":true,"retentionCount":3,"scope":"domain","tiedToHSM":false,
        "filters":[{"resourceType":"Keys","resourceQuery":{"name":"x"}}]})");
    CHECK(o.at("retentionCount").as_int64() == 3);
    CHECK(f.refused_field(op, R"({"retentionCount":0})") == p + "retentionCount");
    CHECK(f.refused_field(op, R"({"retentionCount":2.5})") == p + "retentionCount");
    CHECK(f.refused_field(op, R"({"retentionCount":"3"})") == p + "retentionCount");
    CHECK(f.refused_field(op, R"({"do_scp":true})") == p + "connection");
    CHECK(f.refused_field(op, R"({"scope":"galaxy"})") == p + "scope");
    CHECK(f.refused_field(op, R"({"filters":[{"resourceType":"Keys"}]})") == p + "filters");
    CHECK(f.refused_field(op, R"({"scope":"domain","filters":[{"resourceType":"Cats"}]})") ==
          p + "filters.resourceType");
    CHECK(f.refused_field(op, R"({"tiedToHSM":"no"})") == p + "tiedToHSM");

    SECTION("the backup key never appears in an error message") {
        auto r = f.check(op, R"({"backupKey":{"secret":"s3cr3t-value"}})");
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == p + "backupKey");
        CHECK(r.error().message().find("s3cr3t") == std::string::npos);
    }
}

TEST_CASE("password expiry notification params", "[cckm][operations]") {
    fixture f;
    std::string const op = "user_password_expiry_notification";
    std::string const p = "user_password_expiry_notification_params.";
    f.accepted(op, "{}");
    auto o = f.accepted(op, R"({"password_max_age":"90d","notify_before":"36h","extra":1})");
    CHECK(o.at("notify_before") == "36h");
    CHECK(o.at("extra") == 1);
    CHECK_FALSE(f.accepted(op, R"({"password_max_age":null})").contains("password_max_age"));
    CHECK(f.refused_field(op, "\"x\"") == "user_password_expiry_notification_params");
    CHECK(f.refused_field(op, R"({"password_max_age":"12h"})") == p + "password_max_age");
    CHECK(f.refused_field(op, R"({"password_max_age":"0d"})") == p + "password_max_age");
    CHECK(f.refused_field(op, R"({"notify_before":"soon"})") == p + "notify_before");
    CHECK(f.refused_field(op, R"({"notify_before":7})") == p + "notify_before");
}
