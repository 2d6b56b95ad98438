// SPDX-License-Identifier: Apache-2.0
#include "plugin_codec.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <stdexcept>

namespace cckm::detail {

namespace json = boost::json;

namespace {

[[noreturn]] void wrong(std::string_view member, std::string_view what) {
    throw std::invalid_argument("member \"" + std::string(member) + "\" " + std::string(what));
}

std::int64_t micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}
json::value opt_time(std::optional<scheduler::time_point> t) {
    return t ? json::value(micros(*t)) : json::value(nullptr);
}

// Absent or null reads as nullptr; the readers below say what else they accept.
json::value const* member(json::object const& o, std::string_view k) {
    auto const* v = o.if_contains(k);
    return v && !v->is_null() ? v : nullptr;
}
std::string str(json::object const& o, std::string_view k) {
    auto const* v = member(o, k);
    if (!v) return {};
    if (!v->is_string()) wrong(k, "must be a string");
    return std::string(v->get_string());
}
std::int64_t integer(json::value const& v, std::string_view k) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= INT64_MAX)
        return static_cast<std::int64_t>(v.get_uint64());
    wrong(k, "must be an integer");
}
std::optional<scheduler::time_point> opt_time(json::object const& o, std::string_view k) {
    auto const* v = member(o, k);
    if (!v) return std::nullopt;
    return scheduler::time_point{std::chrono::microseconds{integer(*v, k)}};
}
scheduler::time_point time(json::object const& o, std::string_view k) {
    return opt_time(o, k).value_or(scheduler::time_point{});
}
bool boolean(json::object const& o, std::string_view k, bool fallback) {
    auto const* v = member(o, k);
    if (!v) return fallback;
    if (!v->is_bool()) wrong(k, "must be true or false");
    return v->get_bool();
}
json::object const& object(json::value const& v, std::string_view k) {
    if (!v.is_object()) wrong(k, "must be an object");
    return v.get_object();
}
json::array const* array(json::object const& o, std::string_view k) {
    auto const* v = member(o, k);
    if (!v) return nullptr;
    if (!v->is_array()) wrong(k, "must be an array");
    return &v->get_array();
}
std::vector<std::string> strings(json::object const& o, std::string_view k) {
    std::vector<std::string> out;
    if (auto const* a = array(o, k))
        for (auto const& item : *a) {
            if (!item.is_string()) wrong(k, "must hold strings");
            out.emplace_back(item.get_string());
        }
    return out;
}
std::map<std::string, std::string> string_map(json::object const& o, std::string_view k) {
    std::map<std::string, std::string> out;
    if (auto const* v = member(o, k))
        for (auto const& kv : object(*v, k)) {
            if (!kv.value().is_string()) wrong(k, "must map strings to strings");
            out.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
        }
    return out;
}
std::optional<rotation_policy> policy(json::object const& o, std::string_view k) {
    auto const* v = member(o, k);
    if (!v) return std::nullopt;
    auto const& p = object(*v, k);
    rotation_policy out;
    auto const* period = member(p, "period_h");
    if (!period) wrong("period_h", "is required");
    out.period = std::chrono::hours{integer(*period, "period_h")};
    if (auto const* e = member(p, "expire_after_h"))
        out.expire_after = std::chrono::hours{integer(*e, "expire_after_h")};
    return out;
}

}  // namespace

json::object encode_spec(key_spec const& s) {
    json::array aliases;
    for (auto const& a : s.aliases) aliases.emplace_back(a);
    json::object tags;
    for (auto const& [k, v] : s.tags) tags[k] = v;
    return {{"name", s.name},
            {"container", s.container},
            {"region", s.region},
            {"account", s.account},
            {"key_type", s.key_type},
            {"origin", s.origin},
            {"aliases", std::move(aliases)},
            {"tags", std::move(tags)},
            {"expires_at", opt_time(s.expires_at)}};
}

json::object encode_rotate(rotate_request const& r) {
    return {{"expires_at", opt_time(r.expires_at)},
            {"retain_alias", r.retain_alias},
            {"rotate_material", r.rotate_material}};
}

json::value encode_policy(std::optional<rotation_policy> const& p) {
    if (!p) return nullptr;
    return json::object{{"period_h", p->period.count()},
                        {"expire_after_h", p->expire_after ? json::value(p->expire_after->count())
                                                           : json::value(nullptr)}};
}

cloud_key decode_key(json::object const& o, std::string const& cloud) {
    cloud_key k;
    k.cloud = cloud;
    k.native_id = str(o, "native_id");
    if (k.native_id.empty()) wrong("native_id", "is required");
    k.name = str(o, "name");
    k.account = str(o, "account");
    k.region = str(o, "region");
    k.container = str(o, "container");
    k.aliases = strings(o, "aliases");
    k.key_type = str(o, "key_type");
    if (auto origin = str(o, "origin"); !origin.empty()) k.origin = origin;
    if (auto state = str(o, "state"); !state.empty()) {
        auto s = parse_key_state(state);
        if (!s) wrong("state", "must be enabled, disabled, pending_deletion, archived or deleted");
        k.state = *s;
    }
    k.created_at = time(o, "created_at");
    k.rotated_at = opt_time(o, "rotated_at");
    k.expires_at = opt_time(o, "expires_at");
    k.deletion_date = opt_time(o, "deletion_date");
    if (auto const* versions = array(o, "versions"))
        for (auto const& item : *versions) {
            auto const& v = object(item, "versions");
            k.versions.push_back({str(v, "id"), time(v, "created_at"), opt_time(v, "expires_at"),
                                  boolean(v, "enabled", true)});
        }
    k.backups = decode_backups(o);
    k.auto_rotation = policy(o, "auto_rotation");
    k.rotated_from = str(o, "rotated_from");
    k.rotated_to = str(o, "rotated_to");
    k.policy = str(o, "policy");
    k.tags = string_map(o, "tags");
    return k;
}

key_page decode_page(json::object const& o, std::string const& cloud) {
    key_page page;
    auto const* keys = array(o, "keys");
    if (!keys) wrong("keys", "is required");
    for (auto const& item : *keys) page.keys.push_back(decode_key(object(item, "keys"), cloud));
    auto const* total = member(o, "total");
    page.total = total ? static_cast<std::size_t>(integer(*total, "total")) : page.keys.size();
    if (page.total < page.keys.size()) wrong("total", "is less than the keys returned");
    return page;
}

rotation_outcome decode_rotation(json::object const& o, std::string const& cloud) {
    auto const* key = member(o, "key");
    if (!key) wrong("key", "is required");
    rotation_outcome out{decode_key(object(*key, "key"), cloud), std::nullopt, true, {}};
    if (auto const* archived = member(o, "archived"))
        out.archived = decode_key(object(*archived, "archived"), cloud);
    out.complete = boolean(o, "complete", true);
    out.incomplete_reason = str(o, "incomplete_reason");
    return out;
}

std::vector<key_backup> decode_backups(json::object const& o) {
    std::vector<key_backup> out;
    if (auto const* backups = array(o, "backups"))
        for (auto const& item : *backups) {
            auto const& b = object(item, "backups");
            out.push_back({str(b, "id"), time(b, "created_at")});
        }
    return out;
}

xks_credential decode_xks(json::object const& o) {
    xks_credential c{str(o, "custom_key_store_id"), str(o, "access_key_id"),
                     str(o, "secret_access_key"), time(o, "rotated_at")};
    if (c.access_key_id.empty()) wrong("access_key_id", "is required");
    return c;
}

std::vector<custom_key_store> decode_key_stores(json::object const& o) {
    std::vector<custom_key_store> out;
    auto const* stores = array(o, "stores");
    if (!stores) wrong("stores", "is required");
    for (auto const& item : *stores) {
        auto const& s = object(item, "stores");
        custom_key_store k;
        k.id = str(s, "id");
        if (k.id.empty()) wrong("id", "is required");
        k.name = str(s, "name");
        if (auto type = str(s, "type"); !type.empty()) k.type = type;
        if (auto state = str(s, "connection_state"); !state.empty()) k.connection_state = state;
        k.access_key_id = str(s, "access_key_id");
        if (auto const* v = member(s, "credential_version"))
            k.credential_version = integer(*v, "credential_version");
        k.rotated_at = opt_time(s, "rotated_at");
        k.created_at = time(s, "created_at");
        out.push_back(std::move(k));
    }
    return out;
}

}  // namespace cckm::detail
