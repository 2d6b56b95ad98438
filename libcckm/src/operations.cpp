// SPDX-License-Identifier: Apache-2.0
#include <cckm/operations.hpp>

namespace cckm {

namespace {
constexpr std::string_view names[] = {"aws", "AzureCloud", "gcp", "oci", "sfdc", "sap"};
}  // namespace

std::span<std::string_view const> cloud_names() noexcept { return names; }

}  // namespace cckm
