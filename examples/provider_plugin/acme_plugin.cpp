// SPDX-License-Identifier: Apache-2.0
// A complete provider plugin for "acme", an imaginary cloud whose keys live in vaults and rotate
// by adding a version. Its state is in memory (two demo keys at load), so it forgets everything
// when the server stops; a real plugin would call its cloud's API here instead.
//
// It shows the three things every plugin does: parse the JSON request, answer JSON or throw a
// plugin_error with a CCKM_PLUGIN_* code, and wrap each C entry in cckm::plugin::guard so no
// exception crosses into the host.
#include <cckm/plugin_abi.h>
#include <cckm/plugin_helper.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
using cckm::plugin::plugin_error;

std::int64_t now_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

json::object parse(std::string_view request) {
    boost::system::error_code ec;
    auto v = json::parse(request, ec);
    if (ec || !v.is_object()) throw plugin_error(CCKM_PLUGIN_INVALID_ARGUMENT, "bad request");
    return std::move(v.as_object());
}

std::string text(json::object const& o, std::string_view k) {
    auto const* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The cloud: keys by native id, one mutex (the host may call from several threads at once).
class acme_cloud {
public:
    acme_cloud() {
        add_key("demo-key-1", "vault-1");
        add_key("demo-key-2", "vault-2");
    }

    std::string list_keys(json::object const& r) {
        std::lock_guard lock(mutex_);
        std::vector<std::string> wanted;
        if (auto const* c = r.if_contains("containers"); c && c->is_array())
            for (auto const& item : c->get_array()) wanted.emplace_back(item.as_string());
        std::size_t const skip = r.at("skip").to_number<std::size_t>();
        std::size_t const limit = r.at("limit").to_number<std::size_t>();
        json::array page;
        std::size_t total = 0;
        for (auto const& [id, key] : keys_) {  // oldest first: ids are "acme-<counter>"
            if (!wanted.empty() &&
                std::find(wanted.begin(), wanted.end(), text(key, "container")) == wanted.end())
                continue;
            if (total++ >= skip && page.size() < limit) page.push_back(key);
        }
        return json::serialize(json::object{{"keys", std::move(page)}, {"total", total}});
    }

    std::string get_key(json::object const& r) {
        std::lock_guard lock(mutex_);
        return json::serialize(find(r));
    }

    std::string create_key(json::object const& r) {
        std::lock_guard lock(mutex_);
        auto container = text(r, "container");
        if (container.empty())
            throw plugin_error(CCKM_PLUGIN_INVALID_ARGUMENT, "acme keys live in a vault");
        return json::serialize(add_key(text(r, "name"), container));
    }

    std::string rotate_key(json::object const& r) {
        std::lock_guard lock(mutex_);
        auto& key = find(r);
        if (text(key, "state") != "enabled")
            throw plugin_error(CCKM_PLUGIN_FAILED_PRECONDITION, "only enabled keys rotate");
        auto const now = now_us();
        auto& versions = key["versions"].as_array();
        versions.push_back(json::object{{"id", "v" + std::to_string(versions.size() + 1)},
                                        {"created_at", now},
                                        {"expires_at", r.at("expires_at")}});
        key["rotated_at"] = now;
        key["expires_at"] = r.at("expires_at");
        return json::serialize(json::object{{"key", key}, {"complete", true}});
    }

    std::string set_enabled(json::object const& r) {
        std::lock_guard lock(mutex_);
        auto& key = find(r);
        if (text(key, "state") == "pending_deletion")
            throw plugin_error(CCKM_PLUGIN_FAILED_PRECONDITION, "key is pending deletion");
        key["state"] = r.at("enabled").as_bool() ? "enabled" : "disabled";
        return json::serialize(key);
    }

    std::string schedule_deletion(json::object const& r) {
        std::lock_guard lock(mutex_);
        auto const days = r.at("days").to_number<std::int64_t>();
        if (days > 30) throw plugin_error(CCKM_PLUGIN_INVALID_ARGUMENT, "acme waits 1-30 days");
        auto& key = find(r);
        key["state"] = "pending_deletion";
        key["deletion_date"] = now_us() + days * 86'400'000'000;
        return json::serialize(key);
    }

    std::string cancel_deletion(json::object const& r) {
        std::lock_guard lock(mutex_);
        auto& key = find(r);
        if (text(key, "state") != "pending_deletion")
            throw plugin_error(CCKM_PLUGIN_FAILED_PRECONDITION, "no deletion is scheduled");
        key["state"] = "disabled";
        key["deletion_date"] = nullptr;
        return json::serialize(key);
    }

private:
    json::object& find(json::object const& r) {
        auto it = keys_.find(text(r, "native_id"));
        if (it == keys_.end()) throw plugin_error(CCKM_PLUGIN_NOT_FOUND, "no such acme key");
        return it->second;
    }

    json::object& add_key(std::string const& name, std::string const& container) {
        char id[32];
        std::snprintf(id, sizeof id, "acme-%06d", ++counter_);  // sorts in creation order
        auto const now = now_us();
        auto& key = keys_[id];
        key =
            json::object{{"native_id", id},
                         {"name", name},
                         {"container", container},
                         {"region", "acme-west"},
                         {"key_type", "symmetric"},
                         {"state", "enabled"},
                         {"created_at", now},
                         {"versions", json::array{json::object{{"id", "v1"}, {"created_at", now}}}},
                         {"tags", json::object{}}};
        return key;
    }

    std::mutex mutex_;
    std::map<std::string, json::object> keys_;
    int counter_ = 0;
};

// One C entry per call: the instance is the acme_cloud made by acme_create.
template <std::string (acme_cloud::*Member)(json::object const&)>
std::int32_t call(
    void* self, char const* request, std::size_t len, char** out, std::size_t* out_len) {
    return cckm::plugin::guard(out, out_len, [&] {
        return (static_cast<acme_cloud*>(self)->*Member)(parse(std::string_view(request, len)));
    });
}

void* acme_create(char const*, std::size_t, char** error, std::size_t* error_len) {
    try {
        return new acme_cloud();
    } catch (std::exception const& e) {
        cckm::plugin::copy_out(e.what(), error, error_len);
        return nullptr;
    }
}

void acme_destroy(void* self) {
    delete static_cast<acme_cloud*>(self);
}

cckm_plugin const acme_table = {
    CCKM_PLUGIN_ABI_VERSION,
    0,  // thread-safe: acme_cloud locks its own state
    "acme",
    "1.0.0",
    acme_create,
    acme_destroy,
    cckm::plugin::free_buffer,
    call<&acme_cloud::list_keys>,
    call<&acme_cloud::get_key>,
    call<&acme_cloud::create_key>,
    call<&acme_cloud::rotate_key>,
    call<&acme_cloud::set_enabled>,
    call<&acme_cloud::schedule_deletion>,
    call<&acme_cloud::cancel_deletion>,
    nullptr,  // apply_policy: acme has no key policies
    nullptr,  // set_auto_rotation
    nullptr,  // delete_key
    nullptr,  // restore_key
    nullptr,  // list_backups
    nullptr,  // delete_backup
    nullptr,  // rotate_xks_credentials
    nullptr,  // list_custom_key_stores
};

}  // namespace

extern "C" CCKM_PLUGIN_EXPORT cckm_plugin const* cckm_plugin_entry(void) {
    return &acme_table;
}
