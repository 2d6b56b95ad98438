// SPDX-License-Identifier: Apache-2.0
// database_backup: a consistent copy of the live store through SQLite's online backup
// (DESIGN.md §8), written under a temporary name and renamed so a crash never leaves a file
// that looks like a finished backup, then pruned to the newest `retentionCount`. With a
// `backupKey` the copy is encrypted (cckm/backup_crypto.hpp) before it gets its final name, and
// the plaintext copy is removed.
#include "operations_handlers.hpp"

#include <cckm/backup_crypto.hpp>
#include <scheduler/clock.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace cckm::handlers {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view backup_prefix = "backup-";
constexpr std::string_view backup_suffix = ".db";
constexpr std::string_view encrypted_suffix = ".db.enc";

// "backup-20261123T194853Z-c4b65a5a.db": sorts by time, and the run id keeps two backups in the
// same second apart.
std::string backup_name(scheduler::time_point now, std::string const& run_id, bool encrypted) {
    std::string t = scheduler::format_rfc3339(now, false);  // 2026-11-23T19:48:53Z
    std::erase(t, '-');
    std::erase(t, ':');
    return std::string(backup_prefix) + t + "-" + run_id.substr(0, 8) +
           std::string(encrypted ? encrypted_suffix : backup_suffix);
}

bool is_backup_file(fs::directory_entry const& e) {
    auto const name = e.path().filename().string();
    return e.is_regular_file() && name.starts_with(backup_prefix) &&
           (name.ends_with(backup_suffix) || name.ends_with(encrypted_suffix));
}

// Deletes the oldest backups beyond `keep`; returns how many were deleted.
std::int64_t prune(fs::path const& dir, std::int64_t keep) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto const& e : fs::directory_iterator(dir, ec))
        if (is_backup_file(e)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::int64_t deleted = 0;
    for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < files.size(); ++i)
        if (fs::remove(files[i], ec)) ++deleted;
    return deleted;
}

}  // namespace

scheduler::operation_result run_database_backup(scheduler::operation_context& ctx,
                                                operation_environment const& env) {
    if (!env.backup_store || env.backup_dir.empty())
        return failed("database_backup: this process has no store to back up");
    boost::system::error_code jec;
    auto params = boost::json::parse(ctx.params(), jec);
    if (jec || !params.is_object()) return failed("database_backup: params are not an object");
    auto const& o = params.as_object();
    std::optional<backup_key> key;
    if (auto const* k = o.if_contains("backupKey");
        k && k->is_string() && !k->as_string().empty()) {
        if (env.backup_key_dir.empty())
            return failed("database_backup: this process keeps no backup keys (backupKey)");
        auto loaded = load_backup_key(env.backup_key_dir, std::string_view(k->as_string()), true);
        if (!loaded) return failed("database_backup: backupKey: " + loaded.error().message());
        key = std::move(*loaded);
    }
    std::int64_t keep = 0;  // 0: keep everything
    if (auto const* rc = o.if_contains("retentionCount"); rc && rc->is_int64())
        keep = rc->as_int64();

    fs::path const dir{env.backup_dir};
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return failed("database_backup: cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
    auto const name = backup_name(ctx.clock().now(), ctx.run().id, key.has_value());
    auto const final_path = dir / name;
    auto const temp_path = dir / ("." + name + ".partial");
    if (auto r = env.backup_store(temp_path.string()); !r) {
        fs::remove(temp_path, ec);
        return failed("database_backup: " + r.error().message());
    }
    fs::permissions(temp_path, fs::perms::owner_read | fs::perms::owner_write, ec);
    auto ready_path = temp_path;
    if (key) {
        auto const sealed = dir / ("." + name + ".sealed.partial");
        auto r = encrypt_backup(temp_path.string(), sealed.string(), *key);
        fs::remove(temp_path, ec);  // the plaintext copy never outlives the run
        if (!r) {
            fs::remove(sealed, ec);
            return failed("database_backup: " + r.error().message());
        }
        ready_path = sealed;
    }
    fs::rename(ready_path, final_path, ec);
    if (ec) {
        fs::remove(ready_path, ec);
        return failed("database_backup: cannot finish " + final_path.string());
    }
    auto const size = fs::file_size(final_path, ec);
    std::int64_t const deleted = keep > 0 ? prune(dir, keep) : 0;

    scheduler::operation_result r;
    r.details = boost::json::serialize(boost::json::object{
        {"backup_id", name},
        {"size_bytes", ec ? 0 : static_cast<std::int64_t>(size)},
        {"num_deleted", deleted},
        {"encrypted", key.has_value()},
        {"backup_key", key ? key->name : std::string()},
    });
    return r;
}

}  // namespace cckm::handlers
