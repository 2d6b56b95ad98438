// SPDX-License-Identifier: Apache-2.0
// Registration of the five reference operations: name, params block, validator, handler.
#include <cckm/cloud_provider.hpp>
#include <cckm/operations.hpp>

#include "operations_handlers.hpp"
#include "operations_params.hpp"

#include <string>

namespace cckm {

namespace {
constexpr std::string_view names[] = {"aws", "AzureCloud", "gcp", "oci", "sfdc", "sap"};
}  // namespace

std::span<std::string_view const> cloud_names() noexcept {
    return names;
}

scheduler::result<void> register_operations(scheduler::operation_registry& registry,
                                            operation_environment env) {
    struct entry {
        std::string_view name;
        std::string_view params_field;
        scheduler::params_validator validate;
        scheduler::operation_handler run;
    };
    // A plugin's cloud is a valid cloud_name once a provider serves it (checked per request,
    // so the validators see plugins loaded after registration).
    params::extra_clouds const extra = [providers = env.providers](std::string_view cloud) {
        return providers && providers->find(cloud) != nullptr;
    };
    entry const entries[] = {
        {"cckm_key_rotation", params::key_rotation_field,
         [extra](std::string_view t) { return params::validate_key_rotation(t, extra); },
         [env](scheduler::operation_context& ctx) { return handlers::run_key_rotation(ctx, env); }},
        {"cckm_synchronization", params::synchronization_field,
         [extra](std::string_view t) { return params::validate_synchronization(t, extra); },
         [env](scheduler::operation_context& ctx) {
             return handlers::run_synchronization(ctx, env);
         }},
        {"cckm_xks_credential_rotation", params::xks_rotation_field, params::validate_xks_rotation,
         [env](scheduler::operation_context& ctx) { return handlers::run_xks_rotation(ctx, env); }},
        {"database_backup", params::database_backup_field, params::validate_database_backup,
         [env](scheduler::operation_context& ctx) {
             return handlers::run_database_backup(ctx, env);
         }},
        {"user_password_expiry_notification", params::password_expiry_field,
         params::validate_password_expiry,
         [env](scheduler::operation_context& ctx) {
             return handlers::run_password_expiry(ctx, env);
         }},
    };
    for (auto const& e : entries) {
        scheduler::operation_info op{std::string(e.name), std::string(e.params_field), e.validate,
                                     e.run};
        if (auto r = registry.add(std::move(op)); !r) return r;
    }
    return {};
}

}  // namespace cckm
