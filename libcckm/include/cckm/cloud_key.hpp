// SPDX-License-Identifier: Apache-2.0
// File: cckm/cloud_key.hpp
//
// The key model shared by providers, the key inventory and the operations: one cloud key with
// its versions, aliases, tags, CCKM labels and lifecycle dates (DESIGN.md §8, seeds/004). The
// same struct describes a key as the cloud holds it (a provider's answer) and as the inventory
// records it; `id` and `labels` are CCKM's, everything else mirrors the cloud.
//
//   cckm::cloud_key k;
//   k.cloud = "aws";
//   k.native_id = "9905c8da-2a0f-4666-a9c9-555c2567a242";
//   k.aliases = {"alias/aws-test-key-1"};
//   if (k.state == cckm::key_state::enabled) ...
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

/// Lifecycle of a key. `archived` is an AWS key rotated away from (kept, aliases moved);
/// `deleted` is a key removed from the cloud whose backup CCKM still holds (SAP, Azure).
enum class key_state { enabled, disabled, pending_deletion, archived, deleted };

/// "enabled", "disabled", "pending_deletion", "archived", "deleted".
[[nodiscard]] std::string_view to_string(key_state s) noexcept;
/// The inverse of to_string; invalid_argument naming `field` otherwise.
[[nodiscard]] scheduler::result<key_state> parse_key_state(std::string_view s,
                                                           std::string_view field = "state");

/// One version of a key's material (Azure/GCP/OCI/SAP versions, AWS imported material,
/// Salesforce tenant secrets).
struct key_version {
    std::string id;
    scheduler::time_point created_at{};
    std::optional<scheduler::time_point> expires_at;
    bool enabled = true;
    friend bool operator==(key_version const&, key_version const&) = default;
};

/// A backup of a key held for restore (SAP delete/restore, Azure backups).
struct key_backup {
    std::string id;
    scheduler::time_point created_at{};
    friend bool operator==(key_backup const&, key_backup const&) = default;
};

/// A cloud's own schedule for rotating a key (AWS KeyRotationEnabled + RotationPeriodInDays,
/// Azure rotation policy, GCP rotation_period, OCI auto-rotation).
struct rotation_policy {
    std::chrono::hours period{0};                    ///< rotate this long after the last rotation
    std::optional<std::chrono::hours> expire_after;  ///< Azure: expiry of each new version
    friend bool operator==(rotation_policy const&, rotation_policy const&) = default;
};

/// One key. Value type; not synchronized.
struct cloud_key {
    std::string id;         ///< CCKM's id (UUID) in the inventory; a provider sets native_id
    std::string cloud;      ///< one of cloud_names()
    std::string native_id;  ///< the cloud's id (AWS KeyID, Azure kid, GCP resource name, ...)
    std::string name;
    std::string account;    ///< AWS account, Azure subscription, GCP project, OCI tenancy, ...
    std::string region;     ///< AWS region, Azure location, GCP location, OCI region
    std::string container;  ///< what synchronization names: AWS kms, Azure vault, GCP key
                            ///< ring, OCI vault, Salesforce organization, SAP group
    std::vector<std::string> aliases;  ///< AWS "alias/..." names
    std::string key_type;              ///< "symmetric", "RSA", "EC"; Salesforce: "Data", ...
    std::string origin = "native";     ///< key_material_origin: native | cckm (imported)
    key_state state = key_state::enabled;
    scheduler::time_point created_at{};
    std::optional<scheduler::time_point> rotated_at;  ///< last rotation (new version or new key)
    std::optional<scheduler::time_point> expires_at;  ///< of the current material
    std::optional<scheduler::time_point> deletion_date;
    std::vector<key_version> versions;  ///< oldest first; the last one is current
    std::vector<key_backup> backups;
    std::optional<rotation_policy> auto_rotation;
    std::string rotated_from;                 ///< the key this one replaced (AWS new-key rotation)
    std::string rotated_to;                   ///< the key that replaced this one
    std::string policy;                       ///< key policy, JSON text ("" = the cloud's default)
    std::map<std::string, std::string> tags;  ///< the cloud's tags
    std::map<std::string, std::string> labels;  ///< CCKM's (job_config_id, auto_rotate_*)
    bool gone = false;  ///< the cloud no longer has it (set by synchronization)
    std::optional<scheduler::time_point> synced_at;
    scheduler::time_point updated_at{};

    /// The label that attaches a key to a rotation job config.
    static constexpr std::string_view job_config_label = "job_config_id";
    /// When the key was last renewed: its last rotation, else its creation.
    [[nodiscard]] scheduler::time_point last_renewed() const noexcept {
        return rotated_at.value_or(created_at);
    }

    friend bool operator==(cloud_key const&, cloud_key const&) = default;
};

/// A page of keys and the total matching the query.
struct key_page {
    std::vector<cloud_key> keys;
    std::size_t total = 0;
};

}  // namespace cckm
