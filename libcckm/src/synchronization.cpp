// SPDX-License-Identifier: Apache-2.0
// cckm_synchronization: pages through the cloud's keys (all, or the containers the params
// name), adds new ones to the inventory and refreshes known ones, one transaction per page;
// then, only if the listing was complete, marks inventory keys the cloud no longer has as gone.
// A partial listing (cancelled, or the provider failing past its retries) marks nothing gone:
// a key missing from half a listing says nothing about the cloud.
#include "key_codec.hpp"
#include "operations_handlers.hpp"
#include "operations_params.hpp"
#include "provider_retry.hpp"

#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cckm::handlers {

namespace json = boost::json;
using scheduler::result;

namespace {

// cloud -> the params list naming its containers (operations_params.cpp checks the same).
constexpr std::pair<std::string_view, std::string_view> container_lists[] = {
    {"aws", "kms"},        {"AzureCloud", "key_vaults"}, {"gcp", "key_rings"},
    {"oci", "oci_vaults"}, {"sfdc", "organizations"},    {"sap", "groups"},
};

struct sync_params {
    std::string cloud;
    std::vector<std::string> containers;  ///< empty: synchronize_all
};

result<sync_params> read_params(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return scheduler::invalid_argument("params", "not a JSON object");
    auto const& o = v.as_object();
    sync_params p;
    if (auto const* c = o.if_contains("cloud_name"); c && c->is_string())
        p.cloud = std::string(c->as_string());
    if (p.cloud.empty()) return scheduler::invalid_argument("cloud_name", "is required");
    auto const* all = o.if_contains("synchronize_all");
    if (all && all->is_bool() && all->as_bool()) return p;
    std::string_view own_list = params::plugin_container_list;  // a plugin's cloud
    for (auto const& [cloud, list] : container_lists)
        if (cloud == p.cloud) own_list = list;
    if (auto const* items = o.if_contains(own_list); items && items->is_array())
        for (auto const& item : items->as_array())
            if (item.is_string()) p.containers.emplace_back(item.as_string());
    return p;
}

struct counts {
    std::int64_t total = 0, added = 0, updated = 0, unchanged = 0, gone = 0;
    [[nodiscard]] std::string json_text(bool listing_complete, std::string_view note = {}) const {
        json::object o{{"total_keys", total},    {"num_added", added},
                       {"num_updated", updated}, {"num_unchanged", unchanged},
                       {"num_gone", gone},       {"listing_complete", listing_complete}};
        if (!note.empty()) o["note"] = note;
        return json::serialize(o);
    }
};

// A key as the cloud describes it, ignoring what synchronization itself stamps.
bool same_in_cloud(cloud_key a, cloud_key b) {
    a.synced_at = b.synced_at;
    a.updated_at = b.updated_at;
    return a == b;
}

class synchronizer {
public:
    synchronizer(scheduler::operation_context& ctx,
                 cloud_provider& provider,
                 key_store& inventory,
                 sync_params p)
        : ctx_(ctx), provider_(provider), inventory_(inventory), p_(std::move(p)) {}

    scheduler::operation_result run() {
        key_list_request request;
        request.containers = p_.containers;
        request.limit = page_size;
        std::optional<std::size_t> first_total;
        bool shifted = false;  // the listing changed size while it was paged
        for (;;) {
            if (ctx_.cancelled())
                return {scheduler::run_status::aborted, counts_.json_text(false),
                        "cancelled after " + std::to_string(counts_.total) + " keys"};
            int attempts = 0;
            auto page = detail::call_with_retry(ctx_, attempts,
                                                [&] { return provider_.list_keys(request); });
            if (!page)
                return failed("listing " + p_.cloud + " keys: " + page.error().to_string(),
                              counts_.json_text(false));
            if (auto r = absorb_page(page->keys); !r)
                return failed("inventory: " + r.error().to_string(), counts_.json_text(false));
            if (!first_total) first_total = page->total;
            if (page->total != *first_total) shifted = true;
            request.skip += page->keys.size();
            ctx_.report_progress(counts_.json_text(false));
            if (page->keys.empty() || request.skip >= page->total) break;
        }
        // Pages are offsets: a key added or removed meanwhile (or a connection) shifts the
        // rest, so some keys may not have been seen. Marking those gone would be wrong; the
        // next run, on a still listing, does it.
        if (shifted)
            return {scheduler::run_status::completed,
                    counts_.json_text(false,
                                      "the listing changed while it was read; keys not seen "
                                      "were not marked gone"),
                    {}};
        if (auto r = mark_gone(); !r)
            return failed("inventory: " + r.error().to_string(), counts_.json_text(false));
        return {scheduler::run_status::completed, counts_.json_text(true), {}};
    }

private:
    static constexpr std::size_t page_size = 100;

    // One transaction per page: the page's keys are in the inventory or none of them are.
    result<void> absorb_page(std::vector<cloud_key> const& keys) {
        auto const now = ctx_.clock().now();
        std::vector<cloud_key> writes;
        for (auto const& k : keys) {
            ++counts_.total;
            seen_.insert(k.native_id);
            auto known = inventory_.find_native(p_.cloud, k.native_id);
            if (!known && known.error().error_code() != scheduler::code::not_found)
                return known.error();
            cloud_key record;
            if (known) {
                record = *known;
                detail::absorb(record, k, now);
                record.rotated_from = link(k.rotated_from, known->rotated_from);
                record.rotated_to = link(k.rotated_to, known->rotated_to);
                ++(same_in_cloud(record, *known) ? counts_.unchanged : counts_.updated);
            } else {
                record.id = new_key_id();
                detail::absorb(record, k, now);
                record.rotated_from = link(k.rotated_from, {});
                record.rotated_to = link(k.rotated_to, {});
                ++counts_.added;
            }
            writes.push_back(std::move(record));
        }
        return inventory_.merge_all(writes, keep_labels);
    }

    // Labels are CCKM's (a rotation job's attachment), not the cloud's: an enable or disable
    // that lands between this run's read and its write must survive the write.
    static void keep_labels(cloud_key const& stored, cloud_key& incoming) {
        incoming.labels = stored.labels;
    }

    // The inventory id of the key with this native id, or `fallback` when the inventory does
    // not have it (yet: a later page may bring it, and the next run links it).
    std::string link(std::string const& native_id, std::string fallback) {
        if (native_id.empty()) return {};
        auto k = inventory_.find_native(p_.cloud, native_id);
        return k ? k->id : fallback;
    }

    result<void> mark_gone() {
        key_query q;
        q.cloud = p_.cloud;
        q.containers = p_.containers;
        q.include_gone = false;
        auto known = inventory_.list(q);
        if (!known) return known.error();
        std::vector<cloud_key> writes;
        for (auto& k : known->keys) {
            if (k.native_id.empty() || seen_.count(k.native_id)) continue;
            // A deleted SAP/Azure key is not gone: CCKM keeps its backup for a restore.
            if (k.state == key_state::deleted) continue;
            k.gone = true;
            k.updated_at = ctx_.clock().now();
            writes.push_back(std::move(k));
            ++counts_.gone;
        }
        return inventory_.merge_all(writes, keep_labels);
    }

    scheduler::operation_context& ctx_;
    cloud_provider& provider_;
    key_store& inventory_;
    sync_params p_;
    counts counts_;
    std::set<std::string> seen_;
};

}  // namespace

scheduler::operation_result run_synchronization(scheduler::operation_context& ctx,
                                                operation_environment const& env) {
    if (!env.providers || !env.inventory)
        return failed("cckm_synchronization: this process has no cloud providers or key inventory");
    auto p = read_params(ctx.params());
    if (!p) return failed("cckm_synchronization: " + p.error().to_string());
    auto* provider = env.providers->find(p->cloud);
    if (!provider) return failed("cckm_synchronization: no provider for cloud " + p->cloud);
    return synchronizer(ctx, *provider, *env.inventory, std::move(*p)).run();
}

}  // namespace cckm::handlers
