// SPDX-License-Identifier: Apache-2.0
// Rotation in the simulated clouds, per DESIGN.md §8: AWS makes a new key, moves the aliases
// to it and archives the old one (or, with rotate_material, adds material to the same key);
// Azure, GCP, OCI and SAP add a version; Salesforce adds a tenant secret, a Data secret at
// most once per 24 hours.
#include <cckm/simulated_provider.hpp>

#include "simulated_rules.hpp"

#include <algorithm>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

// "20261202T013000Z": AWS alias names allow only letters, digits, '/', '_' and '-', so the
// RFC 3339 separators are dropped.
std::string alias_stamp(scheduler::time_point t) {
    std::string s = scheduler::format_rfc3339(t, false);
    std::erase(s, '-');
    std::erase(s, ':');
    return s;
}

std::string version_id(cloud_key const& k) {
    return std::to_string(k.versions.size() + 1);
}

}  // namespace

result<rotation_outcome> simulated_provider::do_rotate_key(std::string_view native_id,
                                                           rotate_request const& request) {
    if (auto r = enter("rotate_key", native_id); !r) return r.error();
    auto const& rules = *detail::rules_of(cloud());
    auto const now = clock_.now();
    if (request.expires_at && *request.expires_at < now + rules.min_expiry)
        return scheduler::invalid_argument(
            "expiration", cloud() + " needs an expiry at least " +
                              std::to_string(rules.min_expiry.count() / 24) + " days ahead");
    std::lock_guard lock(write_mutex_);
    auto k = load(native_id);
    if (!k) return k.error();
    if (k->state != key_state::enabled && k->state != key_state::disabled)
        return status{code::failed_precondition, "cannot rotate key " + k->native_id + ": it is " +
                                                     std::string(to_string(k->state))};
    switch (rules.rotation) {
        case detail::rotation_kind::new_key:
            if (request.rotate_material) {
                if (k->key_type != "symmetric")
                    return status{code::failed_precondition,
                                  "rotate_material needs a symmetric key; " + k->native_id +
                                      " is " + k->key_type};
                return rotate_new_version(std::move(*k), request);
            }
            return rotate_new_key(std::move(*k), request);
        case detail::rotation_kind::tenant_secret:
            if (k->key_type == "Data" && !k->versions.empty() &&
                now - k->versions.back().created_at < std::chrono::hours{24})
                return status{code::failed_precondition,
                              "Salesforce allows one new Data tenant secret per 24 hours"};
            return rotate_new_version(std::move(*k), request);
        case detail::rotation_kind::new_version:
            break;
    }
    return rotate_new_version(std::move(*k), request);
}

result<rotation_outcome> simulated_provider::rotate_new_version(cloud_key key,
                                                                rotate_request const& request) {
    auto const now = clock_.now();
    key.versions.push_back({version_id(key), now, request.expires_at, true});
    key.rotated_at = now;
    key.expires_at = request.expires_at;
    auto saved = save(std::move(key));
    if (!saved) return saved.error();
    return rotation_outcome{std::move(*saved), std::nullopt, true, {}};
}

result<rotation_outcome> simulated_provider::rotate_new_key(cloud_key old,
                                                            rotate_request const& request) {
    auto const now = clock_.now();
    cloud_key fresh = old;
    fresh.native_id = new_key_id();
    fresh.id = fresh.native_id;
    fresh.aliases.clear();
    fresh.state = key_state::enabled;
    fresh.created_at = now;
    fresh.rotated_at.reset();
    fresh.expires_at = request.expires_at;
    fresh.deletion_date.reset();
    fresh.versions = {{"1", now, request.expires_at, true}};
    fresh.backups.clear();
    fresh.rotated_from = old.native_id;
    fresh.rotated_to.clear();
    fresh.updated_at = now;
    // Two calls in the real cloud (CreateKey, then UpdateAlias per alias), so two writes here:
    // a failure between them leaves a new key without aliases, which the outcome reports.
    if (auto r = state_.put(fresh); !r) return r.error();
    if (auto moved = step("rotate_key.aliases", old.native_id); !moved)
        return rotation_outcome{
            std::move(fresh), std::move(old), false,
            "new key created but aliases not moved: " + moved.error().message()};

    cloud_key moved_to = fresh;
    cloud_key archived = old;
    moved_to.aliases = old.aliases;
    if (request.retain_alias)
        for (auto& alias : archived.aliases) alias += "-" + alias_stamp(now);
    else
        archived.aliases.clear();
    archived.state = key_state::archived;
    archived.rotated_to = fresh.native_id;
    archived.rotated_at = now;
    archived.updated_at = now;
    cloud_key const both[] = {archived, moved_to};
    if (auto r = state_.put_all(both); !r)
        return rotation_outcome{std::move(fresh), std::move(old), false,
                                "new key created but aliases not moved: " + r.error().message()};
    return rotation_outcome{std::move(moved_to), std::move(archived), true, {}};
}

}  // namespace cckm
