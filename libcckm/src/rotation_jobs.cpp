// SPDX-License-Identifier: Apache-2.0
// enable/disable-rotation-job over the inventory (cckm-api-notes §6). The checks the reference
// leaves open are made here (§6.3): the config must exist, be a key rotation and be for the
// key's cloud, so a key is never attached to a job that would not rotate it.
#include <cckm/rotation_jobs.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <span>
#include <utility>

namespace cckm {

using scheduler::invalid_argument;
using scheduler::result;

namespace {

constexpr std::string_view rotation_operation = "cckm_key_rotation";
constexpr std::string_view option_prefix = "auto_rotate_";

// The auto_rotate_* options each cloud's enable call takes (cckm-api-notes §6.1); Salesforce has
// no documented call, so it gets the key source only.
std::span<std::string_view const> options_of(std::string_view cloud) {
    static constexpr std::array<std::string_view, 6> aws{
        "auto_rotate_key_source",      "auto_rotate_domain_id",
        "auto_rotate_partition_id",    "auto_rotate_external_cm_domain_id",
        "auto_rotate_disable_encrypt", "auto_rotate_disable_encrypt_on_all_accounts"};
    static constexpr std::array<std::string_view, 9> azure{
        "auto_rotate_key_source",    "auto_rotate_partition_id",
        "auto_rotate_domain_id",     "auto_rotate_external_cm_domain_id",
        "auto_rotate_key_type",      "auto_rotate_ec_name",
        "auto_rotate_key_size",      "auto_rotate_enable_key",
        "auto_rotate_release_policy"};
    static constexpr std::array<std::string_view, 5> gcp{
        "auto_rotate_algorithm", "auto_rotate_key_source", "auto_rotate_domain_id",
        "auto_rotate_external_cm_domain_id", "auto_rotate_partition_id"};
    static constexpr std::array<std::string_view, 4> sap{
        "auto_rotate_key_source", "auto_rotate_domain_id", "auto_rotate_external_cm_domain_id",
        "auto_rotate_partition_id"};
    static constexpr std::array<std::string_view, 1> source_only{"auto_rotate_key_source"};
    if (cloud == "aws") return aws;
    if (cloud == "AzureCloud") return azure;
    if (cloud == "gcp") return gcp;
    if (cloud == "sap") return sap;
    return source_only;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// The value rules of the options that have them; the rest are free text (ids, policies).
result<void> check_option(std::string const& name, std::string const& value) {
    auto refuse = [&](std::string_view expected) {
        return invalid_argument(name,
                                "'" + value.substr(0, 64) + "' is not " + std::string(expected));
    };
    if (name == "auto_rotate_key_source" &&
        !one_of(value, {"local", "ciphertrust", "native", "dsm", "hsm-luna", "external-cm"}))
        return refuse("one of local, ciphertrust, native, dsm, hsm-luna, external-cm");
    if ((name == "auto_rotate_disable_encrypt" ||
         name == "auto_rotate_disable_encrypt_on_all_accounts" ||
         name == "auto_rotate_enable_key") &&
        !one_of(value, {"true", "false"}))
        return refuse("a boolean");
    if (name == "auto_rotate_key_size" && !one_of(value, {"2048", "3072", "4096"}))
        return refuse("one of 2048, 3072, 4096");
    if (name == "auto_rotate_key_type" && !one_of(value, {"EC", "EC-HSM", "RSA", "RSA-HSM"}))
        return refuse("one of EC, EC-HSM, RSA, RSA-HSM");
    if (name == "auto_rotate_ec_name" && !one_of(value, {"P-256", "P-384", "P-521", "SECP256K1"}))
        return refuse("one of P-256, P-384, P-521, SECP256K1");
    return {};
}

// The labels an attachment writes: the config id and the options this cloud knows.
result<std::map<std::string, std::string>> labels_for(std::string_view cloud,
                                                      rotation_job_request const& request) {
    std::map<std::string, std::string> labels;
    auto const known = options_of(cloud);
    for (auto const& [name, value] : request.options) {
        if (std::find(known.begin(), known.end(), name) == known.end()) continue;
        if (auto r = check_option(name, value); !r) return r.error();
        labels[name] = value;
    }
    auto is_true = [&](char const* name) {
        auto it = labels.find(name);
        return it != labels.end() && it->second == "true";
    };
    if (is_true("auto_rotate_disable_encrypt") &&
        is_true("auto_rotate_disable_encrypt_on_all_accounts"))
        return invalid_argument("auto_rotate_disable_encrypt_on_all_accounts",
                                "cannot be set together with auto_rotate_disable_encrypt");
    labels[std::string(cloud_key::job_config_label)] = request.job_config_id;
    return labels;
}

// The config must be a key rotation of the key's cloud; every refusal names job_config_id.
result<void> check_config(scheduler::store& configs,
                          std::string_view cloud,
                          std::string const& config_id) {
    constexpr char const* field = "job_config_id";
    if (config_id.empty()) return invalid_argument(field, "is required");
    auto config = configs.get_config(config_id);
    if (!config) {
        if (config.error().error_code() == scheduler::code::not_found)
            return invalid_argument(field,
                                    "no job config with id '" + config_id.substr(0, 64) + "'");
        return config.error();
    }
    if (config->operation != rotation_operation)
        return invalid_argument(field, "job config " + config_id + " is a '" + config->operation +
                                           "' job, not " + std::string(rotation_operation));
    boost::system::error_code ec;
    auto params = boost::json::parse(config->params, ec);
    std::string config_cloud;
    if (!ec && params.is_object()) {
        if (auto const* c = params.as_object().if_contains("cloud_name"); c && c->is_string())
            config_cloud = std::string(c->as_string());
    }
    if (config_cloud != cloud)
        return invalid_argument(field, "job config " + config_id + " rotates '" + config_cloud +
                                           "' keys, not '" + std::string(cloud) + "' keys");
    return {};
}

void drop_attachment(cloud_key& key) {
    std::erase_if(key.labels, [](auto const& label) {
        return label.first == cloud_key::job_config_label || label.first.starts_with(option_prefix);
    });
}

}  // namespace

result<cloud_key> enable_rotation_job(key_store& inventory,
                                      scheduler::store& configs,
                                      std::string_view cloud,
                                      std::string_view id,
                                      rotation_job_request const& request,
                                      scheduler::time_point now) {
    // A 404 for an unknown key comes before any complaint about the body.
    if (auto key = inventory.get(cloud, id); !key) return key.error();
    if (auto r = check_config(configs, cloud, request.job_config_id); !r) return r.error();
    auto labels = labels_for(cloud, request);
    if (!labels) return labels.error();
    return inventory.update(cloud, id, [&](cloud_key& key) -> result<void> {
        drop_attachment(key);
        key.labels.merge(*labels);
        key.updated_at = now;
        return {};
    });
}

result<cloud_key> disable_rotation_job(key_store& inventory,
                                       std::string_view cloud,
                                       std::string_view id,
                                       scheduler::time_point now) {
    return inventory.update(cloud, id, [&](cloud_key& key) -> result<void> {
        auto const before = key.labels.size();
        drop_attachment(key);
        if (key.labels.size() != before) key.updated_at = now;
        return {};
    });
}

}  // namespace cckm
