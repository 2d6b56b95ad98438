// SPDX-License-Identifier: Apache-2.0
// cckm_xks_credential_rotation (seeds/000, DESIGN.md §8): issues a new proxy credential for
// each external custom key store of the AWS account, retrying transient errors with backoff
// and checking cancellation between stores. The new secret goes from the provider straight to
// the cloud's side of the exchange and is dropped here: details and errors carry only the
// store, the access key id and the credential version.
#include "operations_handlers.hpp"
#include "provider_retry.hpp"

#include <cckm/cloud_provider.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>

#include <string>
#include <vector>

namespace cckm::handlers {

namespace json = boost::json;
using scheduler::code;

namespace {

struct store_report {
    std::string id;
    std::string name;
    std::string status;  ///< rotated | failed | not_started
    std::string error;
    std::string access_key_id;  ///< the new credential's id (not secret)
    std::int64_t credential_version = 0;
    int attempts = 0;
};

struct xks_report {
    std::vector<store_report> items;
    std::int64_t num_rotated = 0, num_failed = 0, num_not_started = 0;

    void add(store_report r) {
        if (r.status == "rotated")
            ++num_rotated;
        else if (r.status == "not_started")
            ++num_not_started;
        else
            ++num_failed;  // failed, cancelled
        items.push_back(std::move(r));
    }

    [[nodiscard]] std::string json_text(std::size_t total) const {
        json::array out;
        for (auto const& r : items) {
            json::object o{
                {"id", r.id}, {"name", r.name}, {"result", r.status}, {"message", r.error}};
            if (!r.access_key_id.empty()) o["access_key_id"] = r.access_key_id;
            if (r.credential_version > 0) o["credential_version"] = r.credential_version;
            if (r.attempts > 1) o["attempts"] = r.attempts;
            out.push_back(std::move(o));
        }
        return json::serialize(json::object{{"total", static_cast<std::int64_t>(total)},
                                            {"num_rotated", num_rotated},
                                            {"num_failed", num_failed},
                                            {"num_not_started", num_not_started},
                                            {"items", std::move(out)}});
    }
};

store_report rotate_one(scheduler::operation_context& ctx,
                        cloud_provider& provider,
                        custom_key_store const& store) {
    store_report r{store.id, store.name, "rotated", {}, {}, 0, 0};
    auto cred = detail::call_with_retry(ctx, r.attempts,
                                        [&] { return provider.rotate_xks_credentials(store.id); });
    if (!cred) {
        r.status = cred.error().error_code() == code::cancelled ? "cancelled" : "failed";
        r.error = std::string(scheduler::to_string(cred.error().error_code())) + ": " +
                  cred.error().message();
        return r;
    }
    r.access_key_id = cred->access_key_id;
    r.credential_version = store.credential_version + 1;
    // The secret is not needed past this point; wipe our copy before it is freed
    // (OPENSSL_cleanse, because a plain fill of memory about to be freed may be optimized out).
    OPENSSL_cleanse(cred->secret_access_key.data(), cred->secret_access_key.size());
    return r;
}

}  // namespace

scheduler::operation_result run_xks_rotation(scheduler::operation_context& ctx,
                                             operation_environment const& env) {
    if (!env.providers)
        return failed("cckm_xks_credential_rotation: this process has no cloud providers");
    // The validator allows only aws; external key stores exist nowhere else.
    auto* provider = env.providers->find("aws");
    if (!provider) return failed("cckm_xks_credential_rotation: no provider for cloud aws");

    int attempts = 0;
    auto listed =
        detail::call_with_retry(ctx, attempts, [&] { return provider->list_custom_key_stores(); });
    if (!listed)
        return failed("cckm_xks_credential_rotation: listing custom key stores: " +
                      listed.error().to_string());
    std::vector<custom_key_store> stores;
    for (auto& s : *listed)
        if (s.type == "EXTERNAL_KEY_STORE") stores.push_back(std::move(s));

    xks_report report;
    bool cancelled = false;
    for (auto const& store : stores) {
        if (cancelled || ctx.cancelled()) {
            cancelled = true;
            report.add({store.id, store.name, "not_started", {}, {}, 0, 0});
            continue;
        }
        auto r = rotate_one(ctx, *provider, store);
        cancelled = r.status == "cancelled";
        report.add(std::move(r));
        ctx.report_progress(report.json_text(stores.size()));
    }

    auto details = report.json_text(stores.size());
    auto const total = std::to_string(stores.size());
    if (cancelled)
        return {scheduler::run_status::aborted, std::move(details),
                "cancelled after " +
                    std::to_string(report.items.size() -
                                   static_cast<std::size_t>(report.num_not_started)) +
                    " of " + total + " custom key stores"};
    if (report.num_failed > 0)
        return failed(std::to_string(report.num_failed) + " of " + total +
                          " custom key store credentials failed to rotate",
                      std::move(details));
    return {scheduler::run_status::completed, std::move(details), {}};
}

}  // namespace cckm::handlers
