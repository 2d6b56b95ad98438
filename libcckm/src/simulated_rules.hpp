// SPDX-License-Identifier: Apache-2.0
// Private: each simulated cloud's rules (DESIGN.md §8) as one table row, so the provider has
// one code path and the differences between clouds are data.
#pragma once

#include <cckm/cloud_key.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace cckm::detail {

/// What rotating a key does in this cloud.
enum class rotation_kind {
    new_key,        ///< AWS: a new key takes over the aliases, the old one is archived
    new_version,    ///< Azure, GCP, OCI, SAP: a new version of the same key
    tenant_secret,  ///< Salesforce: a new tenant secret of the key's type
};

struct cloud_rules {
    std::string_view cloud;
    rotation_kind rotation;
    /// Limits of the cloud's own rotation schedule; zero max = no automatic rotation.
    std::chrono::hours min_period;
    std::chrono::hours max_period;
    bool period_in_days;  ///< AWS takes whole days (RotationPeriodInDays)
    /// Shortest expiry a key or version may be given, from now (Azure: 28 days).
    std::chrono::hours min_expiry;
    /// Window of schedule_deletion in days; zero max = not offered.
    int min_deletion_days;
    int max_deletion_days;
    bool backups;   ///< delete/restore through a backup (SAP, Azure)
    bool policies;  ///< key policies
    /// Where demo keys live.
    std::string_view account;
    std::string_view region;
    std::string_view container;
};

/// The rules of `cloud`, or nullptr when it is not one of cloud_names().
[[nodiscard]] cloud_rules const* rules_of(std::string_view cloud) noexcept;

/// The cloud's own id for a new key named `name` in `k`'s cloud and location (account, region,
/// container): Azure's key URL, GCP's resource name, a fresh id elsewhere.
[[nodiscard]] std::string native_id_for(cloud_key const& k, std::string_view name);

/// Salesforce tenant secret types (sfdc_param.key_type).
inline constexpr std::string_view sfdc_key_types[] = {"Data", "EventBus", "SearchIndex",
                                                      "DeterministicData", "Analytics"};

}  // namespace cckm::detail
