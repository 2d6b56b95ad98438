// SPDX-License-Identifier: Apache-2.0
// The "aws" provider over several connections: listings are concatenated in a fixed order
// (connections by name, regions in the order given, the fallback last) so that skip/limit
// paging through them is stable, and per-key calls go to the provider that holds the key.
#include <cckm/aws/connections.hpp>

#include <algorithm>
#include <limits>
#include <mutex>

namespace cckm::aws {

using scheduler::code;
using scheduler::result;
using scheduler::status;

connection_router::connection_router(std::shared_ptr<cloud_provider> fallback)
    : cloud_provider("aws"), fallback_(std::move(fallback)) {}

void connection_router::set_connection(std::string const& name,
                                       std::vector<regional_provider> providers) {
    std::unique_lock lock(mutex_);
    unavailable_.erase(name);
    connections_[name] = std::move(providers);
}

void connection_router::set_unavailable(std::string const& name, std::string reason) {
    std::unique_lock lock(mutex_);
    connections_.erase(name);
    unavailable_[name] = std::move(reason);
}

bool connection_router::remove_connection(std::string const& name) {
    std::unique_lock lock(mutex_);
    bool const had = connections_.erase(name) + unavailable_.erase(name) > 0;
    // Owners of the removed providers expire now; drop them so the map only holds live ones.
    std::erase_if(owner_, [](auto const& entry) { return entry.second.expired(); });
    return had;
}

std::vector<std::string> connection_router::connections() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    for (auto const& [name, providers] : connections_) out.push_back(name);
    return out;
}

std::vector<connection_router::source> connection_router::sources() const {
    std::shared_lock lock(mutex_);
    std::vector<source> out;
    for (auto const& [name, providers] : connections_)
        for (auto const& p : providers) out.push_back({name, p.region, p.provider});
    if (fallback_) out.push_back({{}, {}, fallback_});
    return out;
}

void connection_router::remember(std::string const& native_id,
                                 std::shared_ptr<cloud_provider> const& p) {
    if (native_id.empty()) return;
    std::unique_lock lock(mutex_);
    owner_[native_id] = p;
}

namespace {

// "arn:aws:kms:<region>:<account>:key/<id>" -> region; empty for anything else.
std::string_view arn_region(std::string_view id) {
    constexpr std::string_view prefix = "arn:";
    if (!id.starts_with(prefix)) return {};
    // arn : partition : service : region : ...
    std::size_t pos = 0;
    for (int field = 0; field < 3; ++field) {
        pos = id.find(':', pos);
        if (pos == std::string_view::npos) return {};
        ++pos;
    }
    auto const end = id.find(':', pos);
    return end == std::string_view::npos ? std::string_view{} : id.substr(pos, end - pos);
}

}  // namespace

result<connection_router::located> connection_router::locate(std::string_view native_id) {
    {
        std::shared_lock lock(mutex_);
        if (auto it = owner_.find(native_id); it != owner_.end())
            if (auto p = it->second.lock()) return located{std::move(p), std::nullopt};
    }
    auto all = sources();
    if (all.empty())
        return status{code::failed_precondition,
                      "no AWS connection: add one with POST /api/v1/cckm/aws/kms"};
    auto const region = arn_region(native_id);
    if (!region.empty()) {
        // An ARN names its region: only that region's connections can hold it.
        std::erase_if(all, [&](source const& s) { return s.region != region; });
    } else {
        // The fallback is local and cheap to ask; connections cost a round trip each.
        std::stable_partition(all.begin(), all.end(),
                              [](source const& s) { return s.connection.empty(); });
    }
    std::optional<status> first_error;
    for (auto const& s : all) {
        auto k = s.provider->get_key(native_id);
        if (k) {
            remember(std::string(native_id), s.provider);
            return located{s.provider, std::move(*k)};
        }
        // KMS answers a key id of another shape (a simulated or foreign id) with a
        // ValidationException: that, like NotFound, only means "not here".
        auto const c = k.error().error_code();
        if (c != code::not_found && c != code::invalid_argument && !first_error)
            first_error = k.error();
    }
    if (first_error) return *first_error;
    return scheduler::not_found("key " + std::string(native_id) +
                                " not found in any AWS connection");
}

template <class T, class F>
result<T> connection_router::on_key(std::string_view native_id, F&& call) {
    auto where = locate(native_id);
    if (!where) return where.error();
    return call(*where->provider);
}

result<key_page> connection_router::do_list_keys(key_list_request const& request) {
    {
        // A stored connection that is not in use: answering without its keys would read as
        // "its keys are gone" to a synchronization, so the listing fails instead.
        std::shared_lock lock(mutex_);
        for (auto const& [name, why] : unavailable_) {
            bool const asked = request.containers.empty() ||
                               std::find(request.containers.begin(), request.containers.end(),
                                         name) != request.containers.end();
            if (asked)
                return status{code::failed_precondition,
                              "AWS connection " + name + " is not in use: " + why};
        }
    }
    auto const all = sources();
    if (all.empty())
        return status{code::failed_precondition,
                      "no AWS connection: add one with POST /api/v1/cckm/aws/kms"};
    key_page out;
    std::size_t offset = 0;  // keys of the sources before this one
    for (auto const& s : all) {
        key_list_request r = request;
        std::size_t const wanted = request.limit - std::min(request.limit, out.keys.size());
        r.skip = request.skip > offset ? request.skip - offset : 0;
        r.limit = std::max<std::size_t>(wanted, 1);
        // A source past the page is still asked, for its total only: a skip past any end
        // makes it describe no key.
        if (wanted == 0) r.skip = std::numeric_limits<std::size_t>::max() / 2;
        auto page = s.provider->list_keys(r);
        if (!page) return page.error();
        for (auto& k : page->keys) {
            remember(k.native_id, s.provider);
            if (out.keys.size() < request.limit) out.keys.push_back(std::move(k));
        }
        offset += page->total;
    }
    out.total = offset;
    return out;
}

result<cloud_key> connection_router::do_get_key(std::string_view id) {
    auto where = locate(id);
    if (!where) return where.error();
    if (where->key) return std::move(*where->key);
    return where->provider->get_key(id);
}

result<cloud_key> connection_router::do_create_key(key_spec const& spec) {
    std::shared_ptr<cloud_provider> target;
    {
        std::shared_lock lock(mutex_);
        if (auto it = connections_.find(spec.container); it != connections_.end()) {
            // The spec's region, or the connection's first when it names none.
            for (auto const& p : it->second)
                if (p.region == spec.region || (spec.region.empty() && !target))
                    target = p.provider;
            if (!target)
                return scheduler::invalid_argument(
                    "region",
                    "connection '" + spec.container + "' has no region '" + spec.region + "'");
        } else {
            target = fallback_;
        }
    }
    if (!target)
        return scheduler::invalid_argument("container",
                                           "names no AWS connection: '" + spec.container + "'");
    auto k = target->create_key(spec);
    if (k) remember(k->native_id, target);
    return k;
}

result<rotation_outcome> connection_router::do_rotate_key(std::string_view id,
                                                          rotate_request const& request) {
    auto where = locate(id);
    if (!where) return where.error();
    auto r = where->provider->rotate_key(id, request);
    if (r) remember(r->key.native_id, where->provider);
    return r;
}

result<cloud_key> connection_router::do_set_enabled(std::string_view id, bool enabled) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.set_enabled(id, enabled); });
}

result<cloud_key> connection_router::do_schedule_deletion(std::string_view id, int days) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.schedule_deletion(id, days); });
}

result<cloud_key> connection_router::do_cancel_deletion(std::string_view id) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.cancel_deletion(id); });
}

result<cloud_key> connection_router::do_apply_policy(std::string_view id, std::string_view policy) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.apply_policy(id, policy); });
}

result<cloud_key> connection_router::do_set_auto_rotation(
    std::string_view id, std::optional<rotation_policy> const& policy) {
    return on_key<cloud_key>(id,
                             [&](cloud_provider& p) { return p.set_auto_rotation(id, policy); });
}

result<cloud_key> connection_router::do_delete_key(std::string_view id, bool force) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.delete_key(id, force); });
}

result<cloud_key> connection_router::do_restore_key(std::string_view id) {
    return on_key<cloud_key>(id, [&](cloud_provider& p) { return p.restore_key(id); });
}

result<std::vector<key_backup>> connection_router::do_list_backups(std::string_view id) {
    return on_key<std::vector<key_backup>>(id,
                                           [&](cloud_provider& p) { return p.list_backups(id); });
}

result<void> connection_router::do_delete_backup(std::string_view id, std::string_view backup) {
    return on_key<void>(id, [&](cloud_provider& p) { return p.delete_backup(id, backup); });
}

// External key stores: only the simulated cloud models them; a connection's KMS provider
// does not (yet), so without a fallback these are unsupported.
result<xks_credential> connection_router::do_rotate_xks_credentials(std::string_view store) {
    std::shared_ptr<cloud_provider> f;
    {
        std::shared_lock lock(mutex_);
        f = fallback_;
    }
    if (!f) return not_supported("rotate_xks_credentials");
    return f->rotate_xks_credentials(store);
}

result<std::vector<custom_key_store>> connection_router::do_list_custom_key_stores() {
    std::shared_ptr<cloud_provider> f;
    {
        std::shared_lock lock(mutex_);
        f = fallback_;
    }
    if (!f) return not_supported("list_custom_key_stores");
    return f->list_custom_key_stores();
}

}  // namespace cckm::aws
