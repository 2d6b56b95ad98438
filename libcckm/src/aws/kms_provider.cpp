// SPDX-License-Identifier: Apache-2.0
// cloud_provider over the AWS KMS client. KMS has no notion of an archived key or of "rotated
// from/to", so the provider keeps those in tags on the keys (cckm:archived, cckm:rotated_from,
// cckm:rotated_to, cckm:rotated_at); everything else is KMS's own state.
#include <cckm/aws/kms_provider.hpp>

#include "aws/kms_client.hpp"

#include <algorithm>
#include <utility>

namespace cckm::aws {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view tag_archived = "cckm:archived";
constexpr std::string_view tag_rotated_from = "cckm:rotated_from";
constexpr std::string_view tag_rotated_to = "cckm:rotated_to";
constexpr std::string_view tag_rotated_at = "cckm:rotated_at";

bool is_cckm_tag(std::string const& name) {
    return name.starts_with("cckm:");
}

std::string key_type_of(std::string const& spec) {
    if (spec == "SYMMETRIC_DEFAULT") return "symmetric";
    if (spec.starts_with("RSA_")) return "RSA";
    if (spec.starts_with("ECC_")) return "EC";
    if (spec.starts_with("HMAC_")) return "HMAC";
    return spec;
}

std::string key_spec_of(std::string const& type) {
    if (type.empty() || type == "symmetric") return "SYMMETRIC_DEFAULT";
    if (type == "RSA") return "RSA_2048";
    if (type == "EC") return "ECC_NIST_P256";
    return type;  // a KMS KeySpec given as is
}

std::string alias_name(std::string const& a) {
    return a.starts_with("alias/") ? a : "alias/" + a;
}

class kms_provider final : public cloud_provider {
public:
    kms_provider(kms_connection c,
                 std::shared_ptr<http_transport> transport,
                 std::string host_header,
                 scheduler::clock& clock,
                 kms_provider_options o)
        : cloud_provider("aws"),
          conn_(std::move(c)),
          clock_(clock),
          client_(std::move(transport),
                  std::move(host_header),
                  conn_.creds,
                  conn_.region,
                  clock,
                  kms_retry_policy{o.max_retries, o.retry_base, o.retry_cap, std::move(o.sleep)}) {}

protected:
    result<key_page> do_list_keys(key_list_request const& request) override {
        if (!request.containers.empty() &&
            std::find(request.containers.begin(), request.containers.end(), conn_.name) ==
                request.containers.end())
            return key_page{};
        auto ids = client_.list_keys();
        if (!ids) return ids.error();
        key_page page;
        page.total = ids->size();
        if (request.skip >= ids->size()) return page;  // asked for the total only
        auto aliases = alias_index();
        if (!aliases) return aliases.error();
        // Pages in ListKeys order (stable between calls); describing only the page's keys
        // keeps a page at a fixed number of calls however large the account is.
        for (std::size_t i = request.skip; i < ids->size() && page.keys.size() < request.limit;
             ++i) {
            auto k = load((*ids)[i], *aliases, false);
            if (!k) return k.error();
            page.keys.push_back(std::move(*k));
        }
        return page;
    }

    result<cloud_key> do_get_key(std::string_view id) override { return load(id); }

    result<cloud_key> do_create_key(key_spec const& spec) override {
        kms_create_key_request r;
        r.description = spec.name;
        r.key_spec = key_spec_of(spec.key_type);
        r.tags = spec.tags;
        auto created = client_.create_key(r);
        if (!created) return created.error();
        for (auto const& a : spec.aliases)
            if (auto ok = client_.create_alias(alias_name(a), created->key_id); !ok)
                return status{ok.error().error_code(), "key " + created->key_id +
                                                           " created but alias " + a +
                                                           " not: " + ok.error().message()};
        return load(created->key_id);
    }

    result<rotation_outcome> do_rotate_key(std::string_view id,
                                           rotate_request const& request) override {
        auto old = load(id);
        if (!old) return old.error();
        if (old->state != key_state::enabled && old->state != key_state::disabled)
            return status{code::failed_precondition,
                          "key " + std::string(id) + " is " + std::string(to_string(old->state))};
        auto const now = clock_.now();
        if (request.rotate_material) return rotate_material(*old, now);
        return rotate_to_new_key(*old, request, now);
    }

    result<cloud_key> do_set_enabled(std::string_view id, bool enabled) override {
        auto r = enabled ? client_.enable_key(id) : client_.disable_key(id);
        if (!r) return r.error();
        return load(id);
    }

    result<cloud_key> do_schedule_deletion(std::string_view id, int days) override {
        if (days < 7 || days > 30)
            return scheduler::invalid_argument("days", "AWS allows 7 to 30 days");
        if (auto r = client_.schedule_key_deletion(id, days); !r) return r.error();
        return load(id);
    }

    result<cloud_key> do_cancel_deletion(std::string_view id) override {
        if (auto r = client_.cancel_key_deletion(id); !r) return r.error();
        return load(id);
    }

    result<cloud_key> do_apply_policy(std::string_view id, std::string_view policy) override {
        if (auto r = client_.put_key_policy(id, policy); !r) return r.error();
        return load(id);
    }

    result<cloud_key> do_set_auto_rotation(std::string_view id,
                                           std::optional<rotation_policy> const& p) override {
        if (!p) {
            if (auto r = client_.disable_key_rotation(id); !r) return r.error();
            return load(id);
        }
        auto const days = std::chrono::duration_cast<std::chrono::days>(p->period).count();
        if (days < 90 || days > 2560)
            return scheduler::invalid_argument("period", "AWS allows 90 to 2560 days");
        if (auto r = client_.enable_key_rotation(id, static_cast<int>(days)); !r) return r.error();
        return load(id);
    }

private:
    using alias_map = std::map<std::string, std::vector<std::string>>;

    result<alias_map> alias_index(std::string_view key_id = {}) {
        auto all = client_.list_aliases(key_id);
        if (!all) return all.error();
        alias_map out;
        for (auto& a : *all)
            if (!a.target_key_id.empty()) out[a.target_key_id].push_back(std::move(a.name));
        return out;
    }

    result<cloud_key> load(std::string_view id) {
        auto aliases = alias_index(id);
        if (!aliases) return aliases.error();
        return load(id, *aliases, true);
    }

    // DescribeKey plus, for customer keys, tags and rotation schedule; the policy only when
    // asked (one more call per key, so not during a listing).
    result<cloud_key> load(std::string_view id, alias_map const& aliases, bool with_policy) {
        auto m = client_.describe_key(id);
        if (!m) return m.error();
        cloud_key k;
        k.cloud = "aws";
        // The ARN, not the key id: a multi-region key has one id in every region, and two
        // connections may reach the same id in different accounts; an ARN names one key.
        k.native_id = m->arn.empty() ? m->key_id : m->arn;
        k.account = m->account.empty() ? conn_.account : m->account;
        k.region = conn_.region;
        k.container = conn_.name;
        if (auto it = aliases.find(m->key_id); it != aliases.end()) k.aliases = it->second;
        k.name = !m->description.empty() ? m->description
                 : k.aliases.empty()     ? m->key_id
                                         : k.aliases.front().substr(6);
        k.key_type = key_type_of(m->key_spec);
        k.origin = m->origin == "EXTERNAL" ? "cckm" : "native";
        k.state = m->key_state == "Enabled"           ? key_state::enabled
                  : m->key_state == "PendingDeletion" ? key_state::pending_deletion
                                                      : key_state::disabled;
        k.created_at = m->creation_date;
        k.deletion_date = m->deletion_date;
        k.updated_at = clock_.now();
        if (m->key_manager == "AWS") return k;  // AWS-managed keys: no tags, no schedule

        auto tags = client_.list_resource_tags(m->key_id);
        if (!tags) return tags.error();
        for (auto& [name, value] : *tags) {
            if (name == tag_archived && value == "true" && k.state != key_state::pending_deletion)
                k.state = key_state::archived;
            else if (name == tag_rotated_from)
                k.rotated_from = value;
            else if (name == tag_rotated_to)
                k.rotated_to = value;
            else if (name == tag_rotated_at) {
                if (auto t = scheduler::parse_rfc3339(value, "tags"); t) k.rotated_at = *t;
            } else if (!is_cckm_tag(name))
                k.tags.emplace(name, value);
        }
        if (m->key_spec == "SYMMETRIC_DEFAULT" && m->key_state != "PendingDeletion") {
            auto rs = client_.get_key_rotation_status(m->key_id);
            if (!rs) return rs.error();
            if (rs->enabled)
                k.auto_rotation =
                    rotation_policy{std::chrono::days(rs->period_days.value_or(365)), std::nullopt};
        }
        if (with_policy) {
            auto p = client_.get_key_policy(m->key_id);
            if (!p) return p.error();
            k.policy = std::move(*p);
        }
        return k;
    }

    result<rotation_outcome> rotate_material(cloud_key const& old, scheduler::time_point now) {
        if (auto r = client_.rotate_key_on_demand(old.native_id); !r) return r.error();
        auto const stamp = scheduler::format_rfc3339(now, false);
        if (auto r = client_.tag_resource(old.native_id, {{std::string(tag_rotated_at), stamp}});
            !r)
            return r.error();
        auto k = load(old.native_id);
        if (!k) return k.error();
        return rotation_outcome{std::move(*k), std::nullopt, true, {}};
    }

    result<rotation_outcome> rotate_to_new_key(cloud_key const& old,
                                               rotate_request const& request,
                                               scheduler::time_point now) {
        auto const stamp = scheduler::format_rfc3339(now, false);
        kms_create_key_request r;
        r.description = old.name;
        r.key_spec = key_spec_of(old.key_type);
        r.policy = old.policy;
        r.tags = old.tags;
        r.tags[std::string(tag_rotated_from)] = old.native_id;
        r.tags[std::string(tag_rotated_at)] = stamp;
        auto fresh = client_.create_key(r);
        if (!fresh) return fresh.error();

        auto partial = [&](std::string reason) -> result<rotation_outcome> {
            auto new_key = load(fresh->key_id);
            auto old_key = load(old.native_id);
            if (!new_key) return new_key.error();
            return rotation_outcome{
                std::move(*new_key),
                old_key ? std::optional<cloud_key>(std::move(*old_key)) : std::nullopt, false,
                std::move(reason)};
        };
        if (old.auto_rotation) {
            auto const days =
                std::chrono::duration_cast<std::chrono::days>(old.auto_rotation->period);
            if (auto e = client_.enable_key_rotation(fresh->key_id, static_cast<int>(days.count()));
                !e)
                return partial("new key created but its rotation schedule not set: " +
                               e.error().message());
        }
        for (auto const& alias : old.aliases) {
            if (auto moved = client_.update_alias(alias, fresh->key_id); !moved)
                return partial("new key created but alias " + alias +
                               " not moved: " + moved.error().message());
            if (request.retain_alias)
                if (auto kept = client_.create_alias(alias + "-" + amz_date(now), old.native_id);
                    !kept)
                    return partial("aliases moved but " + alias +
                                   " not retained on the old key: " + kept.error().message());
        }
        if (auto tagged = client_.tag_resource(
                old.native_id,
                {{std::string(tag_archived), "true"},
                 {std::string(tag_rotated_to), fresh->arn.empty() ? fresh->key_id : fresh->arn},
                 {std::string(tag_rotated_at), stamp}});
            !tagged)
            return partial("aliases moved but the old key not marked archived: " +
                           tagged.error().message());
        auto new_key = load(fresh->key_id);
        if (!new_key) return new_key.error();
        auto archived = load(old.native_id);
        if (!archived) return archived.error();
        return rotation_outcome{std::move(*new_key), std::move(*archived), true, {}};
    }

    kms_connection conn_;
    scheduler::clock& clock_;
    kms_client client_;
};

result<void> check(kms_connection const& c) {
    if (c.region.empty()) return scheduler::invalid_argument("region", "is required");
    if (c.creds.access_key_id.empty() || c.creds.secret_access_key.empty())
        return scheduler::invalid_argument("credentials",
                                           "access key id and secret access key are required");
    return {};
}

std::string endpoint_url_of(kms_connection const& c) {
    return c.endpoint_url.empty() ? "https://kms." + c.region + ".amazonaws.com" : c.endpoint_url;
}

}  // namespace

result<std::unique_ptr<cloud_provider>> make_kms_provider(kms_connection connection,
                                                          std::shared_ptr<http_transport> transport,
                                                          scheduler::clock& clock,
                                                          kms_provider_options options) {
    if (auto ok = check(connection); !ok) return ok.error();
    if (!transport) return scheduler::invalid_argument("transport", "is required");
    auto ep = parse_endpoint(endpoint_url_of(connection));
    if (!ep) return ep.error();
    return std::unique_ptr<cloud_provider>(std::make_unique<kms_provider>(
        std::move(connection), std::move(transport), ep->host_header(), clock, std::move(options)));
}

result<std::unique_ptr<cloud_provider>> make_kms_provider(kms_connection connection,
                                                          scheduler::clock& clock,
                                                          kms_provider_options options) {
    if (auto ok = check(connection); !ok) return ok.error();
    auto transport = make_http_transport(endpoint_url_of(connection), options.transport);
    if (!transport) return transport.error();
    return make_kms_provider(std::move(connection),
                             std::shared_ptr<http_transport>(std::move(*transport)), clock,
                             std::move(options));
}

}  // namespace cckm::aws
