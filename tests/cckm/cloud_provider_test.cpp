// SPDX-License-Identifier: Apache-2.0
// cloud_provider's public wrapper (argument checks, exceptions from hooks become internal
// errors, optional capabilities answer unimplemented) and the provider registry.
#include <cckm/cloud_provider.hpp>
#include <cckm/operations.hpp>

#include "support/catch.hpp"

#include <stdexcept>

using scheduler::code;

namespace {

// A provider whose hooks count calls and can be told to throw or misbehave.
class scripted_provider final : public cckm::cloud_provider {
public:
    explicit scripted_provider(std::string cloud = "aws") : cloud_provider(std::move(cloud)) {}

    enum class mode { ok, throw_std, throw_other, error_without_code };
    mode behaviour = mode::ok;
    int hook_calls = 0;

protected:
    scheduler::result<cckm::key_page> do_list_keys(cckm::key_list_request const&) override {
        ++hook_calls;
        return act<cckm::key_page>();
    }
    scheduler::result<cckm::cloud_key> do_get_key(std::string_view id) override {
        ++hook_calls;
        auto k = act<cckm::cloud_key>();
        if (k) k->native_id = std::string(id);
        return k;
    }
    scheduler::result<cckm::cloud_key> do_create_key(cckm::key_spec const&) override {
        ++hook_calls;
        return act<cckm::cloud_key>();
    }
    scheduler::result<cckm::rotation_outcome> do_rotate_key(std::string_view,
                                                            cckm::rotate_request const&) override {
        ++hook_calls;
        return act<cckm::rotation_outcome>();
    }

private:
    template <class T>
    scheduler::result<T> act() {
        switch (behaviour) {
            case mode::throw_std:
                throw std::runtime_error("connection reset by cloud");
            case mode::throw_other:
                throw 42;
            case mode::error_without_code:
                return scheduler::status{};
            case mode::ok:
                break;
        }
        return T{};
    }
};

}  // namespace

TEST_CASE("the public wrapper checks arguments before a hook runs", "[cckm][provider]") {
    scripted_provider p;
    CHECK(p.get_key("").error().error_code() == code::invalid_argument);
    CHECK(p.get_key("").error().field() == "native_id");
    CHECK(p.rotate_key("", {}).error().error_code() == code::invalid_argument);
    CHECK(p.create_key({}).error().field() == "name");
    CHECK(p.list_keys({.limit = 0}).error().field() == "limit");
    CHECK(p.list_keys({.limit = 1001}).error().field() == "limit");
    CHECK(p.schedule_deletion("k", 0).error().field() == "days");
    CHECK(p.apply_policy("k", "").error().field() == "policy");
    CHECK(p.set_auto_rotation("k", cckm::rotation_policy{}).error().field() == "rotation_period");
    CHECK(p.delete_backup("k", "").error().field() == "backup_id");
    CHECK(p.hook_calls == 0);
    CHECK(p.get_key("k").value().native_id == "k");
    CHECK(p.hook_calls == 1);
}

TEST_CASE("a throwing provider hook becomes a permanent internal error", "[cckm][provider]") {
    scripted_provider p;
    p.behaviour = scripted_provider::mode::throw_std;
    auto r = p.rotate_key("k1", {});
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::internal);
    CHECK_FALSE(cckm::is_retryable(r.error()));
    CHECK(r.error().message() == "aws provider: rotate_key threw: connection reset by cloud");

    p.behaviour = scripted_provider::mode::throw_other;
    CHECK(p.list_keys({}).error().message() ==
          "aws provider: list_keys threw: a non-standard exception");

    p.behaviour = scripted_provider::mode::error_without_code;
    auto silent = p.get_key("k1");
    REQUIRE_FALSE(silent);
    CHECK(silent.error().error_code() == code::internal);
}

TEST_CASE("capabilities a provider does not implement answer unimplemented", "[cckm][provider]") {
    scripted_provider p("sap");
    CHECK(p.set_enabled("k", false).error().error_code() == code::unimplemented);
    CHECK(p.schedule_deletion("k", 7).error().error_code() == code::unimplemented);
    CHECK(p.delete_key("k").error().error_code() == code::unimplemented);
    CHECK(p.rotate_xks_credentials("cks-1").error().message() ==
          "sap does not support external key store credentials");
}

TEST_CASE("transient means unavailable or throttled", "[cckm][provider]") {
    CHECK(cckm::is_retryable({code::unavailable, "503"}));
    CHECK(cckm::is_retryable({code::resource_exhausted, "ThrottlingException"}));
    CHECK_FALSE(cckm::is_retryable({code::failed_precondition, "wrong state"}));
    CHECK_FALSE(cckm::is_retryable({code::internal, "bug"}));
}

TEST_CASE("the provider registry is keyed by the reference cloud names", "[cckm][provider]") {
    cckm::provider_registry registry;
    REQUIRE(registry.add(std::make_unique<scripted_provider>("gcp")));
    REQUIRE(registry.add(std::make_unique<scripted_provider>("aws")));
    CHECK(registry.add(std::make_unique<scripted_provider>("aws")).error().error_code() ==
          code::already_exists);
    CHECK(registry.add(std::make_unique<scripted_provider>("azure")).error().error_code() ==
          code::invalid_argument);
    CHECK(registry.add(nullptr).error().error_code() == code::invalid_argument);
    CHECK(registry.clouds() == std::vector<std::string>{"aws", "gcp"});
    REQUIRE(registry.find("gcp"));
    CHECK(registry.find("gcp")->cloud() == "gcp");
    CHECK(registry.find("oci") == nullptr);
}
