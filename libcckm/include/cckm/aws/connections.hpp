// SPDX-License-Identifier: Apache-2.0
// File: cckm/aws/connections.hpp
//
// AWS connections: which accounts and regions the "aws" cloud acts on, and as whom. A
// connection (name, account, regions, optional KMS-compatible endpoint, credentials) becomes
// one KMS provider per region behind a `connection_router`, the provider registered for cloud
// "aws": synchronization, rotation, bulk jobs and the rotation-job endpoints reach the real
// keys through it without knowing about connections. Keys list the connection's name as their
// container, so a synchronization's `kms: ["<name>"]` selects a connection.
//
// `kms_connections` keeps the connections in SQLite (the scheduler's database file). Secrets
// (secret access key, session token) are sealed with AES-256-GCM under a 32-byte key kept in
// `<key_dir>/connection-secrets.key` (0600); they are never returned, logged or put in an
// error message. Credentials not given are taken from the standard environment variables or
// ~/.aws/credentials when the connection's providers are built.
//
//   auto router = std::make_unique<cckm::aws::connection_router>(std::move(simulated_aws));
//   auto conns = cckm::aws::open_kms_connections(
//       db, data_dir, *router, cckm::aws::default_kms_factory(clock), clock).value();
//   providers.add(std::move(router)).value();  // the registry outlives `conns`
//   conns->add({.name = "prod", .account_id = "111122223333", .regions = {"eu-west-1"},
//               .creds = cckm::aws::credentials{id, secret, ""}}).value();
#pragma once

#include <cckm/aws/kms_provider.hpp>
#include <cckm/aws/sigv4.hpp>
#include <cckm/cloud_provider.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cckm::aws {

/// What a new connection is made of (the body of POST /api/v1/cckm/aws/kms).
struct connection_spec {
    std::string name;                  ///< 1-64 of [A-Za-z0-9_.-]; unique; the keys' container
    std::string account_id;            ///< 12 digits
    std::vector<std::string> regions;  ///< 1-32 region names such as eu-west-1
    /// Empty: https://kms.<region>.amazonaws.com. Else a KMS-compatible endpoint, only with
    /// explicit credentials (the server's own are never sent anywhere but AWS).
    std::string endpoint_url;
    /// Explicit credentials; nullopt takes them from the environment / ~/.aws/credentials.
    std::optional<credentials> creds;
};

/// A connection as it is shown: everything but the secrets.
struct connection_info {
    std::string id;
    std::string name;
    std::string account_id;
    std::vector<std::string> regions;
    std::string endpoint_url;
    std::string credential_source;  ///< "static" (given) or "default" (environment/profile)
    std::string access_key_id;      ///< static credentials only; an id, not a secret
    bool has_session_token = false;
    scheduler::time_point created_at{};
};

/// Checks a spec; invalid_argument naming the field (name, account_id, regions, endpoint_url,
/// access_key_id, secret_access_key, session_token).
[[nodiscard]] scheduler::result<void> validate(connection_spec const& spec);

/// The provider of cloud "aws" when connections exist: each call goes to the connection and
/// region that hold the key, keys nobody else holds to an optional fallback (the simulated
/// AWS cloud or a plugin). Connection keys are named by their ARN, so a key is routed to its
/// region even when another region has a key of the same id (multi-region keys). Thread-safe;
/// a connection removed while a call runs lives until the call ends.
class connection_router final : public cloud_provider {
public:
    explicit connection_router(std::shared_ptr<cloud_provider> fallback = nullptr);

    /// The provider of one region of a connection.
    struct regional_provider {
        std::string region;
        std::shared_ptr<cloud_provider> provider;
    };

    /// Replaces (or adds) the providers of connection `name`, one per region.
    void set_connection(std::string const& name, std::vector<regional_provider> providers);
    /// Marks connection `name` as stored but not usable (its providers could not be built):
    /// listings that include it fail with failed_precondition naming `reason` instead of
    /// answering without its keys, which a synchronization would take for "all gone".
    void set_unavailable(std::string const& name, std::string reason);
    /// Forgets connection `name` (usable or not); false when there was none.
    bool remove_connection(std::string const& name);
    /// Names of the connections, sorted.
    [[nodiscard]] std::vector<std::string> connections() const;

protected:
    scheduler::result<key_page> do_list_keys(key_list_request const&) override;
    scheduler::result<cloud_key> do_get_key(std::string_view) override;
    scheduler::result<cloud_key> do_create_key(key_spec const&) override;
    scheduler::result<rotation_outcome> do_rotate_key(std::string_view,
                                                      rotate_request const&) override;
    scheduler::result<cloud_key> do_set_enabled(std::string_view, bool) override;
    scheduler::result<cloud_key> do_schedule_deletion(std::string_view, int) override;
    scheduler::result<cloud_key> do_cancel_deletion(std::string_view) override;
    scheduler::result<cloud_key> do_apply_policy(std::string_view, std::string_view) override;
    scheduler::result<cloud_key> do_set_auto_rotation(
        std::string_view, std::optional<rotation_policy> const&) override;
    scheduler::result<cloud_key> do_delete_key(std::string_view, bool) override;
    scheduler::result<cloud_key> do_restore_key(std::string_view) override;
    scheduler::result<std::vector<key_backup>> do_list_backups(std::string_view) override;
    scheduler::result<void> do_delete_backup(std::string_view, std::string_view) override;
    scheduler::result<xks_credential> do_rotate_xks_credentials(std::string_view) override;
    scheduler::result<std::vector<custom_key_store>> do_list_custom_key_stores() override;

private:
    struct source {
        std::string connection;  ///< empty for the fallback
        std::string region;      ///< empty for the fallback
        std::shared_ptr<cloud_provider> provider;
    };
    struct located {
        std::shared_ptr<cloud_provider> provider;
        std::optional<cloud_key> key;  ///< when finding it took a get_key
    };
    [[nodiscard]] std::vector<source> sources() const;
    /// The provider holding `native_id`: the one that last listed, created or rotated it,
    /// else the first whose get_key finds it: for an ARN the connections of its region, for
    /// any other id the fallback first (it is local), then every connection.
    [[nodiscard]] scheduler::result<located> locate(std::string_view native_id);
    void remember(std::string const& native_id, std::shared_ptr<cloud_provider> const& p);
    template <class T, class F>
    scheduler::result<T> on_key(std::string_view native_id, F&& call);

    mutable std::shared_mutex mutex_;
    std::shared_ptr<cloud_provider> fallback_;
    std::map<std::string, std::vector<regional_provider>, std::less<>> connections_;
    std::map<std::string, std::string, std::less<>> unavailable_;  ///< name -> why
    std::map<std::string, std::weak_ptr<cloud_provider>, std::less<>> owner_;
};

/// Builds the provider of one region of a connection (make_kms_provider in production; tests
/// pass one with a fake endpoint's options).
using kms_provider_factory =
    std::function<scheduler::result<std::unique_ptr<cloud_provider>>(kms_connection)>;

/// The AWS connections of a server: stored, sealed, and live in a connection_router.
class kms_connections {
public:
    virtual ~kms_connections() = default;
    /// Validates, builds the providers (so bad credentials or endpoints are refused here, not
    /// at the first job), stores and routes a new connection. already_exists for a taken name.
    [[nodiscard]] virtual scheduler::result<connection_info> add(connection_spec spec) = 0;
    /// All connections, oldest first.
    [[nodiscard]] virtual scheduler::result<std::vector<connection_info>> list() = 0;
    /// One connection by id or name; not_found otherwise.
    [[nodiscard]] virtual scheduler::result<connection_info> get(std::string_view id_or_name) = 0;
    /// Deletes a connection and stops routing to it (keys already in the inventory stay until
    /// a synchronization marks them gone). not_found when unknown.
    [[nodiscard]] virtual scheduler::result<void> remove(std::string_view id_or_name) = 0;
};

/// Opens the connection store in the SQLite file `db_path` (creating `cckm_aws_connections`),
/// the sealing key in `key_dir` (created 0600 on first use), and routes every stored
/// connection through `router`. A stored connection whose providers cannot be built (its
/// default credentials are gone) is skipped and reported through `warn`, never fatal.
/// `router` must outlive the result.
[[nodiscard]] scheduler::result<std::unique_ptr<kms_connections>> open_kms_connections(
    std::string const& db_path,
    std::string const& key_dir,
    connection_router& router,
    kms_provider_factory factory,
    scheduler::clock& clock,
    std::function<void(std::string const&)> warn = {});

/// The production factory: make_kms_provider over HTTPS with `clock` and `options`.
[[nodiscard]] kms_provider_factory default_kms_factory(scheduler::clock& clock,
                                                       kms_provider_options options = {});

}  // namespace cckm::aws
