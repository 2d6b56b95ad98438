// SPDX-License-Identifier: Apache-2.0
// The host side of cckm/plugin_abi.h: dlopen, checks of the entry table, and the adapter that
// turns each cloud_provider hook into one JSON call and checks the plugin's answer. Every way a
// plugin can misbehave short of crashing ends here as a status, never as an exception or a
// read of memory the plugin did not hand over.
#include <cckm/plugin_abi.h>
#include <cckm/plugin_loader.hpp>

#include "plugin_codec.hpp"

#include <boost/json.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <utility>

namespace cckm {

namespace json = boost::json;
namespace fs = std::filesystem;
using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

status load_error(std::string const& path, std::string const& what) {
    return status{code::invalid_argument, "plugin " + path + ": " + what, "plugin"};
}

code to_code(std::int32_t rc) noexcept {
    switch (rc) {
        case CCKM_PLUGIN_UNAVAILABLE:
            return code::unavailable;
        case CCKM_PLUGIN_RESOURCE_EXHAUSTED:
            return code::resource_exhausted;
        case CCKM_PLUGIN_INVALID_ARGUMENT:
            return code::invalid_argument;
        case CCKM_PLUGIN_NOT_FOUND:
            return code::not_found;
        case CCKM_PLUGIN_FAILED_PRECONDITION:
            return code::failed_precondition;
        case CCKM_PLUGIN_ALREADY_EXISTS:
            return code::already_exists;
        case CCKM_PLUGIN_UNIMPLEMENTED:
            return code::unimplemented;
        default:
            return code::internal;
    }
}

bool known_code(std::int32_t rc) noexcept {
    return rc >= CCKM_PLUGIN_UNAVAILABLE && rc <= CCKM_PLUGIN_INTERNAL;
}

bool valid_cloud_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

// The dlopen handle, closed when the last owner goes (after the plugin's destroy()).
struct library {
    void* handle = nullptr;
    explicit library(void* h) : handle(h) {}
    library(library const&) = delete;
    library& operator=(library const&) = delete;
    ~library() {
        if (handle) ::dlclose(handle);
    }
};

// A buffer the plugin allocated, handed back to its free_buffer exactly once.
class plugin_buffer {
public:
    plugin_buffer(cckm_plugin const& t, char* p, std::size_t n) : t_(t), p_(p), n_(n) {}
    plugin_buffer(plugin_buffer const&) = delete;
    plugin_buffer& operator=(plugin_buffer const&) = delete;
    ~plugin_buffer() {
        if (p_) t_.free_buffer(p_);
    }
    [[nodiscard]] bool empty() const noexcept { return p_ == nullptr; }
    [[nodiscard]] std::string_view text() const noexcept {
        return p_ ? std::string_view(p_, n_) : std::string_view();
    }

private:
    cckm_plugin const& t_;
    char* p_;
    std::size_t n_;
};

// One loaded plugin as a cloud_provider. Each hook builds the request object, makes the call
// (serialized when the plugin asks) and decodes the answer; a failed decode is the plugin's
// fault, so it is logged and answered `internal`.
class plugin_provider final : public cloud_provider {
public:
    plugin_provider(std::string path,
                    std::unique_ptr<library> lib,
                    cckm_plugin const& table,
                    void* instance,
                    plugin_log log)
        : cloud_provider(table.cloud_name),
          path_(std::move(path)),
          lib_(std::move(lib)),
          t_(table),
          instance_(instance),
          log_(std::move(log)) {}

    ~plugin_provider() override {
        if (t_.destroy) t_.destroy(instance_);
    }

protected:
    result<key_page> do_list_keys(key_list_request const& r) override {
        json::array containers;
        for (auto const& c : r.containers) containers.emplace_back(c);
        return invoke("list_keys", t_.list_keys,
                      {{"containers", std::move(containers)}, {"skip", r.skip}, {"limit", r.limit}},
                      [this](json::object const& o) { return detail::decode_page(o, cloud()); });
    }
    result<cloud_key> do_get_key(std::string_view id) override {
        return key_call("get_key", t_.get_key, {{"native_id", id}});
    }
    result<cloud_key> do_create_key(key_spec const& s) override {
        return key_call("create_key", t_.create_key, detail::encode_spec(s));
    }
    result<rotation_outcome> do_rotate_key(std::string_view id, rotate_request const& r) override {
        auto req = detail::encode_rotate(r);
        req["native_id"] = id;
        return invoke("rotate_key", t_.rotate_key, std::move(req), [this](json::object const& o) {
            return detail::decode_rotation(o, cloud());
        });
    }
    result<cloud_key> do_set_enabled(std::string_view id, bool enabled) override {
        return key_call("set_enabled", t_.set_enabled, {{"native_id", id}, {"enabled", enabled}});
    }
    result<cloud_key> do_schedule_deletion(std::string_view id, int days) override {
        return key_call("schedule_deletion", t_.schedule_deletion,
                        {{"native_id", id}, {"days", days}});
    }
    result<cloud_key> do_cancel_deletion(std::string_view id) override {
        return key_call("cancel_deletion", t_.cancel_deletion, {{"native_id", id}});
    }
    result<cloud_key> do_apply_policy(std::string_view id, std::string_view policy) override {
        return key_call("apply_policy", t_.apply_policy, {{"native_id", id}, {"policy", policy}});
    }
    result<cloud_key> do_set_auto_rotation(std::string_view id,
                                           std::optional<rotation_policy> const& p) override {
        return key_call("set_auto_rotation", t_.set_auto_rotation,
                        {{"native_id", id}, {"policy", detail::encode_policy(p)}});
    }
    result<cloud_key> do_delete_key(std::string_view id, bool force) override {
        return key_call("delete_key", t_.delete_key,
                        {{"native_id", id}, {"delete_if_backup_fails", force}});
    }
    result<cloud_key> do_restore_key(std::string_view id) override {
        return key_call("restore_key", t_.restore_key, {{"native_id", id}});
    }
    result<std::vector<key_backup>> do_list_backups(std::string_view id) override {
        return invoke("list_backups", t_.list_backups, {{"native_id", id}},
                      [](json::object const& o) { return detail::decode_backups(o); });
    }
    result<void> do_delete_backup(std::string_view id, std::string_view backup) override {
        auto r =
            invoke("delete_backup", t_.delete_backup, {{"native_id", id}, {"backup_id", backup}},
                   [](json::object const&) { return true; });
        if (!r) return r.error();
        return {};
    }
    result<xks_credential> do_rotate_xks_credentials(std::string_view store) override {
        return invoke("rotate_xks_credentials", t_.rotate_xks_credentials,
                      {{"custom_key_store_id", store}},
                      [](json::object const& o) { return detail::decode_xks(o); });
    }

    result<std::vector<custom_key_store>> do_list_custom_key_stores() override {
        return invoke("list_custom_key_stores", t_.list_custom_key_stores, {},
                      [](json::object const& o) { return detail::decode_key_stores(o); });
    }

private:
    result<cloud_key> key_call(std::string_view call, cckm_plugin_call_fn fn, json::object req) {
        return invoke(call, fn, std::move(req),
                      [this](json::object const& o) { return detail::decode_key(o, cloud()); });
    }

    // Makes one call and decodes its answer with `decode` (which throws on a wrong shape).
    template <class Decode>
    auto invoke(std::string_view call, cckm_plugin_call_fn fn, json::object req, Decode decode)
        -> result<std::invoke_result_t<Decode&, json::object const&>> {
        if (!fn) return not_supported(call);
        auto answer = raw_call(call, fn, json::serialize(req));
        if (!answer) return answer.error();
        try {
            return decode(*answer);
        } catch (std::exception const& e) {
            return misbehaved(call, std::string("answered a malformed result: ") + e.what());
        }
    }

    // The call itself: status codes and the answer's JSON syntax are checked here.
    result<json::object> raw_call(std::string_view call,
                                  cckm_plugin_call_fn fn,
                                  std::string const& request) {
        char* out = nullptr;
        std::size_t out_len = 0;
        std::int32_t rc = 0;
        {
            std::optional<std::lock_guard<std::mutex>> serialized;
            if (t_.flags & CCKM_PLUGIN_FLAG_SERIALIZE_CALLS) serialized.emplace(mutex_);
            rc = fn(instance_, request.data(), request.size(), &out, &out_len);
        }
        plugin_buffer const buffer(t_, out, out_len);
        if (rc != CCKM_PLUGIN_OK) {
            if (!known_code(rc))
                return misbehaved(call, "answered unknown status code " + std::to_string(rc));
            std::string message(buffer.text());
            if (message.empty()) message = "failed without a message";
            // A refusal by the cloud is not the plugin's fault: no log line, the caller decides.
            // INTERNAL is (a caught exception, a bug): an operator should see it in the log.
            if (rc == CCKM_PLUGIN_INTERNAL) log_line(call, "failed: " + message);
            return status{to_code(rc), cloud() + ": " + std::string(call) + ": " + message};
        }
        if (buffer.empty()) return misbehaved(call, "answered success without a result");
        boost::system::error_code ec;
        auto v = json::parse(buffer.text(), ec);
        if (ec) return misbehaved(call, "answered text that is not JSON (" + ec.message() + ")");
        if (!v.is_object()) return misbehaved(call, "answered JSON that is not an object");
        return std::move(v.as_object());
    }

    status misbehaved(std::string_view call, std::string const& what) const {
        return status{code::internal, log_line(call, what)};
    }

    std::string log_line(std::string_view call, std::string const& what) const {
        std::string line =
            "plugin " + path_ + " (" + cloud() + "): " + std::string(call) + " " + what;
        if (line.size() > 500) line.resize(500);  // what() may quote the plugin's garbage
        if (log_)
            log_(line);
        else
            std::cerr << "cckm: " << line << '\n';
        return line;
    }

    std::string path_;
    std::unique_ptr<library> lib_;  // destroyed after instance_ (member order): unload last
    cckm_plugin const& t_;
    void* instance_;
    plugin_log log_;
    std::mutex mutex_;  // only with CCKM_PLUGIN_FLAG_SERIALIZE_CALLS
};

// The table's required members, checked before anything is called through it.
std::optional<std::string> missing_member(cckm_plugin const& t) {
    std::pair<char const*, bool> const required[] = {
        {"cloud_name", t.cloud_name != nullptr}, {"create", t.create != nullptr},
        {"destroy", t.destroy != nullptr},       {"free_buffer", t.free_buffer != nullptr},
        {"list_keys", t.list_keys != nullptr},   {"get_key", t.get_key != nullptr},
        {"create_key", t.create_key != nullptr}, {"rotate_key", t.rotate_key != nullptr}};
    for (auto const& [name, present] : required)
        if (!present) return std::string(name);
    return std::nullopt;
}

// Is `p` something load_plugins_from_dir may load: a regular *.so in `dir` itself, or a
// symlink whose target is one.
result<bool> allowed(fs::path const& dir, fs::directory_entry const& e) {
    if (e.path().extension() != ".so") return false;
    std::error_code ec;
    if (!e.is_symlink(ec)) return e.is_regular_file(ec);
    auto target = fs::canonical(e.path(), ec);
    if (ec) return load_error(e.path().string(), "broken symlink");
    if (target.parent_path() != dir)
        return load_error(e.path().string(),
                          "symlink to " + target.string() + ", outside the plugin directory");
    return fs::is_regular_file(target, ec);
}

}  // namespace

result<std::unique_ptr<cloud_provider>> load_plugin(std::string const& path, plugin_log log) {
    // RTLD_LOCAL: two plugins may use the same symbol names; RTLD_NOW: a missing dependency is
    // a load error now, not a crash on the first call.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        char const* why = ::dlerror();
        return load_error(path, std::string("cannot load: ") + (why ? why : "unknown error"));
    }
    auto lib = std::make_unique<library>(handle);
    void* sym = ::dlsym(handle, CCKM_PLUGIN_ENTRY_SYMBOL);
    if (!sym)
        return load_error(path, "no symbol " CCKM_PLUGIN_ENTRY_SYMBOL
                                " (is it exported with CCKM_PLUGIN_EXPORT and extern \"C\"?)");
    auto entry = reinterpret_cast<cckm_plugin_entry_fn>(sym);
    cckm_plugin const* table = entry();
    if (!table) return load_error(path, CCKM_PLUGIN_ENTRY_SYMBOL " returned null");
    if (table->abi_version != CCKM_PLUGIN_ABI_VERSION)
        return load_error(path, "ABI version " + std::to_string(table->abi_version) +
                                    ", this server supports " +
                                    std::to_string(CCKM_PLUGIN_ABI_VERSION));
    if (auto m = missing_member(*table)) return load_error(path, "the table has no " + *m);
    if (!valid_cloud_name(table->cloud_name))
        return load_error(path, "cloud name must be 1-64 of A-Z a-z 0-9 _ - .");
    char* error = nullptr;
    std::size_t error_len = 0;
    static constexpr std::string_view config = "{}";
    void* instance = table->create(config.data(), config.size(), &error, &error_len);
    plugin_buffer const message(*table, error, error_len);
    if (!instance) {
        auto why = message.empty() ? std::string("no reason given") : std::string(message.text());
        return load_error(path, "create failed: " + why);
    }
    return std::unique_ptr<cloud_provider>(
        new plugin_provider(path, std::move(lib), *table, instance, std::move(log)));
}

result<std::vector<std::string>> load_plugins_from_dir(std::string const& dir,
                                                       provider_registry& registry,
                                                       plugin_log log) {
    std::error_code ec;
    auto const root = fs::canonical(dir, ec);
    if (ec || !fs::is_directory(root, ec))
        return status{code::invalid_argument, "plugin directory " + dir + " is not a directory",
                      "plugin"};
    std::vector<fs::path> files;
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        auto ok = allowed(root, *it);
        if (!ok) return ok.error();
        if (*ok) files.push_back(it->path());
    }
    if (ec) return status{code::invalid_argument, "cannot list " + dir + ": " + ec.message()};
    std::sort(files.begin(), files.end());
    std::vector<std::string> clouds;
    for (auto const& f : files) {
        auto provider = load_plugin(f.string(), log);
        if (!provider) return provider.error();
        auto const cloud = (*provider)->cloud();
        if (auto added = registry.add_extension(std::move(*provider)); !added)
            return load_error(f.string(), "cloud " + cloud + ": " + added.error().message());
        clouds.push_back(cloud);
    }
    return clouds;
}

}  // namespace cckm
