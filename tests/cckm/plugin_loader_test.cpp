// SPDX-License-Identifier: Apache-2.0
// Provider plugins (cckm/plugin_loader.hpp): the acme example plugin served through the
// cloud_provider interface, and broken plugins (tests/cckm/plugins) refused or contained with a
// message naming the file, without taking the test process down.
#include "support/catch.hpp"

#include <cckm/cloud_provider.hpp>
#include <cckm/operations.hpp>
#include <cckm/plugin_loader.hpp>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using scheduler::code;

std::string test_plugin(std::string const& variant) {
    return std::string(TEST_PLUGIN_DIR) + "/" + variant + ".so";
}

// A fresh directory under the system temp dir, removed at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("cckm-plugins-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
};

// Collects what the adapter logs about a misbehaving plugin.
struct log_lines {
    std::mutex mutex;
    std::vector<std::string> lines;
    cckm::plugin_log sink() {
        return [this](std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    }
};

std::string load_error(std::string const& path) {
    auto r = cckm::load_plugin(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().error_code() == code::invalid_argument);
    return r.error().message();
}

}  // namespace

TEST_CASE("the acme example plugin serves its cloud through cloud_provider", "[cckm][plugin]") {
    auto loaded = cckm::load_plugin(ACME_PLUGIN_PATH);
    REQUIRE(loaded);
    auto& acme = **loaded;
    CHECK(acme.cloud() == "acme");

    auto page = acme.list_keys({});
    REQUIRE(page);
    CHECK(page->total == 2);
    REQUIRE(page->keys.size() == 2);
    CHECK(page->keys[0].cloud == "acme");
    CHECK(page->keys[0].container == "vault-1");

    cckm::key_spec spec;
    spec.name = "payments";
    spec.container = "vault-9";
    auto created = acme.create_key(spec);
    REQUIRE(created);
    auto rotated = acme.rotate_key(created->native_id, {});
    REQUIRE(rotated);
    CHECK(rotated->key.versions.size() == 2);
    CHECK(rotated->key.rotated_at.has_value());

    // The plugin's refusals keep their code: they are the cloud's answer, not a malfunction.
    spec.container.clear();
    CHECK(acme.create_key(spec).error().error_code() == code::invalid_argument);
    CHECK(acme.get_key("acme-missing").error().error_code() == code::not_found);
    CHECK(acme.schedule_deletion(created->native_id, 31).error().error_code() ==
          code::invalid_argument);
    CHECK(acme.list_backups(created->native_id).error().error_code() == code::unimplemented);
    CHECK(acme.list_custom_key_stores().error().error_code() == code::unimplemented);
}

TEST_CASE("a plugin is refused with a message naming the file", "[cckm][plugin]") {
    SECTION("another ABI version") {
        auto const path = test_plugin("wrong_abi");
        CHECK(load_error(path) == "plugin " + path + ": ABI version 2, this server supports 1");
    }
    SECTION("no entry symbol") {
        auto const path = test_plugin("no_entry");
        auto const message = load_error(path);
        CHECK_THAT(message, Catch::Contains(path));
        CHECK_THAT(message, Catch::Contains("no symbol cckm_plugin_entry"));
    }
    SECTION("create fails") {
        auto const path = test_plugin("create_fails");
        CHECK(load_error(path) ==
              "plugin " + path + ": create failed: the broken cloud has no credentials");
    }
    SECTION("a required call missing from the table") {
        auto const path = test_plugin("no_get_key");
        CHECK(load_error(path) == "plugin " + path + ": the table has no get_key");
    }
    SECTION("not a shared library") {
        temp_dir dir;
        auto const path = (dir.path / "text.so").string();
        std::FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs("not an ELF file\n", f);
        std::fclose(f);
        auto const message = load_error(path);
        CHECK_THAT(message, Catch::StartsWith("plugin " + path + ": cannot load: "));
    }
    SECTION("a missing file") {
        CHECK_THAT(load_error("/nonexistent/acme.so"),
                   Catch::StartsWith("plugin /nonexistent/acme.so: cannot load"));
    }
}

TEST_CASE("a misbehaving plugin fails its calls as internal errors and is logged",
          "[cckm][plugin]") {
    log_lines log;
    auto loaded = cckm::load_plugin(test_plugin("misbehaving"), log.sink());
    REQUIRE(loaded);
    auto& broken = **loaded;

    auto internal = [](auto const& r, std::string const& what) {
        REQUIRE_FALSE(r);
        CHECK(r.error().error_code() == code::internal);
        CHECK_THAT(r.error().message(), Catch::Contains(what));
    };
    internal(broken.list_keys({}), "list_keys answered text that is not JSON");
    internal(broken.get_key("k1"), "member \"native_id\" must be a string");
    cckm::key_spec spec;
    spec.name = "x";
    internal(broken.create_key(spec), "acme bug #42");
    internal(broken.rotate_key("k1", {}), "rotate_key answered success without a result");
    internal(broken.set_enabled("k1", true), "answered unknown status code 99");
    internal(broken.schedule_deletion("k1", 7), "answered JSON that is not an object");
    internal(broken.apply_policy("k1", "{}"), "member \"state\" must be enabled");

    auto stores = broken.list_custom_key_stores();
    REQUIRE(stores);
    REQUIRE(stores->size() == 1);
    CHECK((*stores)[0].id == "cks-1");
    CHECK((*stores)[0].type == "EXTERNAL_KEY_STORE");  // absent: the default
    CHECK((*stores)[0].credential_version == 3);
    CHECK((*stores)[0].rotated_at == scheduler::time_point{std::chrono::seconds{1}});

    // A transient failure reported properly stays transient (and is not the plugin's fault).
    auto down = broken.cancel_deletion("k1");
    REQUIRE_FALSE(down);
    CHECK(down.error().error_code() == code::unavailable);
    CHECK(cckm::is_retryable(down.error()));
    CHECK(down.error().message() == "broken: cancel_deletion: broken cloud is down");

    // Seven lines, each naming the file: six malformed answers and the INTERNAL failure (a bug
    // in the plugin); the cloud's own refusal (the transient one) is not logged.
    std::lock_guard lock(log.mutex);
    CHECK(log.lines.size() == 7);
    for (auto const& line : log.lines) CHECK_THAT(line, Catch::Contains("misbehaving.so (broken)"));
}

TEST_CASE("load_plugins_from_dir loads the *.so files of one directory, in order",
          "[cckm][plugin]") {
    temp_dir dir;
    fs::copy_file(ACME_PLUGIN_PATH, dir.path / "acme.so");
    fs::create_directory(dir.path / "nested");
    fs::copy_file(ACME_PLUGIN_PATH, dir.path / "nested" / "again.so");  // not recursed into
    fs::copy_file(ACME_PLUGIN_PATH, dir.path / "acme.so.disabled");     // not *.so
    cckm::provider_registry registry;

    SECTION("one plugin") {
        auto added = cckm::load_plugins_from_dir(dir.path.string(), registry);
        REQUIRE(added);
        CHECK(*added == std::vector<std::string>{"acme"});
        REQUIRE(registry.find("acme"));
        CHECK(registry.find("acme")->list_keys({})->total == 2);
    }
    SECTION("a second plugin for the same cloud is refused") {
        fs::copy_file(ACME_PLUGIN_PATH, dir.path / "zz-acme-copy.so");
        auto added = cckm::load_plugins_from_dir(dir.path.string(), registry);
        REQUIRE_FALSE(added);
        auto const copy = (fs::canonical(dir.path) / "zz-acme-copy.so").string();
        CHECK(added.error().message() ==
              "plugin " + copy + ": cloud acme: a provider for acme is registered");
        CHECK(registry.clouds() == std::vector<std::string>{"acme"});  // the first stays
    }
    SECTION("a symlink out of the directory is refused") {
        fs::create_symlink(ACME_PLUGIN_PATH, dir.path / "outside.so");
        auto added = cckm::load_plugins_from_dir(dir.path.string(), registry);
        REQUIRE_FALSE(added);
        CHECK_THAT(added.error().message(), Catch::Contains("outside.so: symlink to"));
        CHECK_THAT(added.error().message(), Catch::Contains("outside the plugin directory"));
    }
    SECTION("a broken plugin stops the load with its name") {
        fs::copy_file(test_plugin("wrong_abi"), dir.path / "b-wrong.so");
        auto added = cckm::load_plugins_from_dir(dir.path.string(), registry);
        REQUIRE_FALSE(added);
        CHECK_THAT(added.error().message(), Catch::Contains("b-wrong.so: ABI version 2"));
    }
    SECTION("not a directory") {
        auto added = cckm::load_plugins_from_dir((dir.path / "missing").string(), registry);
        REQUIRE_FALSE(added);
        CHECK_THAT(added.error().message(), Catch::Contains("is not a directory"));
    }
}

TEST_CASE("a plugin's cloud is a valid cloud_name once it is registered", "[cckm][plugin]") {
    cckm::provider_registry providers;
    scheduler::operation_registry ops;
    cckm::operation_environment env;
    env.providers = &providers;
    REQUIRE(cckm::register_operations(ops, env));
    auto const sync = ops.find("cckm_synchronization");
    auto const rotation = ops.find("cckm_key_rotation");
    REQUIRE(sync);
    REQUIRE(rotation);

    std::string const all = R"({"cloud_name": "acme", "synchronize_all": true})";
    auto before = sync->validate(all);
    REQUIRE_FALSE(before);
    CHECK(before.error().field() == "cckm_synchronization_params.cloud_name");

    auto acme = cckm::load_plugin(ACME_PLUGIN_PATH);
    REQUIRE(acme);
    REQUIRE(providers.add_extension(std::move(*acme)));
    CHECK(sync->validate(all));
    CHECK(sync->validate(R"({"cloud_name": "acme", "containers": ["vault-1"]})"));
    CHECK(sync->validate(R"({"cloud_name": "acme"})").error().field() ==
          "cckm_synchronization_params.containers");
    CHECK(sync->validate(R"({"cloud_name": "acme", "kms": ["k"]})").error().field() ==
          "cckm_synchronization_params.kms");
    CHECK(rotation->validate(R"({"cloud_name": "acme"})"));
    CHECK_FALSE(rotation->validate(R"({"cloud_name": "zeta"})"));
}
