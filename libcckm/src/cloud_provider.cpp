// SPDX-License-Identifier: Apache-2.0
// The non-virtual half of cloud_provider: argument checks and the one seam where whatever a
// hook throws becomes a status, so a broken provider cannot take a worker thread down.
#include <cckm/cloud_provider.hpp>
#include <cckm/operations.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <mutex>
#include <utility>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::size_t max_page = 1000;

status missing(std::string_view field) {
    return scheduler::invalid_argument(std::string(field), "is required");
}

// Calls a hook and converts what it throws; also refuses an error status that claims "ok",
// which would otherwise read as success to callers that test the code.
template <class F>
auto guarded(std::string const& cloud, std::string_view call, F&& hook)
    -> std::invoke_result_t<F&> {
    auto fail = [&](std::string const& what) {
        return status{code::internal,
                      cloud + " provider: " + std::string(call) + " threw: " + what};
    };
    try {
        auto r = hook();
        if (!r && r.error().ok())
            return std::invoke_result_t<F&>{status{
                code::internal,
                cloud + " provider: " + std::string(call) + " failed without an error code"}};
        return r;
    } catch (std::exception const& e) {
        return std::invoke_result_t<F&>{fail(e.what())};
    } catch (...) {
        return std::invoke_result_t<F&>{fail("a non-standard exception")};
    }
}

}  // namespace

bool is_retryable(status const& s) noexcept {
    return s.error_code() == code::unavailable || s.error_code() == code::resource_exhausted;
}

cloud_provider::cloud_provider(std::string cloud) : cloud_(std::move(cloud)) {}

cloud_provider::~cloud_provider() = default;

status cloud_provider::not_supported(std::string_view call) const {
    return status{code::unimplemented, cloud_ + " does not support " + std::string(call)};
}

result<key_page> cloud_provider::list_keys(key_list_request const& request) {
    if (request.limit == 0 || request.limit > max_page)
        return scheduler::invalid_argument("limit", "must be 1 to 1000");
    return guarded(cloud_, "list_keys", [&] { return do_list_keys(request); });
}

result<cloud_key> cloud_provider::get_key(std::string_view native_id) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "get_key", [&] { return do_get_key(native_id); });
}

result<cloud_key> cloud_provider::create_key(key_spec const& spec) {
    if (spec.name.empty()) return missing("name");
    return guarded(cloud_, "create_key", [&] { return do_create_key(spec); });
}

result<rotation_outcome> cloud_provider::rotate_key(std::string_view native_id,
                                                    rotate_request const& request) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "rotate_key", [&] { return do_rotate_key(native_id, request); });
}

result<cloud_key> cloud_provider::set_enabled(std::string_view native_id, bool enabled) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, enabled ? "enable_key" : "disable_key",
                   [&] { return do_set_enabled(native_id, enabled); });
}

result<cloud_key> cloud_provider::schedule_deletion(std::string_view native_id, int days) {
    if (native_id.empty()) return missing("native_id");
    if (days < 1) return scheduler::invalid_argument("days", "must be at least 1");
    return guarded(cloud_, "schedule_deletion",
                   [&] { return do_schedule_deletion(native_id, days); });
}

result<cloud_key> cloud_provider::cancel_deletion(std::string_view native_id) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "cancel_deletion", [&] { return do_cancel_deletion(native_id); });
}

result<cloud_key> cloud_provider::apply_policy(std::string_view native_id,
                                               std::string_view policy_json) {
    if (native_id.empty()) return missing("native_id");
    if (policy_json.empty()) return missing("policy");
    return guarded(cloud_, "apply_policy", [&] { return do_apply_policy(native_id, policy_json); });
}

result<cloud_key> cloud_provider::set_auto_rotation(std::string_view native_id,
                                                    std::optional<rotation_policy> policy) {
    if (native_id.empty()) return missing("native_id");
    if (policy && policy->period.count() <= 0)
        return scheduler::invalid_argument("rotation_period", "must be positive");
    return guarded(cloud_, "set_auto_rotation",
                   [&] { return do_set_auto_rotation(native_id, policy); });
}

result<cloud_key> cloud_provider::delete_key(std::string_view native_id,
                                             bool delete_if_backup_fails) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "delete_key",
                   [&] { return do_delete_key(native_id, delete_if_backup_fails); });
}

result<cloud_key> cloud_provider::restore_key(std::string_view native_id) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "restore_key", [&] { return do_restore_key(native_id); });
}

result<std::vector<key_backup>> cloud_provider::list_backups(std::string_view native_id) {
    if (native_id.empty()) return missing("native_id");
    return guarded(cloud_, "list_backups", [&] { return do_list_backups(native_id); });
}

result<void> cloud_provider::delete_backup(std::string_view native_id, std::string_view backup_id) {
    if (native_id.empty()) return missing("native_id");
    if (backup_id.empty()) return missing("backup_id");
    return guarded(cloud_, "delete_backup", [&] { return do_delete_backup(native_id, backup_id); });
}

result<xks_credential> cloud_provider::rotate_xks_credentials(
    std::string_view custom_key_store_id) {
    if (custom_key_store_id.empty()) return missing("custom_key_store_id");
    return guarded(cloud_, "rotate_xks_credentials",
                   [&] { return do_rotate_xks_credentials(custom_key_store_id); });
}

result<std::vector<custom_key_store>> cloud_provider::list_custom_key_stores() {
    return guarded(cloud_, "list_custom_key_stores", [&] { return do_list_custom_key_stores(); });
}

// Optional capabilities: a cloud without them says so.
result<cloud_key> cloud_provider::do_set_enabled(std::string_view, bool) {
    return not_supported("enable/disable");
}
result<cloud_key> cloud_provider::do_schedule_deletion(std::string_view, int) {
    return not_supported("scheduled deletion");
}
result<cloud_key> cloud_provider::do_cancel_deletion(std::string_view) {
    return not_supported("scheduled deletion");
}
result<cloud_key> cloud_provider::do_apply_policy(std::string_view, std::string_view) {
    return not_supported("key policies");
}
result<cloud_key> cloud_provider::do_set_auto_rotation(std::string_view,
                                                       std::optional<rotation_policy> const&) {
    return not_supported("automatic rotation");
}
result<cloud_key> cloud_provider::do_delete_key(std::string_view, bool) {
    return not_supported("delete with backup");
}
result<cloud_key> cloud_provider::do_restore_key(std::string_view) {
    return not_supported("restore from backup");
}
result<std::vector<key_backup>> cloud_provider::do_list_backups(std::string_view) {
    return not_supported("key backups");
}
result<void> cloud_provider::do_delete_backup(std::string_view, std::string_view) {
    return not_supported("key backups");
}
result<xks_credential> cloud_provider::do_rotate_xks_credentials(std::string_view) {
    return not_supported("external key store credentials");
}
result<std::vector<custom_key_store>> cloud_provider::do_list_custom_key_stores() {
    return not_supported("custom key stores");
}

result<void> provider_registry::add(std::unique_ptr<cloud_provider> provider) {
    if (!provider) return scheduler::invalid_argument("provider", "is null");
    auto const names = cloud_names();
    if (std::find(names.begin(), names.end(), provider->cloud()) == names.end())
        return scheduler::invalid_argument("cloud_name",
                                           "unknown cloud '" + provider->cloud() + "'");
    return insert(std::move(provider));
}

result<void> provider_registry::add_extension(std::unique_ptr<cloud_provider> provider) {
    if (!provider) return scheduler::invalid_argument("provider", "is null");
    auto const& name = provider->cloud();
    bool const valid =
        !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        });
    if (!valid)
        return scheduler::invalid_argument("cloud_name", "must be 1-64 of A-Z a-z 0-9 _ - .");
    return insert(std::move(provider));
}

result<void> provider_registry::insert(std::unique_ptr<cloud_provider> provider) {
    std::unique_lock lock(mutex_);
    auto const cloud = provider->cloud();
    if (!providers_.try_emplace(cloud, std::move(provider)).second)
        return status{code::already_exists, "a provider for " + cloud + " is registered"};
    return {};
}

cloud_provider* provider_registry::find(std::string_view cloud) const {
    std::shared_lock lock(mutex_);
    auto it = providers_.find(cloud);
    return it == providers_.end() ? nullptr : it->second.get();
}

std::unique_ptr<cloud_provider> provider_registry::release(std::string_view cloud) {
    std::unique_lock lock(mutex_);
    auto it = providers_.find(cloud);
    if (it == providers_.end()) return nullptr;
    auto p = std::move(it->second);
    providers_.erase(it);
    return p;
}

std::vector<std::string> provider_registry::clouds() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    for (auto const& [name, p] : providers_) out.push_back(name);
    return out;
}

}  // namespace cckm
