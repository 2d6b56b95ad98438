// SPDX-License-Identifier: Apache-2.0
// The SQLite key_store. It shares the scheduler's database file but not its connection: the
// tables are ours (`cckm_` prefix), created with IF NOT EXISTS in one transaction at open, so
// libscheduler's user_version migrations never see them. The key is kept whole as JSON in
// `body`; the columns beside it are copies for filters, uniqueness and order. Every write is one
// IMMEDIATE transaction with bound parameters only; SQLiteCpp exceptions stop here.
#include <cckm/key_store.hpp>

#include "key_codec.hpp"
#include "key_query.hpp"
#include "sqlite_db.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr char const* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS cckm_meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO cckm_meta (name, value) VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS cckm_keys (
    realm         TEXT    NOT NULL,
    cloud         TEXT    NOT NULL CHECK (length(cloud) > 0),
    id            TEXT    NOT NULL CHECK (length(id) > 0),
    native_id     TEXT    NOT NULL,
    container     TEXT    NOT NULL,
    job_config_id TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    gone          INTEGER NOT NULL CHECK (gone IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    body          TEXT    NOT NULL,
    PRIMARY KEY (realm, cloud, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS cckm_keys_native
    ON cckm_keys (realm, cloud, native_id) WHERE native_id <> '';
CREATE INDEX IF NOT EXISTS cckm_keys_created ON cckm_keys (realm, cloud, created_at, id);
CREATE INDEX IF NOT EXISTS cckm_keys_config
    ON cckm_keys (realm, job_config_id) WHERE job_config_id <> '';
)sql";

// An upsert on the primary key only: a clash on the native-id index stays an error instead of
// silently replacing the other row, as INSERT OR REPLACE would.
constexpr char const* put_sql = R"sql(
INSERT INTO cckm_keys (realm, cloud, id, native_id, container, job_config_id, state, gone,
                       created_at, updated_at, body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (realm, cloud, id) DO UPDATE SET
    native_id = excluded.native_id, container = excluded.container,
    job_config_id = excluded.job_config_id, state = excluded.state, gone = excluded.gone,
    created_at = excluded.created_at, updated_at = excluded.updated_at, body = excluded.body
)sql";

// The SQL of each sort field of key_sort_fields(). Fixed text: a caller's sort names only select
// an entry, so nothing a client sends becomes SQL. name and region live in the JSON body only.
std::string_view sort_sql(std::string_view field) {
    if (field == "id") return "id";
    if (field == "name") return "json_extract(body, '$.name')";
    if (field == "region") return "json_extract(body, '$.region')";
    if (field == "state") return "state";
    if (field == "gone") return "gone";
    if (field == "createdAt") return "created_at";
    if (field == "updatedAt") return "updated_at";
    return {};
}

std::string order_by(std::vector<key_sort> const& sort) {
    std::string out = " ORDER BY ";
    for (auto const& s : sort) {
        out += sort_sql(s.field);
        out += s.descending ? " DESC, " : ", ";
    }
    return out + "created_at, id";
}

std::int64_t micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}

class sqlite_key_store final : public key_store {
public:
    sqlite_key_store(std::string const& path,
                     std::string realm,
                     sqlite_key_store_options const& options)
        : sql_(path, schema_sql, {"key store", options.busy_timeout, true, "native_id"}),
          realm_(std::move(realm)) {}

    result<void> put(cloud_key const& key) override {
        return put_all(std::span<cloud_key const>(&key, 1));
    }

    result<void> put_all(std::span<cloud_key const> keys) override {
        return merge_all(keys, merge_fn{});
    }

    result<void> merge_all(std::span<cloud_key const> keys, merge_fn const& merge) override {
        for (auto const& k : keys) {
            if (k.cloud.empty()) return scheduler::invalid_argument("cloud", "is required");
            if (k.id.empty()) return scheduler::invalid_argument("id", "is required");
        }
        return guarded<void>("put", [&]() -> result<void> {
            // Rolled back by the destructor when a statement throws part-way. IMMEDIATE: the
            // write lock is held before the merge reads, so nothing lands in between.
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement st(db_, put_sql);
            std::optional<SQLite::Statement> read;
            if (merge)
                read.emplace(db_,
                             "SELECT body FROM cckm_keys WHERE realm = ?1 AND cloud = ?2 "
                             "AND id = ?3");
            for (auto const& k : keys) {
                if (!read) {
                    write(k, st);
                    continue;
                }
                read->reset();
                read->bind(1, realm_);
                read->bind(2, k.cloud);
                read->bind(3, k.id);
                cloud_key incoming = k;
                if (read->executeStep()) {
                    auto stored = detail::decode_key(read->getColumn(0).getString());
                    if (!stored) return stored.error();
                    merge(*stored, incoming);
                }
                read->reset();
                write(incoming, st);
            }
            tx.commit();
            return {};
        });
    }

    result<cloud_key> get(std::string_view cloud, std::string_view id) override {
        return guarded<cloud_key>("get", [&]() -> result<cloud_key> {
            SQLite::Statement st(db_,
                                 "SELECT body FROM cckm_keys WHERE realm = ?1 AND cloud = ?2 "
                                 "AND id = ?3");
            st.bind(1, realm_);
            st.bind(2, std::string(cloud));
            st.bind(3, std::string(id));
            if (!st.executeStep())
                return scheduler::not_found("key " + std::string(id) + " not found");
            return detail::decode_key(st.getColumn(0).getString());
        });
    }

    result<cloud_key> find_native(std::string_view cloud, std::string_view native_id) override {
        return guarded<cloud_key>("find_native", [&]() -> result<cloud_key> {
            SQLite::Statement st(db_,
                                 "SELECT body FROM cckm_keys WHERE realm = ?1 AND cloud = ?2 "
                                 "AND native_id = ?3 AND native_id <> ''");
            st.bind(1, realm_);
            st.bind(2, std::string(cloud));
            st.bind(3, std::string(native_id));
            if (!st.executeStep())
                return scheduler::not_found("no key with native id " + std::string(native_id));
            return detail::decode_key(st.getColumn(0).getString());
        });
    }

    result<key_page> list(key_query const& q) override {
        // The WHERE clause is assembled from fixed fragments; every value is a bound parameter.
        std::string where = " FROM cckm_keys WHERE realm = ?";
        std::vector<std::string> args{realm_};
        if (!q.cloud.empty()) {
            where += " AND cloud = ?";
            args.push_back(q.cloud);
        }
        if (!q.job_config_id.empty()) {
            where += " AND job_config_id = ?";
            args.push_back(q.job_config_id);
        }
        if (!q.containers.empty()) {
            where += " AND container IN (";
            for (std::size_t i = 0; i < q.containers.size(); ++i) {
                where += i ? ", ?" : "?";
                args.push_back(q.containers[i]);
            }
            where += ")";
        }
        if (!q.include_gone) where += " AND gone = 0";
        if (!q.include_deleted) where += " AND state <> 'deleted'";
        if (!q.name.empty()) {
            where += " AND json_extract(body, '$.name') = ?";
            args.push_back(q.name);
        }
        if (!q.region.empty()) {
            where += " AND json_extract(body, '$.region') = ?";
            args.push_back(q.region);
        }
        if (q.gone) where += *q.gone ? " AND gone = 1" : " AND gone = 0";
        if (q.state) {
            where += " AND state = ?";
            args.emplace_back(to_string(*q.state));
        }
        if (auto r = detail::check_sort(q.sort); !r) return r.error();
        return guarded<key_page>("list", [&]() -> result<key_page> {
            // One read transaction, so the count and the page see the same snapshot.
            SQLite::Transaction tx(db_);
            key_page page;
            SQLite::Statement count(db_, "SELECT COUNT(*)" + where);
            bind_all(count, args);
            count.executeStep();
            page.total = static_cast<std::size_t>(count.getColumn(0).getInt64());
            SQLite::Statement rows(db_,
                                   "SELECT body" + where + order_by(q.sort) + " LIMIT ? OFFSET ?");
            bind_all(rows, args);
            auto const n = static_cast<int>(args.size());
            rows.bind(n + 1, q.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(q.limit));
            rows.bind(n + 2, static_cast<std::int64_t>(q.skip));
            while (rows.executeStep()) {
                auto k = detail::decode_key(rows.getColumn(0).getString());
                if (!k) return k.error();
                page.keys.push_back(std::move(*k));
            }
            tx.commit();
            return page;
        });
    }

    result<cloud_key> update(std::string_view cloud,
                             std::string_view id,
                             std::function<result<void>(cloud_key&)> const& change) override {
        return guarded<cloud_key>("update", [&]() -> result<cloud_key> {
            // IMMEDIATE: the write lock is taken before the read, so no other connection (a
            // synchronization of another process, say) writes the row in between.
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement st(db_,
                                 "SELECT body FROM cckm_keys WHERE realm = ?1 AND cloud = ?2 "
                                 "AND id = ?3");
            st.bind(1, realm_);
            st.bind(2, std::string(cloud));
            st.bind(3, std::string(id));
            if (!st.executeStep())
                return scheduler::not_found("key " + std::string(id) + " not found");
            auto key = detail::decode_key(st.getColumn(0).getString());
            if (!key) return key.error();
            if (auto r = change(*key); !r) return r.error();
            if (key->cloud != cloud || key->id != id)
                return scheduler::invalid_argument("id", "an update cannot move a key");
            write(*key);
            tx.commit();
            return key;
        });
    }

    result<void> remove(std::string_view cloud, std::string_view id) override {
        return guarded<void>("remove", [&]() -> result<void> {
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement st(db_,
                                 "DELETE FROM cckm_keys WHERE realm = ?1 AND cloud = ?2 AND "
                                 "id = ?3");
            st.bind(1, realm_);
            st.bind(2, std::string(cloud));
            st.bind(3, std::string(id));
            if (st.exec() == 0)
                return scheduler::not_found("key " + std::string(id) + " not found");
            tx.commit();
            return {};
        });
    }

private:
    // One upsert of a key, inside the caller's transaction.
    void write(cloud_key const& k, SQLite::Statement& st) {
        st.reset();
        st.clearBindings();
        st.bind(1, realm_);
        st.bind(2, k.cloud);
        st.bind(3, k.id);
        st.bind(4, k.native_id);
        st.bind(5, k.container);
        st.bind(6, detail::attached_config(k));
        st.bind(7, std::string(to_string(k.state)));
        st.bind(8, k.gone ? 1 : 0);
        st.bind(9, static_cast<std::int64_t>(micros(k.created_at)));
        st.bind(10, static_cast<std::int64_t>(micros(k.updated_at)));
        st.bind(11, detail::encode_key(k));
        st.exec();
    }
    void write(cloud_key const& k) {
        SQLite::Statement st(db_, put_sql);
        write(k, st);
    }

    static void bind_all(SQLite::Statement& st, std::vector<std::string> const& args) {
        for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
    }

    // Serializes use of the connection and turns SQLiteCpp exceptions into statuses.
    template <class T, class F>
    result<T> guarded(std::string_view what, F&& body) {
        return sql_.run<T>(what, std::forward<F>(body));
    }

    detail::sqlite_db sql_;
    SQLite::Database& db_ = sql_.db();
    std::string realm_;
};

}  // namespace

result<std::unique_ptr<key_store>> open_sqlite_key_store(std::string const& path,
                                                         std::string realm,
                                                         sqlite_key_store_options options) {
    if (realm.empty()) return scheduler::invalid_argument("realm", "is required");
    try {
        return std::unique_ptr<key_store>(
            std::make_unique<sqlite_key_store>(path, std::move(realm), options));
    } catch (SQLite::Exception const& e) {
        return status{code::unavailable,
                      detail::from_sqlite(e, "key store", "open '" + path + "'").message()};
    }
}

}  // namespace cckm
