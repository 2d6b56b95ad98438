// SPDX-License-Identifier: Apache-2.0
#include "operations_params.hpp"

#include <cckm/backup_crypto.hpp>
#include <cckm/operations.hpp>
#include <scheduler/duration.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>

namespace cckm::params {

namespace {

namespace json = boost::json;
using scheduler::result;
using scheduler::status;

std::string join(std::span<std::string_view const> items) {
    std::string out;
    for (auto s : items) {
        if (!out.empty()) out += ", ";
        out += s;
    }
    return out;
}

bool contains(std::span<std::string_view const> items, std::string_view s) {
    return std::find(items.begin(), items.end(), s) != items.end();
}

// Reads one params block: a JSON object whose null members are dropped up front, so that
// "absent" and "null" (as Terraform sends unused members) read the same.
class block {
public:
    block(std::string_view name, json::object& o) : name_(name), o_(o) {
        for (auto it = o_.begin(); it != o_.end();) {
            it = it->value().is_null() ? o_.stable_erase(it) : std::next(it);
        }
    }

    [[nodiscard]] status error(std::string_view key, std::string message) const {
        return scheduler::invalid_argument(field(key), std::move(message));
    }
    [[nodiscard]] std::string field(std::string_view key) const {
        return std::string(name_) + "." + std::string(key);
    }

    /// Optional string; "" counts as absent and is dropped when `blank_is_absent`.
    [[nodiscard]] result<std::optional<std::string>> string(std::string_view key,
                                                            bool blank_is_absent = true) {
        auto it = o_.find(key);
        if (it == o_.end()) return std::optional<std::string>{};
        if (!it->value().is_string()) return error(key, "must be a string");
        std::string s(it->value().get_string());
        if (s.empty() && blank_is_absent) {
            o_.stable_erase(it);
            return std::optional<std::string>{};
        }
        return std::optional<std::string>{std::move(s)};
    }

    [[nodiscard]] result<std::string> required_string(std::string_view key) {
        auto s = string(key);
        if (!s) return s.error();
        if (!*s) return error(key, "is required");
        return std::move(**s);
    }

    [[nodiscard]] result<std::optional<std::string>> one_of(
        std::string_view key, std::span<std::string_view const> allowed) {
        auto s = string(key);
        if (!s) return s.error();
        if (*s && !contains(allowed, **s)) {
            return error(key, "must be one of " + join(allowed));
        }
        return s;
    }

    [[nodiscard]] result<std::optional<bool>> boolean(std::string_view key) {
        auto it = o_.find(key);
        if (it == o_.end()) return std::optional<bool>{};
        if (!it->value().is_bool()) return error(key, "must be a boolean");
        return std::optional<bool>{it->value().get_bool()};
    }

    /// Optional "<n><unit>" duration with n >= 1.
    [[nodiscard]] result<std::optional<scheduler::duration>> duration(
        std::string_view key, scheduler::duration::units units) {
        auto s = string(key);
        if (!s) return s.error();
        if (!*s) return std::optional<scheduler::duration>{};
        auto d = scheduler::duration::parse(**s, field(key), units);
        if (!d) return d.error();
        if (d->value().count() == 0) return error(key, "must be at least 1");
        return std::optional<scheduler::duration>{*d};
    }

    /// Optional array of strings, each (when `allowed` is non-empty) from the list.
    [[nodiscard]] result<std::size_t> string_array(std::string_view key,
                                                   std::span<std::string_view const> allowed = {}) {
        auto it = o_.find(key);
        if (it == o_.end()) return std::size_t{0};
        if (!it->value().is_array()) return error(key, "must be an array of strings");
        for (auto const& item : it->value().get_array()) {
            if (!item.is_string()) return error(key, "must be an array of strings");
            if (!allowed.empty() && !contains(allowed, item.get_string())) {
                return error(key, "items must be among " + join(allowed));
            }
        }
        return it->value().get_array().size();
    }

    /// Optional nested object, as a block of its own ("<name>.<key>").
    [[nodiscard]] result<std::optional<block>> object(std::string_view key) {
        auto it = o_.find(key);
        if (it == o_.end()) return std::optional<block>{};
        if (!it->value().is_object()) return error(key, "must be a JSON object");
        nested_name_ = field(key);
        return std::optional<block>{block(nested_name_, it->value().get_object())};
    }

    [[nodiscard]] json::object& raw() noexcept { return o_; }

private:
    std::string_view name_;
    json::object& o_;
    std::string nested_name_;  // keeps a nested block's name alive while it is read
};

// Parses the block text; the engine hands over JSON text, but be defensive about it anyway.
result<json::value> parse_block(std::string_view name, std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return scheduler::invalid_argument(std::string(name), "is not valid JSON");
    if (!v.is_object())
        return scheduler::invalid_argument(std::string(name), "must be a JSON object");
    return v;
}

result<std::string> cloud_name(block& b, extra_clouds const& extra) {
    auto cloud = b.required_string("cloud_name");
    if (!cloud) return cloud.error();
    if (contains(cckm::cloud_names(), *cloud)) return cloud;
    if (!extra) return b.error("cloud_name", "must be one of " + join(cckm::cloud_names()));
    if (extra(*cloud)) return cloud;
    return b.error("cloud_name",
                   "must be one of " + join(cckm::cloud_names()) + " or a plugin's cloud");
}

constexpr std::string_view key_sources[] = {"native", "dsm", "ciphertrust"};
constexpr std::string_view derivation_modes[] = {"PBKDF2", "NONE"};
constexpr std::string_view sfdc_key_types[] = {"Data", "EventBus", "SearchIndex",
                                               "DeterministicData", "Analytics"};

result<void> check_aws_param(block& b) {
    auto aws = b.object("aws_param");
    if (!aws) return aws.error();
    if (!*aws) return {};
    for (std::string_view key : {"retain_alias", "rotate_material"}) {
        if (auto v = (*aws)->boolean(key); !v) return v.error();
    }
    return {};
}

result<void> check_sfdc_param(block& b) {
    auto sfdc = b.object("sfdc_param");
    if (!sfdc) return sfdc.error();
    if (!*sfdc) return {};
    block& s = **sfdc;
    for (std::string_view key : {"certificate_id", "organization_id"}) {
        if (auto v = s.string(key); !v) return v.error();
    }
    auto domain = s.string("domain_id");
    if (!domain) return domain.error();
    auto source = s.one_of("key_source", key_sources);
    if (!source) return source.error();
    if (*source && **source == "dsm" && !*domain) {
        return s.error("domain_id", "is required when key_source is dsm");
    }
    if (auto v = s.one_of("key_derivation_mode", derivation_modes); !v) return v.error();
    if (auto v = s.string_array("key_type", sfdc_key_types); !v) return v.error();
    return {};
}

// cloud -> the container list a synchronization of that cloud names.
struct container_list {
    std::string_view cloud;
    std::string_view list;
};
constexpr container_list container_lists[] = {
    {"aws", "kms"},        {"AzureCloud", "key_vaults"}, {"gcp", "key_rings"},
    {"oci", "oci_vaults"}, {"sfdc", "organizations"},    {"sap", "groups"},
};

}  // namespace

result<std::string> validate_key_rotation(std::string_view text, extra_clouds const& extra) {
    auto v = parse_block(key_rotation_field, text);
    if (!v) return v.error();
    block b(key_rotation_field, v->as_object());
    auto cloud = cloud_name(b, extra);
    if (!cloud) return cloud.error();

    if (auto d = b.duration("expiration", scheduler::duration::days_hours); !d) return d.error();
    auto expire_in = b.duration("expire_in", scheduler::duration::days_hours);
    if (!expire_in) return expire_in.error();
    if (*expire_in && *cloud == "gcp") {
        return b.error("expire_in", "is not valid for cloud_name gcp");
    }
    auto rotation_after = b.duration("rotation_after", scheduler::duration::days);
    if (!rotation_after) return rotation_after.error();
    if (*rotation_after && *cloud != "aws" && *cloud != "AzureCloud") {
        return b.error("rotation_after", "applies only to cloud_name aws or AzureCloud");
    }
    // aws_param and sfdc_param are checked for shape whatever the cloud: Terraform sends
    // aws_param for every cloud, and the provider of another cloud simply ignores it.
    if (auto r = check_aws_param(b); !r) return r.error();
    if (auto r = check_sfdc_param(b); !r) return r.error();
    return json::serialize(*v);
}

result<std::string> validate_synchronization(std::string_view text, extra_clouds const& extra) {
    auto v = parse_block(synchronization_field, text);
    if (!v) return v.error();
    block b(synchronization_field, v->as_object());
    auto cloud = cloud_name(b, extra);
    if (!cloud) return cloud.error();
    auto all = b.boolean("synchronize_all");
    if (!all) return all.error();
    if (auto t = b.boolean("take_cloud_key_backup"); !t) return t.error();

    // A plugin's cloud has no list of its own in the reference: it uses `containers`.
    std::string_view own_list = plugin_container_list;
    std::size_t own_count = 0;
    if (!contains(cckm::cloud_names(), *cloud)) {
        auto n = b.string_array(plugin_container_list);
        if (!n) return n.error();
        own_count = *n;
    }
    for (auto const& [list_cloud, list] : container_lists) {
        auto n = b.string_array(list);
        if (!n) return n.error();
        if (list_cloud == *cloud) {
            own_list = list;
            own_count = *n;
        } else if (*n > 0) {
            return b.error(list, "applies to cloud_name " + std::string(list_cloud));
        }
    }
    auto external = b.string_array("external_cm_domains");
    if (!external) return external.error();
    bool const has_containers = own_count + *external > 0;
    if (all->value_or(false) && has_containers) {
        return b.error("synchronize_all", "cannot be combined with a list of containers");
    }
    if (!all->value_or(false) && !has_containers) {
        return b.error(own_list, "must name at least one container unless synchronize_all is true");
    }
    return json::serialize(*v);
}

result<std::string> validate_xks_rotation(std::string_view text) {
    auto v = parse_block(xks_rotation_field, text);
    if (!v) return v.error();
    block b(xks_rotation_field, v->as_object());
    auto cloud = b.required_string("cloud_name");
    if (!cloud) return cloud.error();
    if (*cloud != "aws")
        return b.error("cloud_name", "must be aws (external key stores exist only there)");
    return json::serialize(*v);
}

result<std::string> validate_database_backup(std::string_view text) {
    static constexpr std::string_view scopes[] = {"system", "domain"};
    static constexpr std::string_view resource_types[] = {"Keys", "cte_policies",
                                                          "customer_fragments", "users_groups"};
    auto v = parse_block(database_backup_field, text);
    if (!v) return v.error();
    block b(database_backup_field, v->as_object());
    for (std::string_view key : {"description", "backupKey"}) {
        if (auto s = b.string(key); !s) return s.error();
    }
    // The key's name becomes a file name in the key directory: allow-listed characters only.
    if (auto const* k = b.raw().if_contains("backupKey");
        k && k->is_string() && !k->as_string().empty() &&
        !valid_backup_key_name(std::string_view(k->as_string())))
        return b.error("backupKey",
                       "must be 1-64 letters, digits, '_', '-' or '.', not starting with '.'");
    if (auto t = b.boolean("tiedToHSM"); !t) return t.error();
    auto scope = b.one_of("scope", scopes);
    if (!scope) return scope.error();

    auto& o = b.raw();
    if (auto it = o.find("filters"); it != o.end()) {
        if (!it->value().is_array()) return b.error("filters", "must be an array");
        auto const& filters = it->value().get_array();
        if (!filters.empty() && scope->value_or("system") != "domain") {
            return b.error("filters", "apply only to scope domain");
        }
        for (auto const& f : filters) {
            if (!f.is_object()) return b.error("filters", "items must be objects");
            auto const* type = f.get_object().if_contains("resourceType");
            if (!type || !type->is_string() || !contains(resource_types, type->get_string())) {
                return b.error("filters.resourceType", "must be one of " + join(resource_types));
            }
            auto const* query = f.get_object().if_contains("resourceQuery");
            if (query && !query->is_object() && !query->is_null()) {
                return b.error("filters.resourceQuery", "must be a JSON object");
            }
        }
    }
    if (auto it = o.find("retentionCount"); it != o.end()) {
        // to_number refuses non-numbers and numbers that are not whole (2.5).
        boost::system::error_code ec;
        auto const count = it->value().to_number<std::int64_t>(ec);
        if (ec || it->value().is_bool()) return b.error("retentionCount", "must be an integer");
        if (count < 1) return b.error("retentionCount", "must be at least 1");
    }
    auto scp = b.boolean("do_scp");
    if (!scp) return scp.error();
    auto connection = b.string("connection");
    if (!connection) return connection.error();
    if (scp->value_or(false) && !*connection) {
        return b.error("connection", "is required when do_scp is true");
    }
    return json::serialize(*v);
}

result<std::string> validate_password_expiry(std::string_view text) {
    auto v = parse_block(password_expiry_field, text);
    if (!v) return v.error();
    block b(password_expiry_field, v->as_object());
    if (auto d = b.duration("password_max_age", scheduler::duration::days); !d) return d.error();
    if (auto d = b.duration("notify_before", scheduler::duration::days_hours); !d) return d.error();
    return json::serialize(*v);
}

}  // namespace cckm::params
