// SPDX-License-Identifier: Apache-2.0
// File: cckm/cloud_provider.hpp
//
// The interface every cloud provider implements (built-in simulated ones, real ones, plugins)
// and the registry that finds a provider by cloud name (DESIGN.md §8, STYLE.md point 12).
// Callers use the public non-virtual functions; providers override the protected `do_*` hooks.
// The public functions check arguments and catch whatever a hook throws, so a broken provider
// fails its calls with `code::internal` instead of taking the process down.
//
// Failures are classed by code: `unavailable` (cloud unreachable, 5xx) and `resource_exhausted`
// (throttled) are transient and worth a retry with backoff (`cckm::is_retryable`); everything
// else (invalid_argument, not_found, failed_precondition, unimplemented, internal) is permanent.
//
//   cckm::provider_registry providers;
//   providers.add(std::make_unique<my_provider>()).value();
//   auto rotated = providers.find("aws")->rotate_key(key.native_id, {});
//   if (!rotated && cckm::is_retryable(rotated.error())) retry_later();
#pragma once

#include <cckm/cloud_key.hpp>
#include <scheduler/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

/// True for provider failures worth retrying with backoff: unavailable or throttled.
[[nodiscard]] bool is_retryable(scheduler::status const& s) noexcept;

/// Which keys list_keys returns: a page of the keys in `containers` (all when empty).
struct key_list_request {
    std::vector<std::string> containers{};
    std::size_t skip = 0;
    std::size_t limit = 100;  ///< 1..1000
};

/// What create_key makes.
struct key_spec {
    std::string name;
    std::string container;
    std::string region;
    std::string account;
    std::string key_type = "symmetric";
    std::string origin = "native";
    std::vector<std::string> aliases;
    std::map<std::string, std::string> tags;
    std::optional<scheduler::time_point> expires_at;
};

/// Options of one rotation (the rotation params of seeds/000).
struct rotate_request {
    std::optional<scheduler::time_point> expires_at{};  ///< `expiration`: new material's expiry
    bool retain_alias = false;     ///< AWS: keep `<alias>-<UTC timestamp>` on the archived key
    bool rotate_material = false;  ///< AWS: new material in the same key, not a new key
};

/// What a rotation did. For an AWS new-key rotation `key` is the new key and `archived` the
/// old one; for every other kind `key` is the same key with a new version. `complete` is false
/// when the cloud stopped part-way (e.g. the new key exists but aliases did not move): the
/// keys show the state the cloud is in and `incomplete_reason` says what is left undone.
struct rotation_outcome {
    cloud_key key;
    std::optional<cloud_key> archived;
    bool complete = true;
    std::string incomplete_reason;
};

/// A new credential of an AWS external key store (XKS proxy). The secret is never logged.
struct xks_credential {
    std::string custom_key_store_id;
    std::string access_key_id;
    std::string secret_access_key;
    scheduler::time_point rotated_at{};
};

/// An AWS custom key store as the cloud describes it. Only the non-secret half of its proxy
/// credential is here (the access key id and a version counting rotations), so the struct can
/// be logged and shown.
struct custom_key_store {
    std::string id;                           ///< "cks-..."
    std::string name;                         ///< CustomKeyStoreName
    std::string type = "EXTERNAL_KEY_STORE";  ///< or "AWS_CLOUDHSM", which has no XKS credential
    std::string connection_state = "CONNECTED";
    std::string access_key_id;                        ///< XksProxyAuthenticationCredential id
    std::int64_t credential_version = 1;              ///< 1 at creation, +1 per rotation
    std::optional<scheduler::time_point> rotated_at;  ///< last credential rotation
    scheduler::time_point created_at{};
};

/// A cloud's key management API. Non-copyable; implementations must be thread-safe, since
/// several runs may call one provider at once.
class cloud_provider {
public:
    virtual ~cloud_provider();
    cloud_provider(cloud_provider const&) = delete;
    cloud_provider& operator=(cloud_provider const&) = delete;

    /// The cloud this provider serves ("aws", "AzureCloud", ...).
    [[nodiscard]] std::string const& cloud() const noexcept { return cloud_; }

    /// A page of the cloud's keys (deleted keys excluded), oldest first.
    [[nodiscard]] scheduler::result<key_page> list_keys(key_list_request const& request);
    /// One key by its native id.
    [[nodiscard]] scheduler::result<cloud_key> get_key(std::string_view native_id);
    /// Creates a key (cloud rules apply: alias syntax, minimum expiry, ...).
    [[nodiscard]] scheduler::result<cloud_key> create_key(key_spec const& spec);
    /// Rotates per the cloud's semantics (see rotation_outcome).
    [[nodiscard]] scheduler::result<rotation_outcome> rotate_key(std::string_view native_id,
                                                                 rotate_request const& request);
    /// Enables or disables a key.
    [[nodiscard]] scheduler::result<cloud_key> set_enabled(std::string_view native_id,
                                                           bool enabled);
    /// Schedules deletion after `days` (the cloud's window applies, AWS 7-30).
    [[nodiscard]] scheduler::result<cloud_key> schedule_deletion(std::string_view native_id,
                                                                 int days);
    /// Cancels a scheduled deletion; the key comes back disabled, as AWS does.
    [[nodiscard]] scheduler::result<cloud_key> cancel_deletion(std::string_view native_id);
    /// Replaces the key policy (a JSON object).
    [[nodiscard]] scheduler::result<cloud_key> apply_policy(std::string_view native_id,
                                                            std::string_view policy_json);
    /// Sets (or with nullopt removes) the cloud's own rotation schedule; the cloud's limits on
    /// the period apply.
    [[nodiscard]] scheduler::result<cloud_key> set_auto_rotation(
        std::string_view native_id, std::optional<rotation_policy> policy);
    /// Deletes a key from the cloud after taking a backup; without a backup the delete is
    /// refused unless `delete_if_backup_fails` (SAP semantics).
    [[nodiscard]] scheduler::result<cloud_key> delete_key(std::string_view native_id,
                                                          bool delete_if_backup_fails = false);
    /// Restores a deleted key from its newest backup.
    [[nodiscard]] scheduler::result<cloud_key> restore_key(std::string_view native_id);
    /// The backups held for a key, oldest first.
    [[nodiscard]] scheduler::result<std::vector<key_backup>> list_backups(
        std::string_view native_id);
    /// Deletes one backup of a key.
    [[nodiscard]] scheduler::result<void> delete_backup(std::string_view native_id,
                                                        std::string_view backup_id);
    /// Issues a new credential for an AWS custom key store (XKS) and retires the old one.
    [[nodiscard]] scheduler::result<xks_credential> rotate_xks_credentials(
        std::string_view custom_key_store_id);
    /// The account's custom key stores (AWS), oldest first.
    [[nodiscard]] scheduler::result<std::vector<custom_key_store>> list_custom_key_stores();

protected:
    explicit cloud_provider(std::string cloud);

    // Hooks. Arguments are already checked (ids non-empty, limit in range). Optional
    // capabilities default to `unimplemented`.
    [[nodiscard]] virtual scheduler::result<key_page> do_list_keys(key_list_request const&) = 0;
    [[nodiscard]] virtual scheduler::result<cloud_key> do_get_key(std::string_view) = 0;
    [[nodiscard]] virtual scheduler::result<cloud_key> do_create_key(key_spec const&) = 0;
    [[nodiscard]] virtual scheduler::result<rotation_outcome> do_rotate_key(
        std::string_view, rotate_request const&) = 0;
    [[nodiscard]] virtual scheduler::result<cloud_key> do_set_enabled(std::string_view, bool);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_schedule_deletion(std::string_view, int);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_cancel_deletion(std::string_view);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_apply_policy(std::string_view,
                                                                       std::string_view);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_set_auto_rotation(
        std::string_view, std::optional<rotation_policy> const&);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_delete_key(std::string_view, bool);
    [[nodiscard]] virtual scheduler::result<cloud_key> do_restore_key(std::string_view);
    [[nodiscard]] virtual scheduler::result<std::vector<key_backup>> do_list_backups(
        std::string_view);
    [[nodiscard]] virtual scheduler::result<void> do_delete_backup(std::string_view,
                                                                   std::string_view);
    [[nodiscard]] virtual scheduler::result<xks_credential> do_rotate_xks_credentials(
        std::string_view);
    [[nodiscard]] virtual scheduler::result<std::vector<custom_key_store>>
    do_list_custom_key_stores();

    /// The `unimplemented` status optional hooks answer with, naming the call.
    [[nodiscard]] scheduler::status not_supported(std::string_view call) const;

private:
    std::string cloud_;
};

/// Cloud name -> provider. Thread-safe; providers live as long as the registry.
class provider_registry {
public:
    /// invalid_argument when the provider's cloud is not one of cloud_names() or it is null;
    /// already_exists when that cloud has a provider.
    [[nodiscard]] scheduler::result<void> add(std::unique_ptr<cloud_provider> provider);
    /// Adds a provider for a cloud that may be outside cloud_names() (a plugin's cloud); the
    /// name must be 1-64 of [A-Za-z0-9_.-]. already_exists when that cloud has a provider.
    [[nodiscard]] scheduler::result<void> add_extension(std::unique_ptr<cloud_provider> provider);
    /// The provider of `cloud`, or nullptr.
    [[nodiscard]] cloud_provider* find(std::string_view cloud) const;
    /// Clouds with a provider, sorted.
    [[nodiscard]] std::vector<std::string> clouds() const;
    /// Takes the provider of `cloud` out of the registry (null when none), e.g. to wrap it.
    /// For set-up only: a pointer find() returned earlier for that cloud would dangle.
    [[nodiscard]] std::unique_ptr<cloud_provider> release(std::string_view cloud);

private:
    [[nodiscard]] scheduler::result<void> insert(std::unique_ptr<cloud_provider> provider);

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<cloud_provider>, std::less<>> providers_;
};

}  // namespace cckm
