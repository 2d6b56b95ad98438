// SPDX-License-Identifier: Apache-2.0
// The example plugin's own test: loads acme.so through the host's loader (cckm::load_plugin)
// and drives it as schedulerd would. Prints each failed check and exits non-zero.
#include <cckm/plugin_loader.hpp>

#include <iostream>
#include <string>

namespace {

int failures = 0;

void check(bool ok, std::string const& what) {
    if (!ok) {
        ++failures;
        std::cerr << "FAILED: " << what << '\n';
    }
}

}  // namespace

int main() {
    auto loaded = cckm::load_plugin(ACME_PLUGIN_PATH);
    if (!loaded) {
        std::cerr << "FAILED: load: " << loaded.error().message() << '\n';
        return 1;
    }
    auto& acme = **loaded;
    check(acme.cloud() == "acme", "cloud name is acme");

    auto page = acme.list_keys({});
    check(page && page->total == 2 && page->keys.size() == 2, "two demo keys");

    cckm::key_spec spec;
    spec.name = "payments";
    spec.container = "vault-9";
    auto created = acme.create_key(spec);
    check(created && created->cloud == "acme" && created->state == cckm::key_state::enabled,
          "create_key");
    if (!created) return 1;
    auto const id = created->native_id;

    auto in_vault = acme.list_keys({{"vault-9"}, 0, 10});
    check(in_vault && in_vault->keys.size() == 1 && in_vault->keys[0].native_id == id,
          "list_keys filters by vault");

    auto rotated = acme.rotate_key(id, {});
    check(rotated && rotated->complete && rotated->key.versions.size() == 2, "rotate_key");

    auto disabled = acme.set_enabled(id, false);
    check(disabled && disabled->state == cckm::key_state::disabled, "disable");
    auto refused = acme.rotate_key(id, {});
    check(!refused && refused.error().error_code() == scheduler::code::failed_precondition,
          "a disabled key does not rotate (failed_precondition)");

    auto missing = acme.get_key("acme-nope");
    check(!missing && missing.error().error_code() == scheduler::code::not_found, "not_found");

    auto scheduled = acme.schedule_deletion(id, 7);
    check(scheduled && scheduled->state == cckm::key_state::pending_deletion &&
              scheduled->deletion_date.has_value(),
          "schedule_deletion");
    auto cancelled = acme.cancel_deletion(id);
    check(cancelled && cancelled->state == cckm::key_state::disabled, "cancel_deletion");

    auto policy = acme.apply_policy(id, "{}");
    check(!policy && policy.error().error_code() == scheduler::code::unimplemented,
          "no key policies: unimplemented");

    if (failures == 0) std::cout << "acme plugin: all checks passed\n";
    return failures == 0 ? 0 : 1;
}
