// SPDX-License-Identifier: Apache-2.0
// Private: the rules of key_query shared by the two key stores, so both accept the same sort
// fields and order keys the same way.
#pragma once

#include <cckm/key_store.hpp>

namespace cckm::detail {

/// invalid_argument naming `sort` unless every field is one of key_sort_fields().
[[nodiscard]] scheduler::result<void> check_sort(std::vector<key_sort> const& sort);

/// The order of a key list: the `sort` fields, then created_at and id ascending.
[[nodiscard]] bool key_less(std::vector<key_sort> const& sort,
                            cloud_key const& a,
                            cloud_key const& b);

}  // namespace cckm::detail
