// SPDX-License-Identifier: Apache-2.0
// Private: the AWS KMS JSON 1.1 API (`POST /`, `X-Amz-Target: TrentService.<Operation>`), one
// typed function per operation the provider needs. Requests are signed with SigV4 at each
// attempt; list operations follow Marker/Truncated to the end; errors `{__type, message}`
// become statuses (see map_kms_error) and transient ones are retried with full-jitter backoff.
#pragma once

#include <cckm/aws/http_transport.hpp>
#include <cckm/aws/sigv4.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cckm::aws {

/// KeyMetadata as DescribeKey and CreateKey return it (the fields CCKM uses).
struct kms_key_metadata {
    std::string key_id;
    std::string arn;
    std::string account;
    std::string description;
    std::string key_state;  ///< Enabled, Disabled, PendingDeletion, PendingImport, ...
    bool enabled = false;
    std::string key_spec;     ///< SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256, ...
    std::string key_usage;    ///< ENCRYPT_DECRYPT, SIGN_VERIFY, ...
    std::string origin;       ///< AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE
    std::string key_manager;  ///< CUSTOMER or AWS
    scheduler::time_point creation_date{};
    std::optional<scheduler::time_point> deletion_date;
};

/// One alias of ListAliases.
struct kms_alias {
    std::string name;  ///< alias/...
    std::string arn;
    std::string target_key_id;  ///< empty for AWS-managed aliases without a key
};

/// GetKeyRotationStatus's answer.
struct kms_rotation_status {
    bool enabled = false;
    std::optional<int> period_days;
    std::optional<scheduler::time_point> next_rotation;
};

/// What CreateKey makes.
struct kms_create_key_request {
    std::string description;
    std::string key_spec = "SYMMETRIC_DEFAULT";
    std::string key_usage = "ENCRYPT_DECRYPT";
    std::string policy;  ///< empty = the account's default policy
    std::map<std::string, std::string> tags;
};

/// One wire request: the operation and its JSON body (for building/parsing tests).
struct kms_call {
    std::string operation;
    std::string body;
};

/// How transient failures are retried inside the client; `sleep` is replaceable so tests do
/// not wait.
struct kms_retry_policy {
    int max_retries = 3;
    std::chrono::milliseconds base{100};
    std::chrono::milliseconds cap{5000};
    std::function<void(std::chrono::milliseconds)> sleep;  ///< default: this_thread::sleep_for
};

/// Maps an error answer (HTTP status + `{__type, message}` body) to a status keeping the
/// AWS error name and message: throttling and 429 -> resource_exhausted, 5xx and KMS internal
/// or dependency errors -> unavailable (both retryable); NotFoundException -> not_found,
/// KMSInvalidStateException/DisabledException -> failed_precondition, AccessDeniedException ->
/// permission_denied, ValidationException and friends -> invalid_argument, ... (permanent).
[[nodiscard]] scheduler::status map_kms_error(unsigned http_status, std::string_view body);

/// A KMS client for one region of one account. Thread-safe when the transport is.
class kms_client {
public:
    kms_client(std::shared_ptr<http_transport> transport,
               std::string host_header,
               credentials creds,
               std::string region,
               scheduler::clock& clock,
               kms_retry_policy retry = {});

    /// Every key id in the region (ListKeys, all pages).
    [[nodiscard]] scheduler::result<std::vector<std::string>> list_keys();
    [[nodiscard]] scheduler::result<kms_key_metadata> describe_key(std::string_view key_id);
    /// Every alias (of `key_id` when given), all pages.
    [[nodiscard]] scheduler::result<std::vector<kms_alias>> list_aliases(
        std::string_view key_id = {});
    [[nodiscard]] scheduler::result<kms_key_metadata> create_key(kms_create_key_request const& r);
    [[nodiscard]] scheduler::result<void> create_alias(std::string_view alias,
                                                       std::string_view key_id);
    [[nodiscard]] scheduler::result<void> update_alias(std::string_view alias,
                                                       std::string_view key_id);
    [[nodiscard]] scheduler::result<void> delete_alias(std::string_view alias);
    [[nodiscard]] scheduler::result<void> enable_key(std::string_view key_id);
    [[nodiscard]] scheduler::result<void> disable_key(std::string_view key_id);
    /// The deletion date AWS set.
    [[nodiscard]] scheduler::result<scheduler::time_point> schedule_key_deletion(
        std::string_view key_id, int pending_window_days);
    [[nodiscard]] scheduler::result<void> cancel_key_deletion(std::string_view key_id);
    [[nodiscard]] scheduler::result<std::string> get_key_policy(std::string_view key_id);
    [[nodiscard]] scheduler::result<void> put_key_policy(std::string_view key_id,
                                                         std::string_view policy);
    [[nodiscard]] scheduler::result<void> tag_resource(
        std::string_view key_id, std::map<std::string, std::string> const& tags);
    /// Every tag of the key, all pages.
    [[nodiscard]] scheduler::result<std::map<std::string, std::string>> list_resource_tags(
        std::string_view key_id);
    [[nodiscard]] scheduler::result<void> enable_key_rotation(std::string_view key_id,
                                                              std::optional<int> period_days);
    [[nodiscard]] scheduler::result<void> disable_key_rotation(std::string_view key_id);
    [[nodiscard]] scheduler::result<kms_rotation_status> get_key_rotation_status(
        std::string_view key_id);
    [[nodiscard]] scheduler::result<void> rotate_key_on_demand(std::string_view key_id);

    /// Sends one operation (signed, retried) and returns the response body.
    [[nodiscard]] scheduler::result<std::string> call(kms_call const& c);

private:
    [[nodiscard]] scheduler::result<std::string> call_once(kms_call const& c);
    [[nodiscard]] std::chrono::milliseconds backoff(int attempt);

    std::shared_ptr<http_transport> transport_;
    std::string host_;
    credentials creds_;
    std::string region_;
    scheduler::clock& clock_;
    kms_retry_policy retry_;
    std::mutex rng_mutex_;
    std::minstd_rand rng_;
};

// Request builders and response parsers, one pair per operation, public for the unit tests.
namespace kms_wire {

[[nodiscard]] kms_call list_keys(std::string_view marker);
[[nodiscard]] kms_call describe_key(std::string_view key_id);
[[nodiscard]] kms_call list_aliases(std::string_view key_id, std::string_view marker);
[[nodiscard]] kms_call create_key(kms_create_key_request const& r);
[[nodiscard]] kms_call create_alias(std::string_view alias, std::string_view key_id);
[[nodiscard]] kms_call update_alias(std::string_view alias, std::string_view key_id);
[[nodiscard]] kms_call delete_alias(std::string_view alias);
[[nodiscard]] kms_call key_operation(std::string_view operation, std::string_view key_id);
[[nodiscard]] kms_call schedule_key_deletion(std::string_view key_id, int days);
[[nodiscard]] kms_call get_key_policy(std::string_view key_id);
[[nodiscard]] kms_call put_key_policy(std::string_view key_id, std::string_view policy);
[[nodiscard]] kms_call tag_resource(std::string_view key_id,
                                    std::map<std::string, std::string> const& tags);
[[nodiscard]] kms_call list_resource_tags(std::string_view key_id, std::string_view marker);
[[nodiscard]] kms_call enable_key_rotation(std::string_view key_id, std::optional<int> period_days);

/// A page of a list operation: items plus the marker of the next page ("" at the end).
template <class T>
struct page {
    std::vector<T> items;
    std::string next_marker;
};

[[nodiscard]] scheduler::result<page<std::string>> parse_list_keys(std::string_view body);
[[nodiscard]] scheduler::result<kms_key_metadata> parse_key_metadata(std::string_view body);
[[nodiscard]] scheduler::result<page<kms_alias>> parse_list_aliases(std::string_view body);
[[nodiscard]] scheduler::result<scheduler::time_point> parse_schedule_key_deletion(
    std::string_view body);
[[nodiscard]] scheduler::result<std::string> parse_get_key_policy(std::string_view body);
[[nodiscard]] scheduler::result<page<std::pair<std::string, std::string>>> parse_list_tags(
    std::string_view body);
[[nodiscard]] scheduler::result<kms_rotation_status> parse_rotation_status(std::string_view body);

/// The signed HTTP request of one call (POST /, JSON 1.1 headers, X-Amz-Target).
[[nodiscard]] signable_request http_request(kms_call const& c, std::string_view host_header);

}  // namespace kms_wire

}  // namespace cckm::aws
