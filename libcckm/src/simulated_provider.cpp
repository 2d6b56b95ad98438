// SPDX-License-Identifier: Apache-2.0
// Simulated clouds: the call gate (latency, token-bucket throttling, random and injected
// failures), the per-cloud rules table and the key lifecycle calls. Rotation is in
// simulated_rotation.cpp, demo keys in simulated_demo.cpp, custom key stores (XKS) in
// simulated_xks.cpp.
#include <cckm/operations.hpp>
#include <cckm/simulated_provider.hpp>

#include "simulated_rules.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <thread>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;
using std::chrono::hours;

namespace detail {

namespace {

constexpr hours days(int n) {
    return hours{24 * n};
}

// clang-format off
constexpr cloud_rules rules_table[] = {
    // cloud        rotation                      min period  max period      days   min expiry del min/max backups policies
    {"aws",        rotation_kind::new_key,        days(90),   days(2560),     true,  hours{0}, 7, 30,  false, true,
     "123456789012", "us-east-1", "kms-demo"},
    {"AzureCloud", rotation_kind::new_version,    days(7),    days(36500),    false, days(28), 7, 90,  true,  true,
     "sub-00000000", "westeurope", "demo-vault"},
    {"gcp",        rotation_kind::new_version,    hours{24},  hours{876000},  false, hours{0}, 1, 120, false, true,
     "demo-project", "global", "demo-ring"},
    {"oci",        rotation_kind::new_version,    days(60),   days(365),      true,  hours{0}, 7, 30,  false, true,
     "ocid1.tenancy.oc1..demo", "us-ashburn-1", "demo-vault"},
    {"sfdc",       rotation_kind::tenant_secret,  hours{0},   hours{0},       false, hours{0}, 0, 0,   false, false,
     "00D000000000001", "", "00D000000000001"},
    {"sap",        rotation_kind::new_version,    hours{0},   hours{0},       false, hours{0}, 0, 0,   true,  false,
     "sap-tenant", "eu10", "demo-group"},
};
// clang-format on

}  // namespace

cloud_rules const* rules_of(std::string_view cloud) noexcept {
    for (auto const& r : rules_table)
        if (r.cloud == cloud) return &r;
    return nullptr;
}

std::string native_id_for(cloud_key const& k, std::string_view name) {
    if (k.cloud == "AzureCloud")
        return "https://" + k.container + ".vault.azure.net/keys/" + std::string(name);
    if (k.cloud == "gcp")
        return "projects/" + k.account + "/locations/" + k.region + "/keyRings/" + k.container +
               "/cryptoKeys/" + std::string(name);
    return new_key_id();
}

}  // namespace detail

namespace {

std::string hours_text(hours h) {
    return h.count() % 24 == 0 ? std::to_string(h.count() / 24) + " days"
                               : std::to_string(h.count()) + " hours";
}

bool usable(key_state s) {
    return s == key_state::enabled || s == key_state::disabled;
}

status wrong_state(cloud_key const& k, std::string_view call) {
    return status{code::failed_precondition, std::string(call) + ": key " + k.native_id + " is " +
                                                 std::string(to_string(k.state))};
}

}  // namespace

simulated_provider::simulated_provider(std::string cloud,
                                       key_store& state,
                                       scheduler::clock& clock,
                                       simulation_settings settings)
    : cloud_provider(std::move(cloud)), state_(state), clock_(clock) {
    configure(std::move(settings));
}

result<std::unique_ptr<simulated_provider>> simulated_provider::make(std::string cloud,
                                                                     key_store& state,
                                                                     scheduler::clock& clock,
                                                                     simulation_settings settings) {
    if (!detail::rules_of(cloud))
        return scheduler::invalid_argument("cloud_name", "unknown cloud '" + cloud + "'");
    return std::unique_ptr<simulated_provider>(
        new simulated_provider(std::move(cloud), state, clock, std::move(settings)));
}

void simulated_provider::configure(simulation_settings settings) {
    std::lock_guard lock(mutex_);
    settings_ = std::move(settings);
    tokens_ = settings_.burst;
    refilled_at_ = clock_.now();
    random_.seed(settings_.seed);
}

std::uint64_t simulated_provider::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

void simulated_provider::wait(std::chrono::microseconds d) {
    if (d.count() <= 0) return;
    // Simulated time passes instead of real time, as the engine's wait_for does.
    if (!clock_.pass(d)) std::this_thread::sleep_for(d);
}

result<void> simulated_provider::enter(std::string_view call, std::string_view id) {
    std::chrono::microseconds latency;
    {
        std::lock_guard lock(mutex_);
        latency = settings_.latency;
    }
    wait(latency);
    {
        std::lock_guard lock(mutex_);
        ++calls_;
        if (settings_.calls_per_second > 0) {
            auto const now = clock_.now();
            std::chrono::duration<double> const elapsed = now - refilled_at_;
            refilled_at_ = now;
            tokens_ = std::min(settings_.burst, tokens_ + std::max(0.0, elapsed.count()) *
                                                              settings_.calls_per_second);
            if (tokens_ < 1.0)
                // The text AWS KMS answers with (HTTP 400 ThrottlingException), for logs.
                return status{code::resource_exhausted, "ThrottlingException: Rate exceeded (" +
                                                            cloud() + " " + std::string(call) +
                                                            ")"};
            tokens_ -= 1.0;
        }
        if (settings_.failure_rate > 0 &&
            std::uniform_real_distribution<double>(0.0, 1.0)(random_) < settings_.failure_rate)
            return status{code::unavailable, "simulated " + cloud() +
                                                 " outage: " + std::string(call) + " answered 503"};
    }
    return step(call, id);
}

result<void> simulated_provider::step(std::string_view call, std::string_view id) {
    decltype(settings_.inject) inject;
    {
        std::lock_guard lock(mutex_);
        inject = settings_.inject;
    }
    // Called without the settings lock, so a hook may throw freely. It must not call back into
    // the provider: steps inside a call run while the state is being written.
    if (inject)
        if (auto failure = inject(call, id)) return *failure;
    return {};
}

result<cloud_key> simulated_provider::load(std::string_view native_id) {
    auto k = state_.get(cloud(), native_id);
    if (!k && k.error().error_code() == code::not_found)
        return scheduler::not_found(cloud() + " key " + std::string(native_id) + " not found");
    return k;
}

result<cloud_key> simulated_provider::save(cloud_key key) {
    key.updated_at = clock_.now();
    if (auto r = state_.put(key); !r) return r.error();
    return key;
}

result<key_page> simulated_provider::do_list_keys(key_list_request const& request) {
    if (auto r = enter("list_keys", ""); !r) return r.error();
    key_query q;
    q.cloud = cloud();
    q.containers = request.containers;
    q.include_deleted = false;
    q.skip = request.skip;
    q.limit = request.limit;
    return state_.list(q);
}

result<cloud_key> simulated_provider::do_get_key(std::string_view native_id) {
    if (auto r = enter("get_key", native_id); !r) return r.error();
    auto k = load(native_id);
    if (k && k->state == key_state::deleted)
        return scheduler::not_found(cloud() + " key " + std::string(native_id) + " is deleted");
    return k;
}

result<cloud_key> simulated_provider::do_create_key(key_spec const& spec) {
    if (auto r = enter("create_key", ""); !r) return r.error();
    auto const& rules = *detail::rules_of(cloud());
    auto const now = clock_.now();
    if (spec.expires_at && *spec.expires_at < now + rules.min_expiry)
        return scheduler::invalid_argument(
            "expires_at",
            cloud() + " needs an expiry at least " + hours_text(rules.min_expiry) + " ahead");
    if (cloud() == "sfdc" &&
        std::find(std::begin(detail::sfdc_key_types), std::end(detail::sfdc_key_types),
                  spec.key_type) == std::end(detail::sfdc_key_types))
        return scheduler::invalid_argument("key_type", "is not a Salesforce tenant secret type");
    for (auto const& alias : spec.aliases)
        if (cloud() != "aws" || !alias.starts_with("alias/") || alias.starts_with("alias/aws/"))
            return scheduler::invalid_argument("aliases",
                                               "'" + alias + "' is not a customer alias name");

    cloud_key k;
    k.cloud = cloud();
    k.name = spec.name;
    k.account = spec.account.empty() ? std::string(rules.account) : spec.account;
    k.region = spec.region.empty() ? std::string(rules.region) : spec.region;
    k.container = spec.container.empty() ? std::string(rules.container) : spec.container;
    k.native_id = detail::native_id_for(k, spec.name);
    k.id = k.native_id;
    k.key_type = spec.key_type;
    k.origin = spec.origin;
    k.tags = spec.tags;
    k.created_at = now;
    k.expires_at = spec.expires_at;
    k.versions.push_back({"1", now, spec.expires_at, true});

    std::lock_guard lock(write_mutex_);
    if (auto existing = state_.get(cloud(), k.native_id); existing)
        return status{code::already_exists, cloud() + " key " + k.native_id + " exists", "name"};
    if (!spec.aliases.empty()) {
        auto all = state_.list({.cloud = cloud(), .include_deleted = false});
        if (!all) return all.error();
        for (auto const& other : all->keys)
            for (auto const& alias : spec.aliases)
                if (std::find(other.aliases.begin(), other.aliases.end(), alias) !=
                    other.aliases.end())
                    return status{code::already_exists,
                                  "alias " + alias + " is on key " + other.native_id, "aliases"};
        k.aliases = spec.aliases;
    }
    return save(std::move(k));
}

result<cloud_key> simulated_provider::do_set_enabled(std::string_view native_id, bool enabled) {
    if (auto r = enter(enabled ? "enable_key" : "disable_key", native_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (!usable(k->state)) return wrong_state(*k, enabled ? "enable" : "disable");
    k->state = enabled ? key_state::enabled : key_state::disabled;
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_schedule_deletion(std::string_view native_id, int days) {
    auto const& rules = *detail::rules_of(cloud());
    if (rules.max_deletion_days == 0) return not_supported("scheduled deletion");
    if (auto r = enter("schedule_deletion", native_id); !r) return r.error();
    if (days < rules.min_deletion_days || days > rules.max_deletion_days)
        return scheduler::invalid_argument(
            "days", cloud() + " allows " + std::to_string(rules.min_deletion_days) + " to " +
                        std::to_string(rules.max_deletion_days) + " days");
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (!usable(k->state)) return wrong_state(*k, "schedule_deletion");
    k->state = key_state::pending_deletion;
    k->deletion_date = clock_.now() + hours{24 * days};
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_cancel_deletion(std::string_view native_id) {
    if (detail::rules_of(cloud())->max_deletion_days == 0)
        return not_supported("scheduled deletion");
    if (auto r = enter("cancel_deletion", native_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (k->state != key_state::pending_deletion) return wrong_state(*k, "cancel_deletion");
    k->state = key_state::disabled;
    k->deletion_date.reset();
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_apply_policy(std::string_view native_id,
                                                      std::string_view policy_json) {
    if (!detail::rules_of(cloud())->policies) return not_supported("key policies");
    if (auto r = enter("apply_policy", native_id); !r) return r.error();
    boost::system::error_code ec;
    auto policy = boost::json::parse(policy_json, ec);
    if (ec || !policy.is_object())
        return scheduler::invalid_argument("policy", "must be a JSON object");
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (k->state == key_state::deleted) return wrong_state(*k, "apply_policy");
    k->policy = boost::json::serialize(policy);
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_set_auto_rotation(
    std::string_view native_id, std::optional<rotation_policy> const& policy) {
    auto const& rules = *detail::rules_of(cloud());
    if (rules.max_period.count() == 0) return not_supported("automatic rotation");
    if (auto r = enter("set_auto_rotation", native_id); !r) return r.error();
    if (policy) {
        auto const p = policy->period;
        if (p < rules.min_period || p > rules.max_period)
            return scheduler::invalid_argument("rotation_period",
                                               cloud() + " rotation period must be " +
                                                   hours_text(rules.min_period) + " to " +
                                                   hours_text(rules.max_period));
        if (rules.period_in_days && p.count() % 24 != 0)
            return scheduler::invalid_argument("rotation_period",
                                               cloud() + " rotation period is whole days");
        if (policy->expire_after) {
            if (rules.min_expiry.count() == 0)
                return scheduler::invalid_argument("expire_after",
                                                   cloud() + " rotation has no expiry setting");
            if (*policy->expire_after < rules.min_expiry)
                return scheduler::invalid_argument(
                    "expire_after",
                    cloud() + " expiry must be at least " + hours_text(rules.min_expiry));
            // Azure: the rotation must come at least 7 days before the expiry.
            if (p + hours{24 * 7} > *policy->expire_after)
                return scheduler::invalid_argument("rotation_period",
                                                   "must be at least 7 days before expire_after");
        }
    }
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (!usable(k->state)) return wrong_state(*k, "set_auto_rotation");
    k->auto_rotation = policy;
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_delete_key(std::string_view native_id,
                                                    bool delete_if_backup_fails) {
    if (!detail::rules_of(cloud())->backups) return not_supported("delete with backup");
    if (auto r = enter("delete_key", native_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (k->state == key_state::deleted) return wrong_state(*k, "delete_key");
    if (auto backed_up = step("delete_key.backup", native_id); !backed_up) {
        if (!delete_if_backup_fails)
            return status{backed_up.error().error_code(),
                          "backup failed, key not deleted: " + backed_up.error().message()};
    } else {
        k->backups.push_back({new_key_id(), clock_.now()});
    }
    k->state = key_state::deleted;
    return save(std::move(*k));
}

result<cloud_key> simulated_provider::do_restore_key(std::string_view native_id) {
    if (!detail::rules_of(cloud())->backups) return not_supported("restore from backup");
    if (auto r = enter("restore_key", native_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k;
    if (k->state != key_state::deleted) return wrong_state(*k, "restore_key");
    if (k->backups.empty())
        return status{code::failed_precondition, "key " + k->native_id + " has no backup"};
    k->state = key_state::enabled;
    return save(std::move(*k));
}

result<std::vector<key_backup>> simulated_provider::do_list_backups(std::string_view native_id) {
    if (!detail::rules_of(cloud())->backups) return not_supported("key backups");
    if (auto r = enter("list_backups", native_id); !r) return r.error();
    auto k = load(native_id);
    if (!k) return k.error();
    return k->backups;
}

result<void> simulated_provider::do_delete_backup(std::string_view native_id,
                                                  std::string_view backup_id) {
    if (!detail::rules_of(cloud())->backups) return not_supported("key backups");
    if (auto r = enter("delete_backup", native_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k.error();
    // SAP keeps the backup while the key lives: it is what a later restore needs.
    if (cloud() == "sap" && k->state != key_state::deleted)
        return status{code::failed_precondition, "delete the key from SAP before its backup"};
    auto it = std::find_if(k->backups.begin(), k->backups.end(),
                           [&](key_backup const& b) { return b.id == backup_id; });
    if (it == k->backups.end())
        return scheduler::not_found("backup " + std::string(backup_id) + " not found");
    k->backups.erase(it);
    if (auto saved = save(std::move(*k)); !saved) return saved.error();
    return {};
}

result<void> add_simulated_providers(provider_registry& registry,
                                     key_store& state,
                                     scheduler::clock& clock,
                                     simulation_settings settings) {
    for (auto cloud : cloud_names()) {
        auto p = simulated_provider::make(std::string(cloud), state, clock, settings);
        if (!p) return p.error();
        if (auto r = registry.add(std::move(*p)); !r) return r;
    }
    return {};
}

}  // namespace cckm
