// SPDX-License-Identifier: Apache-2.0
// File: cckm/operations.hpp
//
// The five operations of the reference API (cckm_key_rotation, cckm_synchronization,
// cckm_xks_credential_rotation, database_backup, user_password_expiry_notification) and the
// validation of their params blocks (DESIGN.md §2, seeds/000).
//
//   scheduler::operation_registry registry;
//   cckm::register_operations(registry).value();
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>
#include <scheduler/operation.hpp>

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

class key_store;
class notifier;
class provider_registry;

/// A password-based user as the host's user database knows it: no password, no hash.
struct password_user {
    std::string id;
    std::string username;
    scheduler::time_point password_changed_at{};  ///< when the password was last set
};

/// The password policy's expiry rule: a password expires `max_age` after it was set, and its
/// user is notified on every run from `notify_before` ahead of that (and after it, until the
/// password changes). A run's params may override both (password_max_age, notify_before).
struct password_expiry_policy {
    std::chrono::hours max_age{24 * 90};
    std::chrono::hours notify_before{24 * 14};
};

/// Cloud names accepted in `cloud_name` (the reference's spelling).
[[nodiscard]] std::span<std::string_view const> cloud_names() noexcept;

/// What the operations need from the process hosting them. Every member is optional; an
/// operation whose dependency is missing fails its runs with a message saying so.
struct operation_environment {
    /// Writes a consistent copy of the live store to the given path (for example
    /// `sqlite_store::backup_to`). Used by database_backup.
    std::function<scheduler::result<void>(std::string const& dest_path)> backup_store{};
    /// Directory database_backup writes into (created 0700 on first use).
    std::string backup_dir{};
    /// Directory of the backup keys (`<name>.key`, cckm/backup_crypto.hpp) that encrypt backups
    /// whose params name a `backupKey`; kept apart from backup_dir so copying the backups
    /// elsewhere does not copy their keys. Empty: encrypted backups are refused.
    std::string backup_key_dir{};
    /// The cloud providers, by cloud name. Used by key rotation and synchronization; must
    /// outlive the registered operations.
    provider_registry* providers = nullptr;
    /// The key inventory: which keys exist and which rotation config each is attached to
    /// (labels). Used by key rotation and synchronization; must outlive the operations.
    key_store* inventory = nullptr;
    /// The users whose password can expire. Used by user_password_expiry_notification; called
    /// from a worker thread, so it must be thread-safe.
    std::function<scheduler::result<std::vector<password_user>>()> password_users{};
    /// Where user_password_expiry_notification sends its notices; must outlive the operations.
    notifier* password_notifier = nullptr;
    /// The expiry rule used when a run's params do not set one.
    password_expiry_policy password_policy{};
};

/// Registers the five operations with their params validators and handlers.
[[nodiscard]] scheduler::result<void> register_operations(scheduler::operation_registry& registry,
                                                          operation_environment env = {});

}  // namespace cckm
