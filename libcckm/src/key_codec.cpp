// SPDX-License-Identifier: Apache-2.0
#include "key_codec.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <stdexcept>

namespace cckm::detail {

namespace json = boost::json;

namespace {

std::int64_t micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}
scheduler::time_point at(std::int64_t us) {
    return scheduler::time_point{std::chrono::microseconds{us}};
}

json::value opt_time(std::optional<scheduler::time_point> t) {
    return t ? json::value(micros(*t)) : json::value(nullptr);
}

json::object string_map(std::map<std::string, std::string> const& m) {
    json::object o;
    for (auto const& [k, v] : m) o[k] = v;
    return o;
}

// Readers throw std::invalid_argument/std::out_of_range (Boost.JSON's at/as_*), caught once in
// decode_key.
std::string str(json::object const& o, std::string_view k) {
    auto const* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::optional<scheduler::time_point> read_opt_time(json::object const& o, std::string_view k) {
    auto const* v = o.if_contains(k);
    if (!v || v->is_null()) return std::nullopt;
    return at(v->to_number<std::int64_t>());
}
std::map<std::string, std::string> read_map(json::object const& o, std::string_view k) {
    std::map<std::string, std::string> m;
    if (auto const* v = o.if_contains(k); v && v->is_object())
        for (auto const& kv : v->as_object())
            m.emplace(std::string(kv.key()), std::string(kv.value().as_string()));
    return m;
}

}  // namespace

std::string encode_key(cloud_key const& k) {
    json::array versions;
    for (auto const& v : k.versions)
        versions.push_back(json::object{{"id", v.id},
                                        {"created_at", micros(v.created_at)},
                                        {"expires_at", opt_time(v.expires_at)},
                                        {"enabled", v.enabled}});
    json::array backups;
    for (auto const& b : k.backups)
        backups.push_back(json::object{{"id", b.id}, {"created_at", micros(b.created_at)}});
    json::array aliases;
    for (auto const& a : k.aliases) aliases.push_back(json::value(a));
    json::value auto_rotation = nullptr;
    if (k.auto_rotation)
        auto_rotation = json::object{
            {"period_h", k.auto_rotation->period.count()},
            {"expire_after_h", k.auto_rotation->expire_after
                                   ? json::value(k.auto_rotation->expire_after->count())
                                   : json::value(nullptr)}};
    json::object o{{"id", k.id},
                   {"cloud", k.cloud},
                   {"native_id", k.native_id},
                   {"name", k.name},
                   {"account", k.account},
                   {"region", k.region},
                   {"container", k.container},
                   {"aliases", std::move(aliases)},
                   {"key_type", k.key_type},
                   {"origin", k.origin},
                   {"state", to_string(k.state)},
                   {"created_at", micros(k.created_at)},
                   {"rotated_at", opt_time(k.rotated_at)},
                   {"expires_at", opt_time(k.expires_at)},
                   {"deletion_date", opt_time(k.deletion_date)},
                   {"versions", std::move(versions)},
                   {"backups", std::move(backups)},
                   {"auto_rotation", std::move(auto_rotation)},
                   {"rotated_from", k.rotated_from},
                   {"rotated_to", k.rotated_to},
                   {"policy", k.policy},
                   {"tags", string_map(k.tags)},
                   {"labels", string_map(k.labels)},
                   {"gone", k.gone},
                   {"synced_at", opt_time(k.synced_at)},
                   {"updated_at", micros(k.updated_at)}};
    return json::serialize(o);
}

scheduler::result<cloud_key> decode_key(std::string_view text) {
    try {
        auto const v = json::parse(text);
        auto const& o = v.as_object();
        cloud_key k;
        k.id = str(o, "id");
        k.cloud = str(o, "cloud");
        k.native_id = str(o, "native_id");
        k.name = str(o, "name");
        k.account = str(o, "account");
        k.region = str(o, "region");
        k.container = str(o, "container");
        for (auto const& a : o.at("aliases").as_array()) k.aliases.emplace_back(a.as_string());
        k.key_type = str(o, "key_type");
        k.origin = str(o, "origin");
        auto state = parse_key_state(str(o, "state"));
        if (!state) return state.error();
        k.state = *state;
        k.created_at = at(o.at("created_at").to_number<std::int64_t>());
        k.rotated_at = read_opt_time(o, "rotated_at");
        k.expires_at = read_opt_time(o, "expires_at");
        k.deletion_date = read_opt_time(o, "deletion_date");
        for (auto const& item : o.at("versions").as_array()) {
            auto const& vo = item.as_object();
            k.versions.push_back({str(vo, "id"), at(vo.at("created_at").to_number<std::int64_t>()),
                                  read_opt_time(vo, "expires_at"), vo.at("enabled").as_bool()});
        }
        for (auto const& item : o.at("backups").as_array()) {
            auto const& bo = item.as_object();
            k.backups.push_back({str(bo, "id"), at(bo.at("created_at").to_number<std::int64_t>())});
        }
        if (auto const* ar = o.if_contains("auto_rotation"); ar && ar->is_object()) {
            rotation_policy p;
            p.period = std::chrono::hours{ar->as_object().at("period_h").to_number<std::int64_t>()};
            if (auto const* e = ar->as_object().if_contains("expire_after_h"); e && !e->is_null())
                p.expire_after = std::chrono::hours{e->to_number<std::int64_t>()};
            k.auto_rotation = p;
        }
        k.rotated_from = str(o, "rotated_from");
        k.rotated_to = str(o, "rotated_to");
        k.policy = str(o, "policy");
        k.tags = read_map(o, "tags");
        k.labels = read_map(o, "labels");
        k.gone = o.at("gone").as_bool();
        k.synced_at = read_opt_time(o, "synced_at");
        k.updated_at = at(o.at("updated_at").to_number<std::int64_t>());
        return k;
    } catch (std::exception const& e) {
        return scheduler::invalid_argument("key",
                                           std::string("stored key is corrupt: ") + e.what());
    }
}

void absorb(cloud_key& inv, cloud_key const& c, scheduler::time_point now) {
    auto const id = std::move(inv.id);
    auto labels = std::move(inv.labels);
    auto from = std::move(inv.rotated_from);
    auto to = std::move(inv.rotated_to);
    inv = c;
    inv.id = id;
    inv.labels = std::move(labels);
    inv.rotated_from = std::move(from);
    inv.rotated_to = std::move(to);
    inv.gone = false;
    inv.synced_at = now;
    inv.updated_at = now;
}

std::string attached_config(cloud_key const& key) {
    auto it = key.labels.find(std::string(cloud_key::job_config_label));
    return it == key.labels.end() ? std::string() : it->second;
}

}  // namespace cckm::detail
