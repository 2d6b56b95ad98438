// SPDX-License-Identifier: Apache-2.0
// File: cckm/simulated_provider.hpp
//
// Built-in simulated clouds (aws, AzureCloud, gcp, oci, sfdc, sap): providers that keep real
// state in a key_store and follow each cloud's rules (DESIGN.md §8), with test controls for
// latency, throttling and failures. Latency is waited through the scheduler clock: under a
// manual_clock the clock is advanced instead of sleeping, so tests stay instant.
//
//   scheduler::manual_clock clock;
//   auto state = cckm::make_in_memory_key_store();
//   cckm::provider_registry providers;
//   cckm::add_simulated_providers(providers, *state, clock).value();
//   cckm::seed_demo_keys(providers).value();
#pragma once

#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace cckm {

/// Test controls of a simulated provider. All default to "a perfect cloud".
struct simulation_settings {
    /// Time every call takes.
    std::chrono::microseconds latency{0};
    /// Token bucket: calls per second refilled (0 = no throttling) and bucket size. A call
    /// finding the bucket empty fails with resource_exhausted "ThrottlingException".
    double calls_per_second = 0;
    double burst = 1;
    /// Fraction of calls (0..1) failing with a transient unavailable error, drawn from a
    /// generator seeded with `seed`, so a run is repeatable.
    double failure_rate = 0;
    std::uint64_t seed = 1;
    /// Deterministic injection: called with the call name ("rotate_key", "rotate_key.aliases",
    /// "create_key", "list_keys", "delete_key.backup", ...) and the key's native id (or ""); a
    /// status it returns is the call's failure. It may throw, to test exception handling.
    std::function<std::optional<scheduler::status>(std::string_view call,
                                                   std::string_view native_id)>
        inject{};
};

/// One simulated cloud. Its keys live in the key_store given (shared by all six simulated
/// clouds, keyed by cloud). Thread-safe.
class simulated_provider final : public cloud_provider {
public:
    /// invalid_argument when `cloud` is not one of cloud_names().
    [[nodiscard]] static scheduler::result<std::unique_ptr<simulated_provider>> make(
        std::string cloud,
        key_store& state,
        scheduler::clock& clock,
        simulation_settings settings = {});

    /// Replaces the test controls (the token bucket starts full again).
    void configure(simulation_settings settings);
    /// Calls made so far (including throttled and failed ones).
    [[nodiscard]] std::uint64_t calls() const;
    /// Gives the cloud a handful of demo keys of various ages when it has none (AWS also an
    /// external custom key store, "demo-xks-proxy"); returns how many keys were created.
    [[nodiscard]] scheduler::result<std::size_t> seed_demo_keys();
    /// AWS only: creates a custom key store (an external one by default) with a first proxy
    /// credential, kept in the state store like the keys. Fails already_exists on a taken name,
    /// unimplemented in other clouds.
    [[nodiscard]] scheduler::result<custom_key_store> create_custom_key_store(
        std::string const& name, std::string const& type = "EXTERNAL_KEY_STORE");

protected:
    [[nodiscard]] scheduler::result<key_page> do_list_keys(key_list_request const&) override;
    [[nodiscard]] scheduler::result<cloud_key> do_get_key(std::string_view) override;
    [[nodiscard]] scheduler::result<cloud_key> do_create_key(key_spec const&) override;
    [[nodiscard]] scheduler::result<rotation_outcome> do_rotate_key(std::string_view,
                                                                    rotate_request const&) override;
    [[nodiscard]] scheduler::result<cloud_key> do_set_enabled(std::string_view, bool) override;
    [[nodiscard]] scheduler::result<cloud_key> do_schedule_deletion(std::string_view, int) override;
    [[nodiscard]] scheduler::result<cloud_key> do_cancel_deletion(std::string_view) override;
    [[nodiscard]] scheduler::result<cloud_key> do_apply_policy(std::string_view,
                                                               std::string_view) override;
    [[nodiscard]] scheduler::result<cloud_key> do_set_auto_rotation(
        std::string_view, std::optional<rotation_policy> const&) override;
    [[nodiscard]] scheduler::result<cloud_key> do_delete_key(std::string_view, bool) override;
    [[nodiscard]] scheduler::result<cloud_key> do_restore_key(std::string_view) override;
    [[nodiscard]] scheduler::result<std::vector<key_backup>> do_list_backups(
        std::string_view) override;
    [[nodiscard]] scheduler::result<void> do_delete_backup(std::string_view,
                                                           std::string_view) override;
    [[nodiscard]] scheduler::result<xks_credential> do_rotate_xks_credentials(
        std::string_view) override;
    [[nodiscard]] scheduler::result<std::vector<custom_key_store>> do_list_custom_key_stores()
        override;

private:
    simulated_provider(std::string cloud,
                       key_store& state,
                       scheduler::clock& clock,
                       simulation_settings settings);

    /// Every call starts here: latency, throttling, random and injected failures.
    [[nodiscard]] scheduler::result<void> enter(std::string_view call, std::string_view id);
    /// Only the injection point, for steps inside a call ("rotate_key.aliases").
    [[nodiscard]] scheduler::result<void> step(std::string_view call, std::string_view id);
    [[nodiscard]] scheduler::result<cloud_key> load(std::string_view native_id);
    [[nodiscard]] scheduler::result<cloud_key> save(cloud_key key);
    [[nodiscard]] scheduler::result<rotation_outcome> rotate_new_key(cloud_key old,
                                                                     rotate_request const& r);
    [[nodiscard]] scheduler::result<rotation_outcome> rotate_new_version(cloud_key key,
                                                                         rotate_request const& r);
    void wait(std::chrono::microseconds d);
    /// seed_demo_keys without the custom key store.
    [[nodiscard]] scheduler::result<std::size_t> seed_keys();

    key_store& state_;
    scheduler::clock& clock_;
    mutable std::mutex mutex_;  // guards the settings, bucket, generator and counters
    std::mutex write_mutex_;    // one read-modify-write of the cloud's state at a time
    simulation_settings settings_;
    double tokens_ = 0;
    scheduler::time_point refilled_at_{};
    std::mt19937_64 random_;
    std::uint64_t calls_ = 0;
};

/// Adds a simulated provider for each of the six clouds, all keeping state in `state`.
[[nodiscard]] scheduler::result<void> add_simulated_providers(provider_registry& registry,
                                                              key_store& state,
                                                              scheduler::clock& clock,
                                                              simulation_settings settings = {});

/// Calls seed_demo_keys() on every simulated provider of the registry; returns the number of
/// keys created.
[[nodiscard]] scheduler::result<std::size_t> seed_demo_keys(provider_registry& registry);

}  // namespace cckm
