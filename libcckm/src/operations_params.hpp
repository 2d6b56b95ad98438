// SPDX-License-Identifier: Apache-2.0
// Params validators of the five reference operations (DESIGN.md §2, seeds/000, cckm-api-notes
// §4.2). Each takes the params block as JSON text and returns it normalized: keys whose value is
// null are dropped, and so are optional strings sent as "" (PATCH uses "" to clear them), so a
// response shows only what is set. Unknown keys are kept as sent. Errors are invalid_argument
// naming the field with its block prefix ("cckm_key_rotation_params.expire_in"); values of
// secret fields (backupKey) never appear in a message.
#pragma once

#include <scheduler/errors.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace cckm::params {

/// Block names, as the registry and the API know them.
inline constexpr std::string_view key_rotation_field = "cckm_key_rotation_params";
inline constexpr std::string_view synchronization_field = "cckm_synchronization_params";
inline constexpr std::string_view xks_rotation_field = "cckm_xks_credential_rotation_params";
inline constexpr std::string_view database_backup_field = "database_backup_params";
inline constexpr std::string_view password_expiry_field =
    "user_password_expiry_notification_params";

/// The synchronization params list naming the containers of a plugin's cloud.
inline constexpr std::string_view plugin_container_list = "containers";

/// Answers whether a cloud outside cloud_names() has a provider (a plugin's cloud), so its name
/// is accepted in cloud_name. Empty: only cloud_names() are.
using extra_clouds = std::function<bool(std::string_view cloud)>;

/// cloud_name (required, one of cloud_names() or an extra cloud), expiration/expire_in
/// (`<n>d|<n>h`, n >= 1; expire_in not with gcp), rotation_after (`<n>d`, only aws/AzureCloud),
/// aws_param {retain_alias, rotate_material} booleans, sfdc_param {certificate_id, domain_id
/// (required with key_source dsm), key_source native|dsm|ciphertrust, key_derivation_mode
/// PBKDF2|NONE, key_type [Data|EventBus|SearchIndex|DeterministicData|Analytics], organization_id}.
[[nodiscard]] scheduler::result<std::string> validate_key_rotation(std::string_view json,
                                                                   extra_clouds const& extra = {});

/// cloud_name (required), synchronize_all (bool) or the cloud's container list (kms,
/// key_vaults, key_rings, oci_vaults, organizations, groups; external_cm_domains for any cloud)
/// with at least one id, never both; a non-empty list of another cloud is refused. An extra
/// (plugin) cloud names its containers in `containers`.
[[nodiscard]] scheduler::result<std::string> validate_synchronization(
    std::string_view json, extra_clouds const& extra = {});

/// cloud_name, which must be aws (the only cloud with external key stores).
[[nodiscard]] scheduler::result<std::string> validate_xks_rotation(std::string_view json);

/// tiedToHSM, description, backupKey, scope system|domain, filters (domain scope only:
/// [{resourceType, resourceQuery}]), retentionCount >= 1, do_scp (needs connection), connection.
[[nodiscard]] scheduler::result<std::string> validate_database_backup(std::string_view json);

/// Optional password_max_age (`<n>d`) and notify_before (`<n>d|<n>h`), overriding the password
/// policy the host gives (operation_environment::password_policy); other keys are kept.
[[nodiscard]] scheduler::result<std::string> validate_password_expiry(std::string_view json);

}  // namespace cckm::params
