// SPDX-License-Identifier: Apache-2.0
// Simulated AWS custom key stores (XKS). A store lives in the simulation's key_store as a
// record of the pseudo cloud `aws.custom-key-stores`, so it persists like the keys and never
// shows among them; a credential rotation bumps its version, access key id and rotated_at,
// which a test or an operator can read back. The secret half is handed to the caller and not
// kept: the simulation has no XKS proxy that would need it.
#include <cckm/simulated_provider.hpp>

#include <algorithm>
#include <string>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

// The pseudo cloud of custom key store records in the state store.
constexpr std::string_view stores_cloud = "aws.custom-key-stores";
constexpr std::string_view state_tag = "connection_state";
constexpr std::string_view access_key_tag = "xks_access_key_id";
constexpr std::string_view version_tag = "credential_version";

std::string compact_id() {
    auto raw = new_key_id();
    std::erase(raw, '-');
    return raw;
}

std::string new_access_key_id() {
    return "AKIA" + compact_id().substr(0, 16);
}

std::string tag(cloud_key const& k, std::string_view name) {
    auto it = k.tags.find(std::string(name));
    return it == k.tags.end() ? std::string{} : it->second;
}

custom_key_store to_store(cloud_key const& k) {
    custom_key_store s;
    s.id = k.native_id;
    s.name = k.name;
    s.type = k.key_type;
    s.connection_state = tag(k, state_tag);
    s.access_key_id = tag(k, access_key_tag);
    auto const version = tag(k, version_tag);
    s.credential_version = version.empty() ? 1 : std::stoll(version);
    s.rotated_at = k.rotated_at;
    s.created_at = k.created_at;
    return s;
}

cloud_key to_record(custom_key_store const& s) {
    cloud_key k;
    k.cloud = std::string(stores_cloud);
    k.id = k.native_id = s.id;
    k.name = s.name;
    k.key_type = s.type;
    k.tags[std::string(state_tag)] = s.connection_state;
    k.tags[std::string(access_key_tag)] = s.access_key_id;
    k.tags[std::string(version_tag)] = std::to_string(s.credential_version);
    k.created_at = s.created_at;
    k.rotated_at = s.rotated_at;
    return k;
}

}  // namespace

result<custom_key_store> simulated_provider::create_custom_key_store(std::string const& name,
                                                                     std::string const& type) {
    if (cloud() != "aws") return not_supported("custom key stores");
    if (name.empty()) return scheduler::invalid_argument("name", "is required");
    if (type != "EXTERNAL_KEY_STORE" && type != "AWS_CLOUDHSM")
        return scheduler::invalid_argument("type", "must be EXTERNAL_KEY_STORE or AWS_CLOUDHSM");
    if (auto r = enter("create_custom_key_store", ""); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto all = state_.list({.cloud = std::string(stores_cloud)});
    if (!all) return all.error();
    for (auto const& other : all->keys)
        if (other.name == name)
            return status{code::already_exists, "custom key store " + name + " exists", "name"};
    custom_key_store s;
    s.id = "cks-" + compact_id().substr(0, 17);
    s.name = name;
    s.type = type;
    if (type == "EXTERNAL_KEY_STORE") s.access_key_id = new_access_key_id();
    s.created_at = clock_.now();
    auto record = to_record(s);
    record.updated_at = s.created_at;
    if (auto w = state_.put(record); !w) return w.error();
    return s;
}

result<std::vector<custom_key_store>> simulated_provider::do_list_custom_key_stores() {
    if (cloud() != "aws") return not_supported("custom key stores");
    if (auto r = enter("list_custom_key_stores", ""); !r) return r.error();
    auto all = state_.list({.cloud = std::string(stores_cloud), .limit = 0});
    if (!all) return all.error();
    std::vector<custom_key_store> out;
    for (auto const& k : all->keys) out.push_back(to_store(k));
    return out;
}

result<xks_credential> simulated_provider::do_rotate_xks_credentials(
    std::string_view custom_key_store_id) {
    if (cloud() != "aws") return not_supported("external key stores");
    if (auto r = enter("rotate_xks_credentials", custom_key_store_id); !r) return r.error();
    std::lock_guard lock(write_mutex_);
    auto record = state_.get(stores_cloud, custom_key_store_id);
    if (!record) {
        if (record.error().error_code() == code::not_found)
            return scheduler::not_found("custom key store " + std::string(custom_key_store_id) +
                                        " not found");
        return record.error();
    }
    auto store = to_store(*record);
    if (store.type != "EXTERNAL_KEY_STORE")
        return status{code::failed_precondition,
                      "custom key store " + store.id + " is " + store.type + ", not external"};
    // AWS answers XksProxyIncorrectAuthenticationCredentialException and friends here; the
    // injection point stands for them, after the call was accepted.
    if (auto r = step("rotate_xks_credentials.update", custom_key_store_id); !r) return r.error();
    xks_credential c;
    c.custom_key_store_id = store.id;
    c.access_key_id = new_access_key_id();
    c.secret_access_key = compact_id() + compact_id();
    c.rotated_at = clock_.now();
    store.access_key_id = c.access_key_id;
    store.credential_version += 1;
    store.rotated_at = c.rotated_at;
    auto updated = to_record(store);
    updated.updated_at = c.rotated_at;
    if (auto w = state_.put(updated); !w) return w.error();
    return c;
}

}  // namespace cckm
