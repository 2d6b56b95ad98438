// SPDX-License-Identifier: Apache-2.0
// Rendering of inventory keys. The AWS block follows seeds/004 field by field; values the
// inventory does not keep are derived from what it does (the ARN from region, account and key
// id; the key spec, usage and algorithms from the key type), as AWS itself would report them.
#include "handlers/cckm_key_json.hpp"

#include <scheduler/clock.hpp>
#include <scheduler/job_config.hpp>
#include <scheduler/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <string>

namespace schedulerd::cckm_api {

namespace json = boost::json;

namespace {

constexpr std::array<cloud_segment, 6> segments{{{"aws", "aws"},
                                                 {"azure", "AzureCloud"},
                                                 {"google", "gcp"},
                                                 {"oci", "oci"},
                                                 {"sfdc", "sfdc"},
                                                 {"sap", "sap"}}};

json::value time_or_null(std::optional<scheduler::time_point> t) {
    if (!t) return nullptr;
    return json::value(scheduler::format_rfc3339(*t));
}

std::string label(cckm::cloud_key const& k, std::string_view name) {
    auto it = k.labels.find(std::string(name));
    return it == k.labels.end() ? std::string() : it->second;
}

// AWS KeyState names.
std::string_view aws_state(cckm::key_state s) {
    switch (s) {
        case cckm::key_state::enabled:
            return "Enabled";
        case cckm::key_state::pending_deletion:
            return "PendingDeletion";
        case cckm::key_state::deleted:
            return "Unavailable";
        case cckm::key_state::disabled:
        case cckm::key_state::archived:
            break;
    }
    return "Disabled";
}

// The key policy: the stored JSON, else the default policy AWS gives a new key (seeds/004).
json::value aws_policy(cckm::cloud_key const& k) {
    if (!k.policy.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(k.policy, ec);
        return ec ? json::value(k.policy) : v;
    }
    json::object root{{"Sid", "Enable IAM User Permissions"},
                      {"Action", "kms:*"},
                      {"Effect", "Allow"},
                      {"Resource", "*"},
                      {"Principal", json::object{{"AWS", "arn:aws:iam::" + k.account + ":root"}}}};
    return json::object{{"Id", "key-default-1"},
                        {"Version", "2012-10-17"},
                        {"Statement", json::array{std::move(root)}}};
}

// Keys of an AWS connection are named by their ARN (unique across regions); simulated ones by
// a bare key id, whose ARN is made from the key's region and account.
std::string aws_arn(cckm::cloud_key const& k) {
    if (k.native_id.starts_with("arn:")) return k.native_id;
    return "arn:aws:kms:" + k.region + ":" + k.account + ":key/" + k.native_id;
}

std::string aws_key_id(cckm::cloud_key const& k) {
    auto const slash = k.native_id.rfind("key/");
    if (k.native_id.starts_with("arn:") && slash != std::string::npos)
        return k.native_id.substr(slash + 4);
    return k.native_id;
}

json::object aws_param(cckm::cloud_key const& k) {
    bool const symmetric = k.key_type.empty() || k.key_type == "symmetric";
    bool const ec = k.key_type == "EC";
    std::string_view const spec = symmetric ? "SYMMETRIC_DEFAULT"
                                  : ec      ? "ECC_NIST_P256"
                                            : "RSA_2048";
    json::array aliases;
    for (auto const& a : k.aliases) aliases.emplace_back(a);
    json::array tags;
    for (auto const& [key, value] : k.tags)
        tags.push_back(json::object{{"TagKey", key}, {"TagValue", value}});
    json::object p{
        {"AWSAccountId", k.account},
        {"Arn", aws_arn(k)},
        {"CustomerMasterKeySpec", spec},
        {"Enabled", k.state == cckm::key_state::enabled},
    };
    if (ec) {
        p["SigningAlgorithms"] = json::array{"ECDSA_SHA_256"};
    } else {
        p["EncryptionAlgorithms"] = symmetric
                                        ? json::array{"SYMMETRIC_DEFAULT"}
                                        : json::array{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
    }
    p["KeyID"] = aws_key_id(k);
    p["KeyManager"] = "CUSTOMER";
    p["KeyState"] = aws_state(k.state);
    p["KeyUsage"] = ec ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT";
    p["Origin"] = k.origin == "native" ? "AWS_KMS" : "EXTERNAL";
    p["CreationDate"] = scheduler::format_rfc3339(k.created_at, false);
    p["Policy"] = aws_policy(k);
    p["Alias"] = std::move(aliases);
    p["Tags"] = std::move(tags);
    p["KeyRotationEnabled"] = k.auto_rotation.has_value();
    if (k.auto_rotation) p["RotationPeriodInDays"] = k.auto_rotation->period.count() / 24;
    if (k.deletion_date) p["DeletionDate"] = scheduler::format_rfc3339(*k.deletion_date, false);
    if (k.expires_at) p["ValidTo"] = scheduler::format_rfc3339(*k.expires_at, false);
    return p;
}

// What each cloud calls the container synchronization lists keys by.
std::string_view container_name(std::string_view cloud) {
    if (cloud == "AzureCloud") return "key_vault";
    if (cloud == "gcp") return "key_ring";
    if (cloud == "oci") return "vault";
    if (cloud == "sfdc") return "organization";
    if (cloud == "sap") return "group";
    return "kms";
}

json::object other_param(cckm::cloud_key const& k) {
    json::array versions;
    for (auto const& v : k.versions)
        versions.push_back(json::object{{"id", v.id},
                                        {"created_at", scheduler::format_rfc3339(v.created_at)},
                                        {"expires_at", time_or_null(v.expires_at)},
                                        {"enabled", v.enabled}});
    json::object tags;
    for (auto const& [key, value] : k.tags) tags[key] = value;
    json::object p{{"key_id", k.native_id},
                   {"name", k.name},
                   {"account", k.account},
                   {"region", k.region},
                   {container_name(k.cloud), k.container},
                   {"key_type", k.key_type},
                   {"state", cckm::to_string(k.state)},
                   {"enabled", k.state == cckm::key_state::enabled},
                   {"created_at", scheduler::format_rfc3339(k.created_at)},
                   {"expires_at", time_or_null(k.expires_at)},
                   {"versions", std::move(versions)},
                   {"version_count", k.versions.size()},
                   {"tags", std::move(tags)}};
    if (k.auto_rotation) p["rotation_period_hours"] = k.auto_rotation->period.count();
    if (!k.backups.empty()) p["backup_count"] = k.backups.size();
    return p;
}

}  // namespace

std::optional<cloud_segment> cloud_of_segment(std::string_view segment) noexcept {
    for (auto const& s : segments)
        if (s.segment == segment) return s;
    return std::nullopt;
}

json::object key_resource(cckm::cloud_key const& k, cloud_segment c) {
    json::object o{
        {"id", k.id},
        {"uri", "kylo:kylo:cckm:" + std::string(c.segment) + "-key:" + k.id},
        {"account", scheduler::default_account},
        {"application", scheduler::resource_application},
        {"devAccount", scheduler::resource_dev_account},
        // The inventory keeps the cloud's creation time, not the record's: both say it.
        {"createdAt", scheduler::format_rfc3339(k.created_at)},
        {"updatedAt", scheduler::format_rfc3339(k.updated_at)},
    };
    if (c.cloud == "aws") {
        o["kms_id"] = k.container;
        o["kms"] = k.container;
    } else {
        o["name"] = k.name;
    }
    o["synced_at"] = time_or_null(k.synced_at);
    o["rotation_status"] = "";
    o["cloud_name"] = k.cloud;
    o["key_type"] = k.key_type;
    o["basic_view_enabled"] = false;
    o["region"] = k.region;
    o["gone"] = k.gone;
    o["key_material_origin"] = k.origin;
    json::object labels;
    for (auto const& [name, value] : k.labels) labels[name] = value;
    o["labels"] = std::move(labels);
    if (auto id = label(k, cckm::cloud_key::job_config_label); !id.empty()) o["job_config_id"] = id;
    if (k.rotated_at) o["rotated_at"] = scheduler::format_rfc3339(*k.rotated_at);
    if (!k.rotated_from.empty()) o["rotated_from"] = k.rotated_from;
    if (!k.rotated_to.empty()) o["rotated_to"] = k.rotated_to;
    if (k.deletion_date) o["deletion_date"] = scheduler::format_rfc3339(*k.deletion_date);
    if (c.cloud == "aws") {
        o["aws_param"] = aws_param(k);
    } else {
        o[std::string(c.segment) + "_param"] = other_param(k);
    }
    return o;
}

}  // namespace schedulerd::cckm_api
