// SPDX-License-Identifier: Apache-2.0
// Shared by the provider, rotation and synchronization tests: six simulated clouds over a
// manual clock, an in-memory inventory, an operation_context the test drives by hand (waits
// advance the clock, cancellation on a condition, progress recorded), and helpers to make and
// attach keys.
#pragma once

#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <cckm/operations.hpp>
#include <cckm/simulated_provider.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/operation.hpp>

#include "support/catch.hpp"

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace cckm_test {

using namespace std::chrono_literals;

inline scheduler::time_point at(char const* rfc3339) {
    return scheduler::parse_rfc3339(rfc3339).value();
}

inline std::chrono::hours days(int n) {
    return std::chrono::hours{24 * n};
}

/// An operation_context under the test's control. Waits advance the manual clock.
class test_context final : public scheduler::operation_context {
public:
    test_context(scheduler::manual_clock& clock, std::string params, std::string config_id)
        : clock_(clock), params_(std::move(params)) {
        run_.id = "run-1";
        run_.job_config_id = std::move(config_id);
        run_.status = scheduler::run_status::in_progress;
    }
    scheduler::job_run const& run() const override { return run_; }
    std::string_view params() const override { return params_; }
    scheduler::clock& clock() const override { return clock_; }
    bool cancelled() const override { return cancel_when && cancel_when(); }
    std::optional<scheduler::time_point> deadline() const override { return std::nullopt; }
    void report_progress(std::string details) override { progress.push_back(std::move(details)); }
    bool wait_for(std::chrono::microseconds d) override {
        if (cancelled()) return false;
        clock_.advance(d);
        waited += d;
        return !cancelled();
    }
    scheduler::retry_policy retry_settings() const override { return retry; }

    std::function<bool()> cancel_when;
    std::vector<std::string> progress;
    scheduler::retry_policy retry{3, 100ms, 1s};
    std::chrono::microseconds waited{0};

private:
    scheduler::manual_clock& clock_;
    scheduler::job_run run_;
    std::string params_;
};

/// Six simulated clouds, their state and an inventory, all in memory.
struct cloud_fixture {
    scheduler::manual_clock clock{at("2026-12-01T00:00:00Z")};
    std::unique_ptr<cckm::key_store> cloud_state = cckm::make_in_memory_key_store();
    std::unique_ptr<cckm::key_store> inventory = cckm::make_in_memory_key_store();
    cckm::provider_registry providers;
    scheduler::operation_registry operations;

    cloud_fixture() {
        cckm::add_simulated_providers(providers, *cloud_state, clock).value();
        cckm::operation_environment env;
        env.providers = &providers;
        env.inventory = inventory.get();
        cckm::register_operations(operations, env).value();
    }

    cckm::simulated_provider& sim(std::string const& cloud) {
        return dynamic_cast<cckm::simulated_provider&>(*providers.find(cloud));
    }

    /// A key created in `cloud` `age` ago (the clock is moved back for the call).
    cckm::cloud_key make_key(std::string const& cloud,
                             cckm::key_spec spec,
                             std::chrono::hours age = 0h) {
        auto const now = clock.now();
        clock.set(now - age);
        auto k = sim(cloud).create_key(spec);
        clock.set(now);
        INFO((k ? std::string("ok") : k.error().to_string()));
        REQUIRE(k);
        return *k;
    }
    cckm::cloud_key make_key(std::string const& cloud,
                             std::string const& name,
                             std::chrono::hours age = 0h,
                             std::optional<std::chrono::hours> expires_in = std::nullopt) {
        cckm::key_spec spec;
        spec.name = name;
        if (cloud == "sfdc") spec.key_type = "Data";
        if (expires_in) spec.expires_at = clock.now() + *expires_in;
        return make_key(cloud, spec, age);
    }

    /// Puts a cloud key into the inventory, attached to `config_id`; returns the inventory key.
    cckm::cloud_key attach(cckm::cloud_key k, std::string const& config_id = "config-1") {
        k.id = cckm::new_key_id();
        k.labels[std::string(cckm::cloud_key::job_config_label)] = config_id;
        inventory->put(k).value();
        return k;
    }

    cckm::cloud_key inventory_key(cckm::cloud_key const& k) {
        return inventory->get(k.cloud, k.id).value();
    }

    scheduler::operation_result run(test_context& ctx, std::string const& operation) {
        return operations.find(operation)->run(ctx);
    }
    scheduler::operation_result rotate(std::string const& params,
                                       std::string const& config_id = "config-1") {
        test_context ctx(clock, params, config_id);
        return run(ctx, "cckm_key_rotation");
    }
};

inline boost::json::object details(scheduler::operation_result const& r) {
    return boost::json::parse(r.details).as_object();
}

/// The details entry of inventory key `id`.
inline boost::json::object key_entry(boost::json::object const& d, std::string const& id) {
    for (auto const& k : d.at("keys").as_array())
        if (k.at("id").as_string() == id) return k.as_object();
    FAIL("no details entry for key " << id);
    return {};
}

inline std::int64_t count(boost::json::object const& d, char const* field) {
    return d.at(field).as_int64();
}

}  // namespace cckm_test
