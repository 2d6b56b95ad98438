// SPDX-License-Identifier: Apache-2.0
// File: cckm/backup_crypto.hpp
//
// Encryption of database backups (database_backup with a `backupKey`). A backup key is 32
// random bytes in `<key_dir>/<name>.key` (0600, directory 0700), created on first use; the
// backup is AES-256-GCM over the whole SQLite file:
//   "SCHEDBK1" (8 bytes) | nonce (12) | ciphertext | tag (16)
// The key name and the magic are authenticated, so a backup opened with another key, or
// altered in any byte, is refused instead of restored.
//
//   auto key = cckm::load_backup_key(data_dir + "/backup-keys", "nightly", false).value();
//   cckm::decrypt_backup(backup_path, "restored.db", key).value();
#pragma once

#include <scheduler/errors.hpp>

#include <array>
#include <string>
#include <string_view>

namespace cckm {

/// A backup key as read from its file: the name (authenticated with each backup) and 32 bytes.
struct backup_key {
    std::string name;
    std::array<unsigned char, 32> bytes{};
};

/// True for names usable as a backup key file name: 1-64 of [A-Za-z0-9_.-], not starting with
/// '.' (so a name can never leave the key directory).
[[nodiscard]] bool valid_backup_key_name(std::string_view name) noexcept;

/// Reads `<key_dir>/<name>.key`; with `create`, makes it (and the directory) when missing.
/// invalid_argument naming `backupKey` for a bad name; not_found when missing and not created;
/// failed_precondition when the file is not 32 bytes or is readable by others.
[[nodiscard]] scheduler::result<backup_key> load_backup_key(std::string const& key_dir,
                                                            std::string_view name,
                                                            bool create);

/// Encrypts the file `in` into `out` (created 0600; replaced if present).
[[nodiscard]] scheduler::result<void> encrypt_backup(std::string const& in,
                                                     std::string const& out,
                                                     backup_key const& key);

/// Decrypts a backup written by encrypt_backup into `out` (0600). failed_precondition when the
/// file is not such a backup, was altered, or was written with another key (`out` is removed).
[[nodiscard]] scheduler::result<void> decrypt_backup(std::string const& in,
                                                     std::string const& out,
                                                     backup_key const& key);

}  // namespace cckm
