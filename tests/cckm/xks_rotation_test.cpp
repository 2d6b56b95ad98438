// SPDX-License-Identifier: Apache-2.0
// cckm_xks_credential_rotation over the simulated AWS cloud and a manual clock: every external
// custom key store gets a new credential that the simulation records, details never carry a
// secret, transient errors are retried, permanent ones reported per store, cancel stops between
// stores.
#include "provider_fixture.hpp"

#include <regex>
#include <set>

using namespace cckm_test;
using scheduler::code;
using scheduler::run_status;

namespace {

constexpr char const* params = R"({"cloud_name":"aws"})";

scheduler::operation_result rotate_xks(cloud_fixture& f, test_context& ctx) {
    return f.run(ctx, "cckm_xks_credential_rotation");
}

boost::json::object item(boost::json::object const& d, std::string const& id) {
    for (auto const& i : d.at("items").as_array())
        if (i.at("id").as_string() == id) return i.as_object();
    FAIL("no details item for store " << id);
    return {};
}

cckm::custom_key_store current(cloud_fixture& f, std::string const& id) {
    for (auto const& s : f.sim("aws").list_custom_key_stores().value())
        if (s.id == id) return s;
    FAIL("no custom key store " << id);
    return {};
}

// The simulated secret is 64 hex digits; ids and access key ids are far shorter. No run of 32
// hex digits may appear anywhere a user or a log can read.
bool has_secret_like_text(std::string const& text) {
    static std::regex const long_hex("[0-9a-f]{32,}");
    return std::regex_search(text, long_hex) || text.find("secret") != std::string::npos;
}

}  // namespace

TEST_CASE("the simulated AWS cloud keeps custom key stores and their credential state",
          "[cckm][sim][xks]") {
    cloud_fixture f;
    auto& aws = f.sim("aws");
    auto xks = aws.create_custom_key_store("proxy-a").value();
    CHECK(xks.id.starts_with("cks-"));
    CHECK(xks.access_key_id.starts_with("AKIA"));
    CHECK(xks.credential_version == 1);
    CHECK_FALSE(xks.rotated_at);
    CHECK(aws.create_custom_key_store("proxy-a").error().error_code() == code::already_exists);
    auto hsm = aws.create_custom_key_store("hsm", "AWS_CLOUDHSM").value();
    CHECK(hsm.access_key_id.empty());

    f.clock.advance(1h);
    auto cred = aws.rotate_xks_credentials(xks.id).value();
    CHECK(cred.access_key_id != xks.access_key_id);
    CHECK(cred.secret_access_key.size() == 64);
    auto after = current(f, xks.id);
    CHECK(after.access_key_id == cred.access_key_id);
    CHECK(after.credential_version == 2);
    CHECK(after.rotated_at == f.clock.now());

    CHECK(aws.rotate_xks_credentials("cks-missing").error().error_code() == code::not_found);
    CHECK(aws.rotate_xks_credentials(hsm.id).error().error_code() == code::failed_precondition);
    // Stores are not keys.
    CHECK(aws.list_keys({}).value().total == 0);
    CHECK(f.sim("gcp").list_custom_key_stores().error().error_code() == code::unimplemented);
    CHECK(f.sim("gcp").rotate_xks_credentials(xks.id).error().error_code() == code::unimplemented);
}

TEST_CASE("xks credential rotation rotates every external store and records it", "[cckm][xks]") {
    cloud_fixture f;
    auto a = f.sim("aws").create_custom_key_store("proxy-a").value();
    auto b = f.sim("aws").create_custom_key_store("proxy-b").value();
    auto hsm = f.sim("aws").create_custom_key_store("hsm", "AWS_CLOUDHSM").value();
    f.clock.advance(days(1));
    test_context ctx(f.clock, params, "config-1");

    auto r = rotate_xks(f, ctx);
    INFO(r.details);
    CHECK(r.status == run_status::completed);
    CHECK(r.error.empty());
    auto d = details(r);
    CHECK(count(d, "total") == 2);  // the CloudHSM store has no XKS credential
    CHECK(count(d, "num_rotated") == 2);
    CHECK(count(d, "num_failed") == 0);
    for (auto const& before : {a, b}) {
        auto now = current(f, before.id);
        CHECK(now.credential_version == 2);
        CHECK(now.access_key_id != before.access_key_id);
        CHECK(now.rotated_at == f.clock.now());
        auto e = item(d, before.id);
        CHECK(e.at("result") == "rotated");
        CHECK(e.at("name").as_string() == before.name);
        CHECK(e.at("access_key_id").as_string() == now.access_key_id);
        CHECK(e.at("credential_version") == 2);
        std::set<std::string> fields;
        for (auto const& kv : e) fields.insert(std::string(kv.key()));
        CHECK(fields == std::set<std::string>{"id", "name", "result", "message", "access_key_id",
                                              "credential_version"});
    }
    CHECK(current(f, hsm.id).credential_version == 1);
    CHECK_FALSE(has_secret_like_text(r.details));
    for (auto const& p : ctx.progress) CHECK_FALSE(has_secret_like_text(p));
    CHECK(ctx.progress.size() == 2);

    // A second run moves each store on again.
    auto again = rotate_xks(f, ctx);
    CHECK(again.status == run_status::completed);
    CHECK(current(f, a.id).credential_version == 3);
}

TEST_CASE("an account without external key stores completes with nothing to do", "[cckm][xks]") {
    cloud_fixture f;
    test_context ctx(f.clock, params, "config-1");
    auto r = rotate_xks(f, ctx);
    CHECK(r.status == run_status::completed);
    CHECK(count(details(r), "total") == 0);
}

TEST_CASE("xks: transient errors are retried with backoff, permanent ones reported per store",
          "[cckm][xks][retry]") {
    cloud_fixture f;
    auto flaky = f.sim("aws").create_custom_key_store("flaky").value();
    auto denied = f.sim("aws").create_custom_key_store("denied").value();
    auto fine = f.sim("aws").create_custom_key_store("fine").value();
    int flaky_failures = 0;
    f.sim("aws").configure({.inject = [&](std::string_view call,
                                          std::string_view id) -> std::optional<scheduler::status> {
        if (call == "rotate_xks_credentials" && id == flaky.id && flaky_failures < 2) {
            ++flaky_failures;
            return scheduler::status{code::unavailable, "XksProxyUriUnreachableException"};
        }
        if (call == "rotate_xks_credentials.update" && id == denied.id)
            return scheduler::status{code::failed_precondition,
                                     "XksProxyIncorrectAuthenticationCredentialException"};
        return std::nullopt;
    }});
    test_context ctx(f.clock, params, "config-1");
    auto const start = f.clock.now();

    auto r = rotate_xks(f, ctx);
    INFO(r.details);
    CHECK(r.status == run_status::failed);
    CHECK(r.error == "1 of 3 custom key store credentials failed to rotate");
    auto d = details(r);
    CHECK(count(d, "num_rotated") == 2);
    CHECK(count(d, "num_failed") == 1);

    auto e = item(d, flaky.id);
    CHECK(e.at("result") == "rotated");
    CHECK(e.at("attempts") == 3);
    CHECK(current(f, flaky.id).credential_version == 2);
    CHECK(ctx.waited > std::chrono::microseconds{0});  // backoff went through the context
    CHECK(f.clock.now() - start == ctx.waited);

    auto bad = item(d, denied.id);
    CHECK(bad.at("result") == "failed");
    CHECK_FALSE(bad.contains("attempts"));  // permanent: not retried
    CHECK(bad.at("message") ==
          "failed_precondition: XksProxyIncorrectAuthenticationCredentialException");
    CHECK(current(f, denied.id).credential_version == 1);
    CHECK(item(d, fine.id).at("result") == "rotated");
}

TEST_CASE("xks: cancelling midway stops between stores", "[cckm][xks][cancel]") {
    cloud_fixture f;
    std::vector<cckm::custom_key_store> stores;
    for (int i = 0; i < 4; ++i) {
        stores.push_back(f.sim("aws").create_custom_key_store("s" + std::to_string(i)).value());
        f.clock.advance(1s);  // listing is oldest first
    }
    int rotations = 0;
    f.sim("aws").configure({.inject = [&](std::string_view call,
                                          std::string_view) -> std::optional<scheduler::status> {
        if (call == "rotate_xks_credentials") ++rotations;
        return std::nullopt;
    }});
    test_context ctx(f.clock, params, "config-1");
    ctx.cancel_when = [&] { return rotations >= 2; };

    auto r = rotate_xks(f, ctx);
    CHECK(r.status == run_status::aborted);
    CHECK(r.error == "cancelled after 2 of 4 custom key stores");
    auto d = details(r);
    CHECK(count(d, "num_rotated") == 2);
    CHECK(count(d, "num_not_started") == 2);
    CHECK(item(d, stores[2].id).at("result") == "not_started");
    CHECK(current(f, stores[2].id).credential_version == 1);
    CHECK(current(f, stores[3].id).credential_version == 1);
    CHECK(rotations == 2);
}

TEST_CASE("xks: a listing that keeps failing fails the run with the reason", "[cckm][xks]") {
    cloud_fixture f;
    f.sim("aws").configure(
        {.inject = [](std::string_view call, std::string_view) -> std::optional<scheduler::status> {
            if (call == "list_custom_key_stores")
                return scheduler::status{code::unavailable, "kms answered 503"};
            return std::nullopt;
        }});
    test_context ctx(f.clock, params, "config-1");
    ctx.retry = {2, 1ms, 1ms};
    auto r = rotate_xks(f, ctx);
    CHECK(r.status == run_status::failed);
    CHECK(r.error.find("listing custom key stores") != std::string::npos);
    CHECK(r.error.find("kms answered 503") != std::string::npos);

    scheduler::operation_registry bare;
    cckm::register_operations(bare).value();
    auto none = bare.find("cckm_xks_credential_rotation")->run(ctx);
    CHECK(none.error == "cckm_xks_credential_rotation: this process has no cloud providers");
}
