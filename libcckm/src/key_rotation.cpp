// SPDX-License-Identifier: Apache-2.0
// cckm_key_rotation (DESIGN.md §8): for each inventory key attached to the config, decide
// whether it is due (expire_in, rotation_after, sfdc key_type), rotate it through the cloud's
// provider with retries on transient errors, and record the result in the inventory. The
// details list every key with what happened to it, so a key rotated in the cloud but not
// recorded (or rotated only part-way) is never silent.
#include "key_codec.hpp"
#include "operations_handlers.hpp"
#include "provider_retry.hpp"

#include <cckm/cloud_provider.hpp>
#include <cckm/key_store.hpp>
#include <scheduler/duration.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace cckm::handlers {

namespace json = boost::json;
using scheduler::code;
using scheduler::result;
using scheduler::time_point;

namespace {

struct rotation_params {
    std::string cloud;
    std::optional<std::chrono::seconds> expire_in;
    std::optional<std::chrono::seconds> rotation_after;
    std::optional<std::chrono::seconds> expiration;
    bool retain_alias = false;
    bool rotate_material = false;
    std::vector<std::string> sfdc_key_types;  ///< empty: every type
};

// The params were validated when the config was saved; a bad value here means a stored config
// from an older validator, reported rather than guessed at.
result<std::optional<std::chrono::seconds>> read_duration(json::object const& o,
                                                          std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || !v->is_string() || v->as_string().empty())
        return std::optional<std::chrono::seconds>{};
    auto d = scheduler::duration::parse(v->as_string(), key);
    if (!d) return d.error();
    return std::optional<std::chrono::seconds>{d->value()};
}

bool read_flag(json::object const& o, std::string_view block, std::string_view key) {
    auto const* b = o.if_contains(block);
    if (!b || !b->is_object()) return false;
    auto const* v = b->as_object().if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

result<rotation_params> read_params(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return scheduler::invalid_argument("params", "not a JSON object");
    auto const& o = v.as_object();
    rotation_params p;
    if (auto const* c = o.if_contains("cloud_name"); c && c->is_string())
        p.cloud = std::string(c->as_string());
    if (p.cloud.empty()) return scheduler::invalid_argument("cloud_name", "is required");
    for (auto [key, slot] :
         {std::pair{"expire_in", &p.expire_in}, std::pair{"rotation_after", &p.rotation_after},
          std::pair{"expiration", &p.expiration}}) {
        auto d = read_duration(o, key);
        if (!d) return d.error();
        *slot = *d;
    }
    p.retain_alias = read_flag(o, "aws_param", "retain_alias");
    p.rotate_material = read_flag(o, "aws_param", "rotate_material");
    if (auto const* s = o.if_contains("sfdc_param"); s && s->is_object())
        if (auto const* types = s->as_object().if_contains("key_type"); types && types->is_array())
            for (auto const& t : types->as_array())
                if (t.is_string()) p.sfdc_key_types.emplace_back(t.as_string());
    return p;
}

// Why a key is not due, or nullopt when it is.
std::optional<std::string> not_due(cloud_key const& k, rotation_params const& p, time_point now) {
    if (k.state != key_state::enabled && k.state != key_state::disabled)
        return "key is " + std::string(to_string(k.state));
    if (!p.sfdc_key_types.empty() && std::find(p.sfdc_key_types.begin(), p.sfdc_key_types.end(),
                                               k.key_type) == p.sfdc_key_types.end())
        return "key_type " + k.key_type + " is not in sfdc_param.key_type";
    if (p.expire_in) {
        if (!k.expires_at) return "key has no expiry date (expire_in)";
        if (*k.expires_at > now + *p.expire_in)
            return "expires at " + scheduler::format_rfc3339(*k.expires_at, false) +
                   ", outside expire_in";
    }
    if (p.rotation_after && now - k.last_renewed() < *p.rotation_after)
        return "last renewed at " + scheduler::format_rfc3339(k.last_renewed(), false) +
               ", within rotation_after";
    return std::nullopt;
}

struct key_report {
    std::string id;
    std::string status;  ///< rotated | skipped | failed | partially_rotated | not_started
    std::string error;
    std::string reason;  ///< why a key was skipped
    std::string new_id;  ///< AWS new-key rotation: the inventory id of the new key
    int attempts = 0;
};

struct run_report {
    std::vector<key_report> keys;
    std::int64_t num_rotated = 0, num_skipped = 0, num_failed = 0, num_not_started = 0;

    void add(key_report k) {
        if (k.status == "rotated")
            ++num_rotated;
        else if (k.status == "skipped")
            ++num_skipped;
        else if (k.status == "not_started")
            ++num_not_started;
        else
            ++num_failed;  // failed, partially_rotated, cancelled
        keys.push_back(std::move(k));
    }

    [[nodiscard]] std::string json_text(std::size_t total) const {
        json::array items;
        for (auto const& k : keys) {
            json::object o{{"id", k.id}, {"result", k.status}, {"message", k.error}};
            if (!k.reason.empty()) o["reason"] = k.reason;
            if (!k.new_id.empty()) o["new_id"] = k.new_id;
            if (k.attempts > 1) o["attempts"] = k.attempts;
            items.push_back(std::move(o));
        }
        return json::serialize(json::object{{"total_keys", static_cast<std::int64_t>(total)},
                                            {"num_rotated", num_rotated},
                                            {"num_skipped", num_skipped},
                                            {"num_failed", num_failed},
                                            {"num_not_started", num_not_started},
                                            {"keys", std::move(items)}});
    }
};

// Records a successful provider rotation in the inventory, in one transaction: the rotated key
// and, for an AWS new-key rotation, the new key, which takes over the job label so the next
// run rotates it and not the archived one.
void record(key_store& inventory,
            cloud_key const& before,
            rotation_outcome const& out,
            time_point now,
            key_report& report) {
    std::vector<cloud_key> writes;
    if (out.archived) {
        cloud_key fresh;
        fresh.id = new_key_id();
        detail::absorb(fresh, out.key, now);
        fresh.rotated_from = before.id;
        cloud_key old = before;
        detail::absorb(old, *out.archived, now);
        if (out.complete) {
            fresh.labels = before.labels;
            old.labels.erase(std::string(cloud_key::job_config_label));
            old.rotated_to = fresh.id;
        }
        report.new_id = fresh.id;
        writes = {std::move(old), std::move(fresh)};
    } else {
        cloud_key k = before;
        detail::absorb(k, out.key, now);
        writes = {std::move(k)};
    }
    if (!out.complete) {
        report.status = "partially_rotated";
        report.error = out.incomplete_reason;
    }
    if (auto w = inventory.put_all(writes); !w) {
        report.status = "partially_rotated";
        report.error = (report.error.empty() ? std::string("rotated in the cloud") : report.error) +
                       "; the inventory was not updated: " + w.error().message();
    }
}

key_report rotate_one(scheduler::operation_context& ctx,
                      cloud_provider& provider,
                      key_store& inventory,
                      cloud_key const& key,
                      rotation_params const& p) {
    key_report report{key.id, "rotated", {}, {}, {}, 0};
    rotate_request request;
    if (p.expiration)
        request.expires_at = ctx.clock().now() +
                             std::chrono::duration_cast<std::chrono::microseconds>(*p.expiration);
    request.retain_alias = p.retain_alias;
    request.rotate_material = p.rotate_material;
    auto out = detail::call_with_retry(ctx, report.attempts,
                                       [&] { return provider.rotate_key(key.native_id, request); });
    if (!out) {
        report.status = out.error().error_code() == code::cancelled ? "cancelled" : "failed";
        report.error = std::string(scheduler::to_string(out.error().error_code())) + ": " +
                       out.error().message();
        return report;
    }
    record(inventory, key, *out, ctx.clock().now(), report);
    return report;
}

}  // namespace

scheduler::operation_result run_key_rotation(scheduler::operation_context& ctx,
                                             operation_environment const& env) {
    if (!env.providers || !env.inventory)
        return failed("cckm_key_rotation: this process has no cloud providers or key inventory");
    auto p = read_params(ctx.params());
    if (!p) return failed("cckm_key_rotation: " + p.error().to_string());
    auto* provider = env.providers->find(p->cloud);
    if (!provider) return failed("cckm_key_rotation: no provider for cloud " + p->cloud);

    key_query q;
    q.cloud = p->cloud;
    q.job_config_id = ctx.run().job_config_id;
    q.include_gone = false;
    auto attached =
        ctx.run().job_config_id.empty() ? result<key_page>{key_page{}} : env.inventory->list(q);
    if (!attached) return failed("cckm_key_rotation: inventory: " + attached.error().to_string());
    auto const& keys = attached->keys;

    run_report report;
    bool cancelled = false;
    for (auto const& key : keys) {
        if (cancelled || ctx.cancelled()) {
            cancelled = true;
            report.add({key.id, "not_started", {}, {}, {}, 0});
            continue;
        }
        if (auto why = not_due(key, *p, ctx.clock().now())) {
            report.add({key.id, "skipped", {}, std::move(*why), {}, 0});
        } else {
            auto r = rotate_one(ctx, *provider, *env.inventory, key, *p);
            cancelled = r.status == "cancelled";
            report.add(std::move(r));
        }
        ctx.report_progress(report.json_text(keys.size()));
    }

    auto details = report.json_text(keys.size());
    auto const done =
        std::to_string(report.keys.size() - static_cast<std::size_t>(report.num_not_started));
    if (cancelled)
        return {scheduler::run_status::aborted, std::move(details),
                "cancelled after " + done + " of " + std::to_string(keys.size()) + " keys"};
    if (report.num_failed > 0)
        return failed(std::to_string(report.num_failed) + " of " + std::to_string(keys.size()) +
                          " keys failed to rotate",
                      std::move(details));
    return {scheduler::run_status::completed, std::move(details), {}};
}

}  // namespace cckm::handlers
