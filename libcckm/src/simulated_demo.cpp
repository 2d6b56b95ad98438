// SPDX-License-Identifier: Apache-2.0
// Demo keys: on a first start each simulated cloud gets a few keys of different ages and
// expiries, so a newcomer has something that a rotation job would (and would not) pick; AWS
// also gets an external custom key store for cckm_xks_credential_rotation.
#include <cckm/simulated_provider.hpp>

#include "simulated_rules.hpp"

#include <iterator>
#include <optional>
#include <vector>

namespace cckm {

using scheduler::result;

namespace {

struct demo {
    int age_days;  ///< created this long ago
    std::optional<int> expires_in_days;
    char const* key_type;
};

// Old and expiring soon, old, middle-aged, brand new.
constexpr demo demos[] = {
    {400, 5, "symmetric"},
    {200, 20, "symmetric"},
    {100, std::nullopt, "RSA"},
    {10, 120, "symmetric"},
};

constexpr char const* sfdc_types[] = {"Data", "EventBus", "SearchIndex", "Analytics"};

}  // namespace

result<std::size_t> simulated_provider::seed_demo_keys() {
    auto keys = seed_keys();
    if (!keys || *keys == 0 || cloud() != "aws") return keys;
    // Outside the write lock: create_custom_key_store takes it.
    if (auto store = create_custom_key_store("demo-xks-proxy"); !store) return store.error();
    return keys;
}

result<std::size_t> simulated_provider::seed_keys() {
    std::lock_guard lock(write_mutex_);
    auto existing = state_.list({.cloud = cloud(), .limit = 1});
    if (!existing) return existing.error();
    if (existing->total > 0) return std::size_t{0};
    auto const& rules = *detail::rules_of(cloud());
    auto const now = clock_.now();
    std::vector<cloud_key> keys;
    for (std::size_t i = 0; i < std::size(demos); ++i) {
        auto const& d = demos[i];
        cloud_key k;
        k.cloud = cloud();
        k.name = "demo-" + cloud() + "-key-" + std::to_string(i + 1);
        k.account = rules.account;
        k.region = rules.region;
        k.container = rules.container;
        k.native_id = detail::native_id_for(k, k.name);
        k.id = k.native_id;
        k.key_type = cloud() == "sfdc" ? sfdc_types[i] : d.key_type;
        if (cloud() == "aws") k.aliases = {"alias/demo-key-" + std::to_string(i + 1)};
        k.created_at = now - std::chrono::hours{24 * d.age_days};
        if (d.expires_in_days) k.expires_at = now + std::chrono::hours{24 * *d.expires_in_days};
        k.versions.push_back({"1", k.created_at, k.expires_at, true});
        k.tags = {{"purpose", "demo"}};
        k.updated_at = now;
        keys.push_back(std::move(k));
    }
    if (auto r = state_.put_all(keys); !r) return r.error();
    return keys.size();
}

result<std::size_t> seed_demo_keys(provider_registry& registry) {
    std::size_t created = 0;
    for (auto const& cloud : registry.clouds()) {
        auto* sim = dynamic_cast<simulated_provider*>(registry.find(cloud));
        if (!sim) continue;
        auto n = sim->seed_demo_keys();
        if (!n) return n.error();
        created += *n;
    }
    return created;
}

}  // namespace cckm
