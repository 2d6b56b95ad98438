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

#include <scheduler/errors.hpp>
#include <scheduler/operation.hpp>

#include <span>
#include <string_view>

namespace cckm {

/// Cloud names accepted in `cloud_name` (the reference's spelling).
[[nodiscard]] std::span<std::string_view const> cloud_names() noexcept;

/// Registers the five operations with their params validators.
[[nodiscard]] scheduler::result<void> register_operations(scheduler::operation_registry& registry);

}  // namespace cckm
