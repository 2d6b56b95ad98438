// SPDX-License-Identifier: Apache-2.0
// Where bulk jobs are kept: in memory, or in SQLite beside cckm_keys. The SQLite table keeps
// the job whole as JSON in `body`; `kind`, `state` and `created_at` are copies for filters and
// order. It has its own version row in cckm_meta (`bulk_jobs_schema_version`), so the key
// store's tables and these evolve apart. Bound parameters only; SQLiteCpp exceptions stop here.
#include "sqlite_db.hpp"

#include <cckm/bulk_jobs.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <algorithm>
#include <mutex>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;
namespace json = boost::json;

std::string_view to_string(bulk_job_kind k) noexcept {
    switch (k) {
        case bulk_job_kind::aws:
            return "aws";
        case bulk_job_kind::azure:
            return "azure";
        case bulk_job_kind::sap:
            return "sap";
    }
    return "aws";
}

namespace {

constexpr std::string_view state_words[] = {"pending", "in_progress", "completed", "failed",
                                            "aborted"};

std::string_view state_word(bulk_job_state s) {
    return state_words[static_cast<int>(s)];
}

result<bulk_job_state> parse_state_word(std::string_view w) {
    for (int i = 0; i < 5; ++i)
        if (state_words[i] == w) return static_cast<bulk_job_state>(i);
    return status{code::internal, "bulk job store: unknown state '" + std::string(w) + "'"};
}

result<bulk_job_kind> parse_kind(std::string_view w) {
    for (auto k : {bulk_job_kind::aws, bulk_job_kind::azure, bulk_job_kind::sap})
        if (to_string(k) == w) return k;
    return status{code::internal, "bulk job store: unknown kind '" + std::string(w) + "'"};
}

std::int64_t micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}
scheduler::time_point from_micros(std::int64_t v) {
    return scheduler::time_point{std::chrono::microseconds{v}};
}

json::value opt_time(std::optional<scheduler::time_point> const& t) {
    return t ? json::value(micros(*t)) : json::value(nullptr);
}
std::optional<scheduler::time_point> get_opt_time(json::object const& o, std::string_view k) {
    auto const* v = o.if_contains(k);
    if (!v || v->is_null()) return std::nullopt;
    return from_micros(v->to_number<std::int64_t>());
}

json::array strings(std::vector<std::string> const& v) {
    json::array a;
    for (auto const& s : v) a.emplace_back(s);
    return a;
}
std::vector<std::string> get_strings(json::value const& v) {
    std::vector<std::string> out;
    for (auto const& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
}

std::string encode(bulk_job const& j) {
    json::object p;
    p["days"] = j.params.days ? json::value(*j.params.days) : json::value(nullptr);
    p["policy_template_id"] = j.params.policy_template_id;
    p["backups"] = strings(j.params.backups);
    p["created_after"] = opt_time(j.params.created_after);
    p["created_before"] = opt_time(j.params.created_before);
    p["key_id"] = j.params.key_id;
    p["keys_given"] = j.params.keys_given;
    p["vault_id"] = j.params.vault_id;
    p["delete_if_backup_fails"] = j.params.delete_if_backup_fails;
    json::object d;
    for (auto const& [k, v] : j.detailed_status) d[k] = v;
    json::object o;
    o["id"] = j.id;
    o["kind"] = to_string(j.kind);
    o["cloud"] = j.cloud;
    o["operation"] = j.operation;
    o["keys"] = strings(j.keys);
    o["params"] = std::move(p);
    o["state"] = state_word(j.state);
    o["abort"] = j.abort;
    o["detailed_status"] = std::move(d);
    o["error"] = j.error;
    o["retries"] = j.retries;
    o["creator_id"] = j.creator_id;
    o["creator_name"] = j.creator_name;
    o["created_at"] = micros(j.created_at);
    o["updated_at"] = micros(j.updated_at);
    o["completed_at"] = opt_time(j.completed_at);
    return json::serialize(o);
}

result<bulk_job> decode(std::string_view text) {
    try {
        auto const v = json::parse(text);
        auto const& o = v.as_object();
        bulk_job j;
        j.id = o.at("id").as_string();
        auto kind = parse_kind(o.at("kind").as_string());
        if (!kind) return kind.error();
        j.kind = *kind;
        j.cloud = o.at("cloud").as_string();
        j.operation = o.at("operation").as_string();
        j.keys = get_strings(o.at("keys"));
        auto const& p = o.at("params").as_object();
        if (!p.at("days").is_null()) j.params.days = p.at("days").to_number<int>();
        j.params.policy_template_id = p.at("policy_template_id").as_string();
        j.params.backups = get_strings(p.at("backups"));
        j.params.created_after = get_opt_time(p, "created_after");
        j.params.created_before = get_opt_time(p, "created_before");
        j.params.key_id = p.at("key_id").as_string();
        j.params.keys_given = p.at("keys_given").as_bool();
        j.params.vault_id = p.at("vault_id").as_string();
        j.params.delete_if_backup_fails = p.at("delete_if_backup_fails").as_bool();
        auto state = parse_state_word(o.at("state").as_string());
        if (!state) return state.error();
        j.state = *state;
        j.abort = o.at("abort").as_bool();
        for (auto const& [k, val] : o.at("detailed_status").as_object())
            j.detailed_status[std::string(k)] = val.as_string();
        j.error = o.at("error").as_string();
        j.retries = o.at("retries").to_number<std::uint64_t>();
        j.creator_id = o.at("creator_id").as_string();
        j.creator_name = o.at("creator_name").as_string();
        j.created_at = from_micros(o.at("created_at").to_number<std::int64_t>());
        j.updated_at = from_micros(o.at("updated_at").to_number<std::int64_t>());
        j.completed_at = get_opt_time(o, "completed_at");
        return j;
    } catch (std::exception const& e) {
        return status{code::internal, std::string("bulk job store: unreadable job: ") + e.what()};
    }
}

void interrupt(bulk_job& j, scheduler::time_point now) {
    j.state = bulk_job_state::failed;
    j.error = "interrupted";
    j.updated_at = now;
    j.completed_at = now;
}

bool matches(bulk_job const& j, bulk_job_query const& q) {
    return j.kind == q.kind && (q.id.empty() || j.id == q.id) && (!q.state || j.state == *q.state);
}

class in_memory_bulk_job_store final : public bulk_job_store {
public:
    result<void> put(bulk_job const& job) override {
        std::lock_guard lock(mutex_);
        jobs_[job.id] = job;
        return {};
    }
    result<bulk_job> get(std::string_view id) override {
        std::lock_guard lock(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return scheduler::not_found("job " + std::string(id) + " not found");
        return it->second;
    }
    result<bulk_job_page> list(bulk_job_query const& q) override {
        std::lock_guard lock(mutex_);
        std::vector<bulk_job const*> hits;
        for (auto const& [id, j] : jobs_)
            if (matches(j, q)) hits.push_back(&j);
        std::sort(hits.begin(), hits.end(), [&](auto const* a, auto const* b) {
            auto const ka = std::tie(a->created_at, a->id);
            auto const kb = std::tie(b->created_at, b->id);
            return q.newest_first ? kb < ka : ka < kb;
        });
        bulk_job_page page;
        page.total = hits.size();
        for (std::size_t i = q.skip;
             i < hits.size() && (q.limit == 0 || page.jobs.size() < q.limit); ++i)
            page.jobs.push_back(*hits[i]);
        return page;
    }
    result<void> remove(std::string_view id) override {
        std::lock_guard lock(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return scheduler::not_found("job " + std::string(id) + " not found");
        jobs_.erase(it);
        return {};
    }
    result<std::int64_t> mark_interrupted(scheduler::time_point now) override {
        std::lock_guard lock(mutex_);
        std::int64_t n = 0;
        for (auto& [id, j] : jobs_)
            if (!j.finished()) {
                interrupt(j, now);
                ++n;
            }
        return n;
    }

private:
    std::mutex mutex_;
    std::map<std::string, bulk_job, std::less<>> jobs_;
};

constexpr char const* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS cckm_meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO cckm_meta (name, value) VALUES ('bulk_jobs_schema_version', '1');
CREATE TABLE IF NOT EXISTS cckm_bulk_jobs (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) > 0),
    kind       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS cckm_bulk_jobs_created ON cckm_bulk_jobs (kind, created_at, id);
CREATE INDEX IF NOT EXISTS cckm_bulk_jobs_state ON cckm_bulk_jobs (kind, state, created_at, id);
)sql";

constexpr char const* put_sql = R"sql(
INSERT INTO cckm_bulk_jobs (id, kind, state, created_at, updated_at, body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, state = excluded.state,
    created_at = excluded.created_at, updated_at = excluded.updated_at, body = excluded.body
)sql";

class sqlite_bulk_job_store final : public bulk_job_store {
public:
    sqlite_bulk_job_store(std::string const& path, std::chrono::milliseconds busy_timeout)
        : sql_(path, schema_sql, {"bulk job store", busy_timeout, false, {}}) {}

    result<void> put(bulk_job const& job) override {
        if (job.id.empty()) return scheduler::invalid_argument("id", "is required");
        return guarded<void>("put", [&]() -> result<void> {
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            write(job);
            tx.commit();
            return {};
        });
    }

    result<bulk_job> get(std::string_view id) override {
        return guarded<bulk_job>("get", [&]() -> result<bulk_job> {
            SQLite::Statement st(db_, "SELECT body FROM cckm_bulk_jobs WHERE id = ?1");
            st.bind(1, std::string(id));
            if (!st.executeStep())
                return scheduler::not_found("job " + std::string(id) + " not found");
            return decode(st.getColumn(0).getString());
        });
    }

    result<bulk_job_page> list(bulk_job_query const& q) override {
        // Fixed fragments; every value is a bound parameter.
        std::string where = " FROM cckm_bulk_jobs WHERE kind = ?";
        std::vector<std::string> args{std::string(to_string(q.kind))};
        if (!q.id.empty()) {
            where += " AND id = ?";
            args.push_back(q.id);
        }
        if (q.state) {
            where += " AND state = ?";
            args.emplace_back(state_word(*q.state));
        }
        return guarded<bulk_job_page>("list", [&]() -> result<bulk_job_page> {
            SQLite::Transaction tx(db_);
            bulk_job_page page;
            SQLite::Statement count(db_, "SELECT COUNT(*)" + where);
            bind_all(count, args);
            count.executeStep();
            page.total = static_cast<std::size_t>(count.getColumn(0).getInt64());
            std::string const order =
                q.newest_first ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at, id";
            SQLite::Statement rows(db_, "SELECT body" + where + order + " LIMIT ? OFFSET ?");
            bind_all(rows, args);
            auto const n = static_cast<int>(args.size());
            rows.bind(n + 1, q.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(q.limit));
            rows.bind(n + 2, static_cast<std::int64_t>(q.skip));
            while (rows.executeStep()) {
                auto j = decode(rows.getColumn(0).getString());
                if (!j) return j.error();
                page.jobs.push_back(std::move(*j));
            }
            tx.commit();
            return page;
        });
    }

    result<void> remove(std::string_view id) override {
        return guarded<void>("remove", [&]() -> result<void> {
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement st(db_, "DELETE FROM cckm_bulk_jobs WHERE id = ?1");
            st.bind(1, std::string(id));
            if (st.exec() == 0)
                return scheduler::not_found("job " + std::string(id) + " not found");
            tx.commit();
            return {};
        });
    }

    result<std::int64_t> mark_interrupted(scheduler::time_point now) override {
        return guarded<std::int64_t>("mark_interrupted", [&]() -> result<std::int64_t> {
            // One transaction: a second crash part-way leaves every job as it was.
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            std::vector<bulk_job> open;
            {
                SQLite::Statement st(db_,
                                     "SELECT body FROM cckm_bulk_jobs WHERE state IN "
                                     "('pending', 'in_progress')");
                while (st.executeStep()) {
                    auto j = decode(st.getColumn(0).getString());
                    if (!j) return j.error();
                    open.push_back(std::move(*j));
                }
            }
            for (auto& j : open) {
                interrupt(j, now);
                write(j);
            }
            tx.commit();
            return static_cast<std::int64_t>(open.size());
        });
    }

private:
    void write(bulk_job const& job) {
        SQLite::Statement st(db_, put_sql);
        st.bind(1, job.id);
        st.bind(2, std::string(to_string(job.kind)));
        st.bind(3, std::string(state_word(job.state)));
        st.bind(4, static_cast<std::int64_t>(micros(job.created_at)));
        st.bind(5, static_cast<std::int64_t>(micros(job.updated_at)));
        st.bind(6, encode(job));
        st.exec();
    }
    static void bind_all(SQLite::Statement& st, std::vector<std::string> const& args) {
        for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
    }
    template <class T, class F>
    result<T> guarded(std::string_view what, F&& body) {
        return sql_.run<T>(what, std::forward<F>(body));
    }

    detail::sqlite_db sql_;
    SQLite::Database& db_ = sql_.db();
};

}  // namespace

std::unique_ptr<bulk_job_store> make_in_memory_bulk_job_store() {
    return std::make_unique<in_memory_bulk_job_store>();
}

result<std::unique_ptr<bulk_job_store>> open_sqlite_bulk_job_store(
    std::string const& path, std::chrono::milliseconds busy_timeout) {
    try {
        return std::unique_ptr<bulk_job_store>(
            std::make_unique<sqlite_bulk_job_store>(path, busy_timeout));
    } catch (SQLite::Exception const& e) {
        return status{code::unavailable,
                      detail::from_sqlite(e, "bulk job store", "open '" + path + "'").message()};
    }
}

}  // namespace cckm
