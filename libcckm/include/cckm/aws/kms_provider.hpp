// SPDX-License-Identifier: Apache-2.0
// File: cckm/aws/kms_provider.hpp
//
// The real AWS provider: a cloud_provider (cloud "aws") over the AWS KMS JSON API, signed with
// SigV4, for one account and region. Rotation follows DESIGN.md §8 as the simulated AWS cloud
// does: a new key with the old one's spec, policy and tags, the aliases moved to it, the old
// key archived (tagged, kept enabled so old ciphertexts still decrypt) and, with
// `retain_alias`, `<alias>-<YYYYMMDDTHHMMSSZ>` left on it; `rotate_material` calls
// RotateKeyOnDemand instead.
//
//   cckm::aws::kms_connection c{"prod", "111122223333", "eu-west-1", "", {id, secret, ""}};
//   auto aws = cckm::aws::make_kms_provider(c, clock).value();
//   providers.add(std::move(aws)).value();
#pragma once

#include <cckm/aws/http_transport.hpp>
#include <cckm/aws/sigv4.hpp>
#include <cckm/cloud_provider.hpp>
#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace cckm::aws {

/// Where and as whom the provider talks to KMS. The secret is never logged.
struct kms_connection {
    std::string name;     ///< the connection's name; keys list it as their container
    std::string account;  ///< AWS account id, reported on keys when KMS does not say
    std::string region;   ///< e.g. eu-west-1; also the SigV4 scope
    /// Empty for `https://kms.<region>.amazonaws.com`; else a KMS-compatible endpoint
    /// (`http://` only on loopback, for tests).
    std::string endpoint_url;
    credentials creds;
};

/// Tuning of the provider.
struct kms_provider_options {
    transport_options transport{};
    /// Retries of a throttled or unreachable call inside the provider, with full-jitter
    /// backoff from `retry_base` doubling up to `retry_cap`; the scheduled operations retry
    /// whole provider calls on top of this.
    int max_retries = 3;
    std::chrono::milliseconds retry_base{100};
    std::chrono::milliseconds retry_cap{5000};
    /// How a backoff is waited; empty sleeps the thread. Tests pass a no-op.
    std::function<void(std::chrono::milliseconds)> sleep{};
};

/// A provider for `connection` over the built-in HTTPS transport. invalid_argument when the
/// region, credentials or endpoint URL are missing or malformed.
[[nodiscard]] scheduler::result<std::unique_ptr<cloud_provider>> make_kms_provider(
    kms_connection connection, scheduler::clock& clock, kms_provider_options options = {});

/// The same over a given transport (a test double, or a transport shared between providers).
[[nodiscard]] scheduler::result<std::unique_ptr<cloud_provider>> make_kms_provider(
    kms_connection connection,
    std::shared_ptr<http_transport> transport,
    scheduler::clock& clock,
    kms_provider_options options = {});

}  // namespace cckm::aws
