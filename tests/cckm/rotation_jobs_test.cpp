// SPDX-License-Identifier: Apache-2.0
// enable/disable_rotation_job: the labels they write and remove, the checks on the job config
// (exists, is a key rotation, rotates the key's cloud), and that a refusal writes nothing.
#include <cckm/key_store.hpp>
#include <cckm/rotation_jobs.hpp>

#include "support/catch.hpp"
#include "support/in_memory_store.hpp"

namespace {

scheduler::time_point t0() {
    return scheduler::parse_rfc3339("2026-12-01T10:00:00Z").value();
}

scheduler::job_config config(std::string id, std::string operation, std::string params) {
    scheduler::job_config c;
    c.id = std::move(id);
    c.name = "config " + c.id;
    c.operation = std::move(operation);
    c.run_at = "0 1 * * *";
    c.params = std::move(params);
    c.created_at = c.updated_at = t0();
    return c;
}

}  // namespace

TEST_CASE("rotation jobs attach keys through their labels", "[cckm][rotation_jobs]") {
    auto inventory = cckm::make_in_memory_key_store();
    scheduler::test::in_memory_store configs;
    REQUIRE(
        configs.insert_config(config("rot-aws", "cckm_key_rotation", R"({"cloud_name":"aws"})")));
    REQUIRE(
        configs.insert_config(config("rot-gcp", "cckm_key_rotation", R"({"cloud_name":"gcp"})")));
    REQUIRE(configs.insert_config(
        config("sync-aws", "cckm_synchronization", R"({"cloud_name":"aws"})")));
    cckm::cloud_key k;
    k.id = "k1";
    k.cloud = "aws";
    k.labels = {{"owner", "team-a"}, {"auto_rotate_partition_id", "stale"}};
    REQUIRE(inventory->put(k));

    auto const later = t0() + std::chrono::hours(1);
    auto on = cckm::enable_rotation_job(
        *inventory, configs, "aws", "k1",
        {.job_config_id = "rot-aws",
         .options = {{"auto_rotate_key_source", "ciphertrust"}, {"auto_rotate_ec_name", "P-256"}}},
        later);
    REQUIRE(on);
    // The old attachment's options go; the cloud's unknown option is ignored; others stay.
    CHECK(on->labels ==
          std::map<std::string, std::string>{{"owner", "team-a"},
                                             {"job_config_id", "rot-aws"},
                                             {"auto_rotate_key_source", "ciphertrust"}});
    CHECK(on->updated_at == later);
    CHECK(inventory->get("aws", "k1").value() == *on);

    for (auto const& [id, why] :
         std::vector<std::pair<std::string, std::string>>{{"", "is required"},
                                                          {"missing", "no job config"},
                                                          {"sync-aws", "not cckm_key_rotation"},
                                                          {"rot-gcp", "rotates 'gcp' keys"}}) {
        INFO(id);
        auto r = cckm::enable_rotation_job(*inventory, configs, "aws", "k1",
                                           {.job_config_id = id, .options = {}}, later);
        REQUIRE_FALSE(r);
        CHECK(r.error().field() == "job_config_id");
        CHECK(r.error().message().find(why) != std::string::npos);
        CHECK(inventory->get("aws", "k1").value() == *on);
    }
    auto bad_source = cckm::enable_rotation_job(
        *inventory, configs, "aws", "k1",
        {.job_config_id = "rot-aws", .options = {{"auto_rotate_key_source", "floppy"}}}, later);
    CHECK(bad_source.error().field() == "auto_rotate_key_source");
    auto unknown = cckm::enable_rotation_job(*inventory, configs, "aws", "nope",
                                             {.job_config_id = "", .options = {}}, later);
    CHECK(unknown.error().error_code() == scheduler::code::not_found);

    auto off = cckm::disable_rotation_job(*inventory, "aws", "k1", later);
    REQUIRE(off);
    CHECK(off->labels == std::map<std::string, std::string>{{"owner", "team-a"}});
    CHECK(cckm::disable_rotation_job(*inventory, "aws", "nope", later).error().error_code() ==
          scheduler::code::not_found);
}
