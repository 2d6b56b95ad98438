// SPDX-License-Identifier: Apache-2.0
// The handlers of the five reference operations, one function each, so that the real work
// (cloud providers, the store backup, the notifier) replaces one function at a time.
#pragma once

#include <cckm/operations.hpp>
#include <scheduler/operation.hpp>

#include <string>
#include <utility>

namespace cckm::handlers {

/// A failed run with its short message and the details gathered so far (JSON object text).
[[nodiscard]] inline scheduler::operation_result failed(std::string error,
                                                        std::string details = "{}") {
    return {scheduler::run_status::failed, std::move(details), std::move(error)};
}

/// cckm_key_rotation: rotates the inventory keys attached to the config (label job_config_id)
/// that the selection rules pick (expire_in, rotation_after, sfdc key_type), per cloud
/// semantics (DESIGN.md §8). Details: {total_keys, num_rotated, num_skipped, num_failed,
/// num_not_started, keys:[{id, status, error, ...}]}.
[[nodiscard]] scheduler::operation_result run_key_rotation(scheduler::operation_context& ctx,
                                                           operation_environment const& env);
/// cckm_synchronization: pulls the cloud's keys (all, or the named containers) into the
/// inventory and marks inventory keys the cloud no longer has as gone. Details: {total_keys,
/// num_added, num_updated, num_unchanged, num_gone}.
[[nodiscard]] scheduler::operation_result run_synchronization(scheduler::operation_context& ctx,
                                                              operation_environment const& env);
/// cckm_xks_credential_rotation: a new proxy credential for each external custom key store of
/// the AWS provider. Details: {total, num_rotated, num_failed, num_not_started, items:[{id,
/// name, result, message, access_key_id?, credential_version?, attempts?}]}; never a secret.
[[nodiscard]] scheduler::operation_result run_xks_rotation(scheduler::operation_context& ctx,
                                                           operation_environment const& env);
/// database_backup: a consistent copy of the live store in env.backup_dir, written under a
/// temporary name and renamed, keeping the newest `retentionCount` backups.
[[nodiscard]] scheduler::operation_result run_database_backup(scheduler::operation_context& ctx,
                                                              operation_environment const& env);
/// user_password_expiry_notification: hands a notice for each user whose password expires
/// within the policy window (or has expired) to env.password_notifier. Details: {total_users,
/// num_notified, num_skipped, num_failed, num_not_started, users:[{id, username, result,
/// message, expires_at, attempts?}]} listing the users in the window.
[[nodiscard]] scheduler::operation_result run_password_expiry(scheduler::operation_context& ctx,
                                                              operation_environment const& env);

}  // namespace cckm::handlers
