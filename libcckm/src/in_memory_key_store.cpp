// SPDX-License-Identifier: Apache-2.0
// The in-memory key_store: a map under a mutex, with the same rules as the SQLite one (empty
// cloud or id refused, native ids unique per cloud, put_all all-or-nothing), so tests written
// against one hold for the other.
#include <cckm/key_store.hpp>

#include "key_codec.hpp"
#include "key_query.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

using key_id = std::pair<std::string, std::string>;  // (cloud, id)

bool matches(key_query const& q, cloud_key const& k) {
    if (!q.cloud.empty() && k.cloud != q.cloud) return false;
    if (!q.containers.empty() &&
        std::find(q.containers.begin(), q.containers.end(), k.container) == q.containers.end())
        return false;
    if (!q.job_config_id.empty() && detail::attached_config(k) != q.job_config_id) return false;
    if (!q.include_gone && k.gone) return false;
    if (!q.include_deleted && k.state == key_state::deleted) return false;
    if (!q.name.empty() && k.name != q.name) return false;
    if (!q.region.empty() && k.region != q.region) return false;
    if (q.gone && k.gone != *q.gone) return false;
    if (q.state && k.state != *q.state) return false;
    return true;
}

class in_memory_key_store final : public key_store {
public:
    result<void> put(cloud_key const& key) override {
        return put_all(std::span<cloud_key const>(&key, 1));
    }

    result<void> put_all(std::span<cloud_key const> keys) override {
        return merge_all(keys, merge_fn{});
    }

    result<void> merge_all(std::span<cloud_key const> keys, merge_fn const& merge) override {
        std::lock_guard lock(mutex_);
        // Check everything against the state after the whole batch before touching anything.
        auto next = keys_;
        for (auto const& k : keys) {
            if (k.cloud.empty()) return scheduler::invalid_argument("cloud", "is required");
            if (k.id.empty()) return scheduler::invalid_argument("id", "is required");
            auto& slot = next[{k.cloud, k.id}];
            auto const stored = keys_.find({k.cloud, k.id});
            cloud_key incoming = k;
            if (merge && stored != keys_.end()) merge(stored->second, incoming);
            slot = std::move(incoming);
        }
        std::map<key_id, std::string> natives;
        for (auto const& [id, k] : next) {
            if (k.native_id.empty()) continue;
            auto [it, fresh] = natives.try_emplace(key_id{k.cloud, k.native_id}, k.id);
            if (!fresh)
                return status{
                    code::already_exists,
                    "native id " + k.native_id + " of " + k.cloud + " is already key " + it->second,
                    "native_id"};
        }
        keys_ = std::move(next);
        return {};
    }

    result<cloud_key> get(std::string_view cloud, std::string_view id) override {
        std::lock_guard lock(mutex_);
        auto it = keys_.find({std::string(cloud), std::string(id)});
        if (it == keys_.end()) return scheduler::not_found("key " + std::string(id) + " not found");
        return it->second;
    }

    result<cloud_key> find_native(std::string_view cloud, std::string_view native_id) override {
        std::lock_guard lock(mutex_);
        for (auto const& [id, k] : keys_)
            if (k.cloud == cloud && k.native_id == native_id) return k;
        return scheduler::not_found("no key with native id " + std::string(native_id));
    }

    result<key_page> list(key_query const& q) override {
        if (auto r = detail::check_sort(q.sort); !r) return r.error();
        std::lock_guard lock(mutex_);
        std::vector<cloud_key const*> hits;
        for (auto const& [id, k] : keys_)
            if (matches(q, k)) hits.push_back(&k);
        std::stable_sort(hits.begin(), hits.end(), [&q](auto const* a, auto const* b) {
            return detail::key_less(q.sort, *a, *b);
        });
        key_page page;
        page.total = hits.size();
        for (std::size_t i = q.skip; i < hits.size() && (q.limit == 0 || i < q.skip + q.limit); ++i)
            page.keys.push_back(*hits[i]);
        return page;
    }

    result<cloud_key> update(std::string_view cloud,
                             std::string_view id,
                             std::function<result<void>(cloud_key&)> const& change) override {
        std::lock_guard lock(mutex_);
        auto it = keys_.find({std::string(cloud), std::string(id)});
        if (it == keys_.end()) return scheduler::not_found("key " + std::string(id) + " not found");
        // A copy: a failing change leaves the stored key as it was.
        cloud_key next = it->second;
        if (auto r = change(next); !r) return r.error();
        if (next.cloud != it->second.cloud || next.id != it->second.id)
            return scheduler::invalid_argument("id", "an update cannot move a key");
        if (!next.native_id.empty() && next.native_id != it->second.native_id) {
            for (auto const& [other, k] : keys_)
                if (other != it->first && k.cloud == next.cloud && k.native_id == next.native_id)
                    return status{code::already_exists,
                                  "native id " + next.native_id + " of " + next.cloud +
                                      " is already key " + k.id,
                                  "native_id"};
        }
        it->second = next;
        return next;
    }

    result<void> remove(std::string_view cloud, std::string_view id) override {
        std::lock_guard lock(mutex_);
        if (keys_.erase({std::string(cloud), std::string(id)}) == 0)
            return scheduler::not_found("key " + std::string(id) + " not found");
        return {};
    }

private:
    std::mutex mutex_;
    std::map<key_id, cloud_key> keys_;
};

}  // namespace

std::unique_ptr<key_store> make_in_memory_key_store() {
    return std::make_unique<in_memory_key_store>();
}

std::string new_key_id() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 8) {
        auto const r = gen();
        for (std::size_t j = 0; j < 8; ++j) b[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 0x0f];
    }
    return out;
}

}  // namespace cckm
