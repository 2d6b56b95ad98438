// SPDX-License-Identifier: Apache-2.0
// File: cckm/aws/credentials_source.hpp
//
// Where an AWS connection's credentials come from when they are not given explicitly: the
// standard environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// else a profile of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
// ~/.aws/credentials; profile from AWS_PROFILE, else "default"), as the AWS CLI and SDKs do.
// Errors never quote a secret.
//
//   auto creds = cckm::aws::default_credentials().value();
//   cckm::aws::kms_connection c{"prod", "111122223333", "eu-west-1", "", creds};
#pragma once

#include <cckm/aws/sigv4.hpp>
#include <scheduler/errors.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace cckm::aws {

/// Reads one environment variable; nullptr when unset. Replaceable for tests.
using env_reader = std::function<char const*(char const*)>;

/// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
/// not_found when either of the first two is unset or empty.
[[nodiscard]] scheduler::result<credentials> credentials_from_environment(env_reader env = {});

/// Credentials of `profile` in an AWS shared credentials file (INI: `[profile]`,
/// `aws_access_key_id = ...`, `aws_secret_access_key = ...`, `aws_session_token = ...`).
/// not_found when the file or the profile is missing; invalid_argument when the profile lacks
/// a key id or secret.
[[nodiscard]] scheduler::result<credentials> credentials_from_file(std::string const& path,
                                                                   std::string_view profile);

/// The environment first, then the shared credentials file, as described above.
[[nodiscard]] scheduler::result<credentials> default_credentials(env_reader env = {});

}  // namespace cckm::aws
