// SPDX-License-Identifier: Apache-2.0
// File: cckm/key_store.hpp
//
// Where keys are kept: the CCKM key inventory, and the state of the simulated clouds. One
// interface, an in-memory implementation for tests and embedders without a database, and a
// SQLite one that lives in the scheduler's database file with its own connection and its own
// `cckm_` tables. A `realm` separates independent collections in one file ("inventory" for
// CCKM's view, "sim" for the simulated clouds), so synchronization has two sides to compare.
//
//   auto inventory = cckm::open_sqlite_key_store("data/scheduler.db", "inventory").value();
//   inventory->put(key).value();
//   auto attached = inventory->list({.cloud = "aws", .job_config_id = config_id}).value();
#pragma once

#include <cckm/cloud_key.hpp>
#include <scheduler/errors.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

/// One sort field of a key list: a name of key_sort_fields(), ascending unless `descending`.
struct key_sort {
    std::string field;
    bool descending = false;
};

/// The fields a key list sorts by (API names): id, name, region, state, gone, createdAt,
/// updatedAt. A fixed list, so no caller's text ever becomes SQL.
[[nodiscard]] std::span<std::string_view const> key_sort_fields() noexcept;

/// A filtered page of keys, sorted by `sort`, then by created_at and id.
struct key_query {
    std::string cloud{};                    ///< "" = every cloud
    std::vector<std::string> containers{};  ///< empty = any container
    std::string job_config_id{};            ///< "" = any; else keys labelled with this config
    bool include_gone = true;               ///< keys synchronization marked gone
    bool include_deleted = true;            ///< keys in state `deleted`
    std::size_t skip = 0;
    std::size_t limit = 0;             ///< 0 = no limit
    std::string name{};                ///< "" = any; else this exact name
    std::string region{};              ///< "" = any; else this exact region
    std::optional<bool> gone{};        ///< set: only keys whose `gone` equals it
    std::optional<key_state> state{};  ///< set: only keys in this state
    std::vector<key_sort> sort{};      ///< fields of key_sort_fields(); else invalid_argument
};

/// Keeps keys, addressed by (cloud, id); native ids are unique per cloud when not empty.
/// Implementations are thread-safe. Every call that writes is all-or-nothing.
class key_store {
public:
    virtual ~key_store() = default;
    /// Inserts or replaces one key. invalid_argument when cloud or id is empty;
    /// already_exists when another key of the cloud has the same native id.
    [[nodiscard]] virtual scheduler::result<void> put(cloud_key const& key) = 0;
    /// Inserts or replaces several keys in one transaction: all are written or none.
    [[nodiscard]] virtual scheduler::result<void> put_all(std::span<cloud_key const> keys) = 0;
    /// Called by merge_all() for each key already stored: adjusts the key about to
    /// be written from the stored one (keeps fields the writer does not own, say).
    using merge_fn = std::function<void(cloud_key const& stored, cloud_key& incoming)>;
    /// Like put_all, but each key already stored passes through `merge` with the stored
    /// version read inside the same transaction, so a field another writer changed after
    /// this caller read the key (a rotation job's label) is not overwritten with a stale
    /// value. The default reads first and then writes, for stores that cannot do better.
    [[nodiscard]] virtual scheduler::result<void> merge_all(std::span<cloud_key const> keys,
                                                            merge_fn const& merge);
    /// One key; not_found when absent.
    [[nodiscard]] virtual scheduler::result<cloud_key> get(std::string_view cloud,
                                                           std::string_view id) = 0;
    /// The key of `cloud` with this native id; not_found when absent.
    [[nodiscard]] virtual scheduler::result<cloud_key> find_native(std::string_view cloud,
                                                                   std::string_view native_id) = 0;
    /// A page of keys and the total matching. invalid_argument naming `sort` for a sort field
    /// not in key_sort_fields().
    [[nodiscard]] virtual scheduler::result<key_page> list(key_query const& query) = 0;
    /// Reads one key, lets `change` modify it and writes it back with no other write of this
    /// store in between (the built-in stores hold their lock and one transaction), so two
    /// read-modify-writes of the same key never lose one another's change. `change` must not
    /// call the store, nor change the key's cloud or id. not_found when absent; when `change`
    /// fails nothing is written and its error is returned. Answers the key as written.
    /// The default reads and writes with two calls, for stores that cannot do better.
    [[nodiscard]] virtual scheduler::result<cloud_key> update(
        std::string_view cloud,
        std::string_view id,
        std::function<scheduler::result<void>(cloud_key&)> const& change);
    /// Removes one key; not_found when absent.
    [[nodiscard]] virtual scheduler::result<void> remove(std::string_view cloud,
                                                         std::string_view id) = 0;
};

/// A key_store in process memory (lost at exit).
[[nodiscard]] std::unique_ptr<key_store> make_in_memory_key_store();

/// Settings of the SQLite key store's connection.
struct sqlite_key_store_options {
    std::chrono::milliseconds busy_timeout{5000};  ///< waits out the scheduler's writes
};

/// Opens (creating the `cckm_` tables when missing) the key store in the SQLite file at `path`,
/// normally the scheduler's database, with a connection of its own; `realm` selects the
/// collection. unavailable when the file cannot be opened.
[[nodiscard]] scheduler::result<std::unique_ptr<key_store>> open_sqlite_key_store(
    std::string const& path,
    std::string realm = "inventory",
    sqlite_key_store_options options = {});

/// A new random (version 4) UUID in canonical text form, for key ids.
[[nodiscard]] std::string new_key_id();

}  // namespace cckm
