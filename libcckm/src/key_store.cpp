// SPDX-License-Identifier: Apache-2.0
// What the key stores share: the sort allow-list and the order it defines, and the fallback
// read-modify-write for stores that cannot hold one transaction around it.
#include <cckm/key_store.hpp>

#include "key_query.hpp"

#include <algorithm>
#include <array>
#include <compare>
#include <tuple>

namespace cckm {

namespace {

constexpr std::array<std::string_view, 7> sort_fields{"id",   "name",      "region",   "state",
                                                      "gone", "createdAt", "updatedAt"};

// -1, 0, 1 as a compares to b by one field.
std::strong_ordering compare_field(std::string_view field, cloud_key const& a, cloud_key const& b) {
    if (field == "id") return a.id <=> b.id;
    if (field == "name") return a.name <=> b.name;
    if (field == "region") return a.region <=> b.region;
    // The text of the state, as the SQLite store sorts its `state` column.
    if (field == "state") return to_string(a.state) <=> to_string(b.state);
    if (field == "gone") return a.gone <=> b.gone;
    if (field == "createdAt") return a.created_at <=> b.created_at;
    if (field == "updatedAt") return a.updated_at <=> b.updated_at;
    return std::strong_ordering::equal;
}

}  // namespace

std::span<std::string_view const> key_sort_fields() noexcept {
    return sort_fields;
}

scheduler::result<cloud_key> key_store::update(
    std::string_view cloud,
    std::string_view id,
    std::function<scheduler::result<void>(cloud_key&)> const& change) {
    auto key = get(cloud, id);
    if (!key) return key.error();
    if (auto r = change(*key); !r) return r.error();
    if (key->cloud != cloud || key->id != id)
        return scheduler::invalid_argument("id", "an update cannot move a key");
    if (auto r = put(*key); !r) return r.error();
    return key;
}

scheduler::result<void> key_store::merge_all(std::span<cloud_key const> keys,
                                             merge_fn const& merge) {
    std::vector<cloud_key> merged(keys.begin(), keys.end());
    for (auto& k : merged) {
        auto stored = get(k.cloud, k.id);
        if (stored)
            merge(*stored, k);
        else if (stored.error().error_code() != scheduler::code::not_found)
            return stored.error();
    }
    return put_all(merged);
}

namespace detail {

scheduler::result<void> check_sort(std::vector<key_sort> const& sort) {
    for (auto const& s : sort) {
        if (std::find(sort_fields.begin(), sort_fields.end(), s.field) == sort_fields.end())
            return scheduler::invalid_argument(
                "sort", "cannot sort keys by '" + s.field.substr(0, 64) + "'");
    }
    return {};
}

bool key_less(std::vector<key_sort> const& sort, cloud_key const& a, cloud_key const& b) {
    for (auto const& s : sort) {
        auto const c = compare_field(s.field, a, b);
        if (c != 0) return s.descending ? c > 0 : c < 0;
    }
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
}

}  // namespace detail

}  // namespace cckm
