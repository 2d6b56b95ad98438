// SPDX-License-Identifier: Apache-2.0
#include "support/in_memory_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <functional>

namespace scheduler::test {

namespace {

/// -1, 0 or 1; nullopt sorts first, as NULL does in SQLite.
template <class T>
int compare(T const& a, T const& b) {
    if (a < b) return -1;
    if (b < a) return 1;
    return 0;
}

template <class T>
int compare(std::optional<T> const& a, std::optional<T> const& b) {
    if (!a || !b) return compare(a.has_value(), b.has_value());
    return compare(*a, *b);
}

int compare_field(job_config const& a, job_config const& b, std::string_view f) {
    if (f == "name") return compare(a.name, b.name);
    if (f == "createdAt") return compare(a.created_at, b.created_at);
    if (f == "updatedAt") return compare(a.updated_at, b.updated_at);
    if (f == "operation") return compare(a.operation, b.operation);
    if (f == "disabled") return compare(a.disabled, b.disabled);
    if (f == "run_at") return compare(a.run_at, b.run_at);
    if (f == "next_run_at") return compare(a.next_run_at, b.next_run_at);
    if (f == "last_run_at") return compare(a.last_run_at, b.last_run_at);
    return compare(a.id, b.id);
}

int compare_field(job_run const& a, job_run const& b, std::string_view f) {
    if (f == "createdAt") return compare(a.created_at, b.created_at);
    if (f == "updatedAt") return compare(a.updated_at, b.updated_at);
    if (f == "name") return compare(a.name, b.name);
    if (f == "status") return compare(to_string(a.status), to_string(b.status));
    if (f == "operation") return compare(a.operation, b.operation);
    if (f == "enqueued_at") return compare(a.enqueued_at, b.enqueued_at);
    if (f == "started_at") return compare(a.started_at, b.started_at);
    if (f == "completed_at") return compare(a.completed_at, b.completed_at);
    if (f == "job_config_id") return compare(a.job_config_id, b.job_config_id);
    if (f == "processing_node") return compare(a.processing_node, b.processing_node);
    return compare(a.id, b.id);
}

/// Checks paging and sort fields as sqlite_store does (same fields named in errors).
result<void> check_page(page_request const& p, std::span<std::string_view const> allowed) {
    if (p.skip < 0) return invalid_argument("skip", "must be >= 0");
    if (p.limit < -1 || p.limit > max_page_limit) {
        return invalid_argument("limit",
                                "must be -1 (all) or 0.." + std::to_string(max_page_limit));
    }
    for (auto const& key : p.sort) {
        if (std::find(allowed.begin(), allowed.end(), key.field) == allowed.end()) {
            return invalid_argument("sort", "cannot sort by '" + key.field + "'");
        }
    }
    return {};
}

/// Sorts (default newest first; else the keys, then id ascending) and cuts the page.
template <class T>
page<T> make_page(std::vector<T> items, page_request const& p) {
    std::sort(items.begin(), items.end(), [&](T const& a, T const& b) {
        if (p.sort.empty()) {
            if (a.created_at != b.created_at) return a.created_at > b.created_at;
            return a.id > b.id;
        }
        for (auto const& key : p.sort) {
            int c = compare_field(a, b, key.field);
            if (c != 0) return key.descending ? c > 0 : c < 0;
        }
        return a.id < b.id;
    });
    page<T> out;
    out.total = static_cast<std::int64_t>(items.size());
    out.skip = p.skip;
    out.limit = p.limit;
    auto const first = std::min<std::size_t>(static_cast<std::size_t>(p.skip), items.size());
    auto last = items.size();
    if (p.limit >= 0) last = std::min(last, first + static_cast<std::size_t>(p.limit));
    out.items.assign(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(first)),
                     std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(last)));
    return out;
}

/// A string member of the params object, if the params parse and hold one.
std::optional<std::string> param(std::string const& params, char const* key) {
    boost::system::error_code ec;
    auto v = boost::json::parse(params, ec);
    if (ec || !v.is_object()) return std::nullopt;
    auto const* member = v.as_object().if_contains(key);
    if (!member || !member->is_string()) return std::nullopt;
    return std::string(member->as_string());
}

template <class T>
bool matches(std::optional<T> const& want, T const& have) {
    return !want || *want == have;
}

bool created_within(time_point created,
                    std::optional<time_point> before,
                    std::optional<time_point> after) {
    return (!before || created <= *before) && (!after || created >= *after);
}

bool runnable_on(job_config const& c, std::string_view node) {
    return !c.disabled && c.next_run_at && (c.run_on == "any" || c.run_on == node);
}

status run_not_found(std::string_view id) {
    return not_found("job run '" + std::string(id) + "' not found");
}

status config_not_found(std::string_view id) {
    return not_found("job config '" + std::string(id) + "' not found");
}

}  // namespace

bool in_memory_store::name_taken(job_config const& c) const {
    return std::any_of(configs_.begin(), configs_.end(), [&](auto const& e) {
        return e.second.id != c.id && e.second.account == c.account && e.second.name == c.name;
    });
}

result<void> in_memory_store::insert_config(job_config const& c) {
    std::lock_guard lock(mutex_);
    if (configs_.contains(c.id)) return status{code::already_exists, "id is taken", "id"};
    if (name_taken(c))
        return status{code::already_exists, "name '" + c.name + "' is taken", "name"};
    configs_.emplace(c.id, c);
    return {};
}

result<job_config> in_memory_store::get_config(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = configs_.find(id);
    if (it == configs_.end()) return config_not_found(id);
    return it->second;
}

result<void> in_memory_store::update_config(job_config const& c) {
    std::lock_guard lock(mutex_);
    auto it = configs_.find(c.id);
    if (it == configs_.end()) return config_not_found(c.id);
    if (name_taken(c))
        return status{code::already_exists, "name '" + c.name + "' is taken", "name"};
    it->second = c;
    return {};
}

result<void> in_memory_store::delete_config(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = configs_.find(id);
    if (it == configs_.end()) return config_not_found(id);
    configs_.erase(it);
    return {};
}

result<page<job_config>> in_memory_store::list_configs(config_query const& q) {
    if (auto r = check_page(q, config_sort_fields()); !r) return r.error();
    std::vector<job_config> hits;
    std::lock_guard lock(mutex_);
    for (auto const& [id, c] : configs_) {
        if (!matches(q.id, c.id) || !matches(q.name, c.name) || !matches(q.account, c.account) ||
            !matches(q.operation, c.operation) || !matches(q.disabled, c.disabled) ||
            !created_within(c.created_at, q.created_before, q.created_after)) {
            continue;
        }
        if (q.cloud_name && param(c.params, "cloud_name") != q.cloud_name) continue;
        if (q.expire_in && param(c.params, "expire_in") != q.expire_in) continue;
        hits.push_back(c);
    }
    return make_page(std::move(hits), q);
}

result<void> in_memory_store::insert_run_locked(job_run const& r) {
    if (runs_.contains(r.id)) return status{code::already_exists, "run id is taken", "id"};
    if (r.scheduled_for && fires_.contains({r.job_config_id, *r.scheduled_for})) {
        return status{code::already_exists, "a run for this fire instant exists", "scheduled_for"};
    }
    if (r.scheduled_for) fires_.emplace(r.job_config_id, *r.scheduled_for);
    runs_.emplace(r.id, r);
    return {};
}

result<void> in_memory_store::insert_run(job_run const& r) {
    std::lock_guard lock(mutex_);
    return insert_run_locked(r);
}

result<job_run> in_memory_store::get_run(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return run_not_found(id);
    return it->second;
}

result<void> in_memory_store::update_run(job_run const& r) {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(r.id);
    if (it == runs_.end()) return run_not_found(r.id);
    if (it->second.status != r.status && !can_transition(it->second.status, r.status)) {
        return status{code::failed_precondition,
                      "run cannot go from " + std::string(to_string(it->second.status)) + " to " +
                          std::string(to_string(r.status)),
                      "status"};
    }
    it->second = r;
    return {};
}

result<void> in_memory_store::delete_run(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return run_not_found(id);
    if (!is_terminal(it->second.status)) {
        return status{code::failed_precondition, "run is still active", "id"};
    }
    // The fire instant stays claimed: "at most one run per config and fire instant, ever".
    runs_.erase(it);
    return {};
}

result<page<job_run>> in_memory_store::list_runs(run_query const& q) {
    if (auto r = check_page(q, run_sort_fields()); !r) return r.error();
    std::vector<job_run> hits;
    std::lock_guard lock(mutex_);
    for (auto const& [id, r] : runs_) {
        if (!matches(q.id, r.id) || !matches(q.name, r.name) || !matches(q.account, r.account) ||
            !matches(q.job_config_id, r.job_config_id) || !matches(q.operation, r.operation) ||
            !matches(q.status, r.status) || !matches(q.processing_node, r.processing_node) ||
            !created_within(r.created_at, q.created_before, q.created_after)) {
            continue;
        }
        hits.push_back(r);
    }
    return make_page(std::move(hits), q);
}

result<std::vector<job_config>> in_memory_store::due_configs(time_point due_by,
                                                             std::string_view node,
                                                             std::size_t limit) {
    std::vector<job_config> out;
    std::lock_guard lock(mutex_);
    for (auto const& [id, c] : configs_) {
        if (runnable_on(c, node) && *c.next_run_at <= due_by) out.push_back(c);
    }
    std::sort(out.begin(), out.end(), [](job_config const& a, job_config const& b) {
        if (a.next_run_at != b.next_run_at) return *a.next_run_at < *b.next_run_at;
        return a.id < b.id;
    });
    if (out.size() > limit) out.resize(limit);
    return out;
}

result<std::optional<time_point>> in_memory_store::earliest_next_run(std::string_view node) {
    std::optional<time_point> out;
    std::lock_guard lock(mutex_);
    for (auto const& [id, c] : configs_) {
        if (runnable_on(c, node) && (!out || *c.next_run_at < *out)) out = c.next_run_at;
    }
    return out;
}

result<std::vector<bool>> in_memory_store::claim_fires(std::span<fire_claim const> claims) {
    std::vector<bool> out;
    out.reserve(claims.size());
    std::lock_guard lock(mutex_);
    for (auto const& claim : claims) {
        auto it = configs_.find(claim.config_id);
        if (it == configs_.end() || (claim.run && !insert_run_locked(*claim.run))) {
            out.push_back(false);
            continue;
        }
        it->second.next_run_at = claim.next_run_at;
        if (claim.last_run_at) it->second.last_run_at = claim.last_run_at;
        out.push_back(true);
    }
    return out;
}

result<std::vector<job_run>> in_memory_store::active_runs(std::string_view config_id) {
    std::vector<job_run> out;
    std::lock_guard lock(mutex_);
    for (auto const& [id, r] : runs_) {
        if (r.job_config_id == config_id && !is_terminal(r.status)) out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](job_run const& a, job_run const& b) {
        return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    return out;
}

result<std::int64_t> in_memory_store::fail_interrupted_runs(std::string_view node, time_point now) {
    std::int64_t n = 0;
    std::lock_guard lock(mutex_);
    for (auto& [id, r] : runs_) {
        if (r.processing_node != node || is_terminal(r.status)) continue;
        r.status = run_status::failed;
        r.error = "interrupted";
        r.completed_at = r.updated_at = now;
        ++n;
    }
    return n;
}

result<std::int64_t> in_memory_store::prune_runs(std::size_t keep_per_config,
                                                 time_point older_than) {
    std::lock_guard lock(mutex_);
    // Rank every run of a config newest first (active ones count, as in sqlite_store).
    std::map<std::string, std::vector<job_run const*>> by_config;
    for (auto const& [id, r] : runs_) by_config[r.job_config_id].push_back(&r);
    std::vector<std::string> doomed;
    for (auto& [config, list] : by_config) {
        std::sort(list.begin(), list.end(), [](job_run const* a, job_run const* b) {
            return a->created_at != b->created_at ? a->created_at > b->created_at : a->id > b->id;
        });
        for (std::size_t i = keep_per_config; i < list.size(); ++i) {
            if (list[i]->created_at < older_than && is_terminal(list[i]->status)) {
                doomed.push_back(list[i]->id);
            }
        }
    }
    for (auto const& id : doomed) runs_.erase(id);
    return static_cast<std::int64_t>(doomed.size());
}

std::size_t in_memory_store::config_count() const {
    std::lock_guard lock(mutex_);
    return configs_.size();
}

std::size_t in_memory_store::run_count() const {
    std::lock_guard lock(mutex_);
    return runs_.size();
}

}  // namespace scheduler::test
