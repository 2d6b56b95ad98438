// SPDX-License-Identifier: Apache-2.0
// sqlite_store lists: filters, allow-listed sort keys and paging, all in SQL (LIMIT/OFFSET
// plus COUNT(*) over the same WHERE, read in one snapshot).
#include <scheduler/sqlite_store.hpp>

#include "sqlite_impl.hpp"

#include <array>
#include <variant>

namespace scheduler {

namespace {

constexpr std::array<std::string_view, 9> config_sort_names{
    "name",     "createdAt", "updatedAt",   "operation",  "id",
    "disabled", "run_at",    "next_run_at", "last_run_at"};

constexpr std::array<std::string_view, 11> run_sort_names{
    "createdAt",  "updatedAt",    "name",          "status",          "operation", "enqueued_at",
    "started_at", "completed_at", "job_config_id", "processing_node", "id"};

/// The column behind an allow-listed API sort name; only these strings ever reach the SQL.
std::string_view sort_column(std::string_view api) {
    if (api == "createdAt") return "created_at";
    if (api == "updatedAt") return "updated_at";
    return api;
}

/// WHERE clause with positional parameters, built from constant column names only.
class where_clause {
public:
    using value = std::variant<std::int64_t, std::string>;

    void equals(std::string_view column, std::optional<std::string> const& v) {
        if (v) add(column, " = ?", *v);
    }
    void add(std::string_view column, std::string_view op, value v) {
        sql_ += sql_.empty() ? " WHERE " : " AND ";
        sql_ += column;
        sql_ += op;
        params_.push_back(std::move(v));
    }
    void created_between(std::optional<time_point> before, std::optional<time_point> after) {
        // Both bounds inclusive (DESIGN.md §7).
        if (before) add("created_at", " <= ?", detail::to_micros(*before));
        if (after) add("created_at", " >= ?", detail::to_micros(*after));
    }
    [[nodiscard]] std::string const& sql() const noexcept { return sql_; }
    /// Binds the filter values as parameters 1..n; returns n.
    int bind(SQLite::Statement& s) const {
        int index = 0;
        for (auto const& v : params_) {
            ++index;
            if (auto const* i = std::get_if<std::int64_t>(&v)) {
                s.bind(index, *i);
            } else {
                s.bind(index, std::get<std::string>(v));
            }
        }
        return index;
    }

private:
    std::string sql_;
    std::vector<value> params_;
};

/// Checks skip/limit/sort and renders ORDER BY; the allow-list is `allowed`.
result<std::string> order_by(page_request const& p, std::span<std::string_view const> allowed) {
    if (p.skip < 0) return invalid_argument("skip", "must be >= 0");
    if (p.limit < -1 || p.limit > max_page_limit) {
        return invalid_argument("limit",
                                "must be -1 (all) or 0.." + std::to_string(max_page_limit));
    }
    if (p.sort.empty()) return std::string(" ORDER BY created_at DESC, id DESC");
    std::string sql = " ORDER BY ";
    bool has_id = false;
    for (auto const& key : p.sort) {
        auto const it = std::find(allowed.begin(), allowed.end(), key.field);
        if (it == allowed.end()) {
            return invalid_argument("sort", "cannot sort by '" + key.field.substr(0, 64) + "'");
        }
        has_id = has_id || key.field == "id";
        sql += std::string(sort_column(*it)) + (key.descending ? " DESC, " : " ASC, ");
    }
    // A stable tiebreak, so pages never overlap or miss rows between equal keys.
    if (has_id) return sql.substr(0, sql.size() - 2);
    return sql + "id ASC";
}

template <class T, class Reader>
result<page<T>> run_list(sqlite_store::impl& impl,
                         std::string_view table,
                         std::string_view columns,
                         where_clause const& where,
                         std::string const& order,
                         page_request const& p,
                         Reader read) {
    page<T> out;
    out.skip = p.skip;
    out.limit = p.limit;
    // One read transaction: the count and the page come from the same snapshot.
    SQLite::Transaction tx(impl.db, SQLite::TransactionBehavior::DEFERRED);
    {
        auto st = impl.prepare_list("SELECT COUNT(*) FROM " + std::string(table) + where.sql());
        where.bind(*st);
        st->executeStep();
        out.total = st->getColumn(0).getInt64();
    }
    auto st = impl.prepare_list("SELECT " + std::string(columns) + " FROM " + std::string(table) +
                                where.sql() + order + " LIMIT ? OFFSET ?");
    int const n = where.bind(*st);
    st->bind(n + 1, p.limit);  // -1: SQLite's "no limit"
    st->bind(n + 2, p.skip);
    while (st->executeStep()) out.items.push_back(read(*st));
    tx.commit();
    return out;
}

}  // namespace

std::span<std::string_view const> config_sort_fields() noexcept {
    return config_sort_names;
}
std::span<std::string_view const> run_sort_fields() noexcept {
    return run_sort_names;
}

result<page<job_config>> sqlite_store::list_configs(config_query const& q) {
    auto order = order_by(q, config_sort_fields());
    if (!order) return order.error();
    where_clause where;
    where.equals("id", q.id);
    where.equals("name", q.name);
    where.equals("account", q.account);
    where.equals("operation", q.operation);
    if (q.disabled) where.add("disabled", " = ?", std::int64_t{*q.disabled ? 1 : 0});
    where.equals("cloud_name", q.cloud_name);
    where.equals("expire_in", q.expire_in);
    where.created_between(q.created_before, q.created_after);
    return impl_->guarded<page<job_config>>("list_configs", {}, [&]() {
        return run_list<job_config>(*impl_, "job_configs", detail::config_columns, where, *order, q,
                                    detail::read_config);
    });
}

result<page<job_run>> sqlite_store::list_runs(run_query const& q) {
    auto order = order_by(q, run_sort_fields());
    if (!order) return order.error();
    where_clause where;
    where.equals("id", q.id);
    where.equals("name", q.name);
    where.equals("account", q.account);
    where.equals("job_config_id", q.job_config_id);
    where.equals("operation", q.operation);
    if (q.status) where.add("status", " = ?", std::string(to_string(*q.status)));
    where.equals("processing_node", q.processing_node);
    where.created_between(q.created_before, q.created_after);
    return impl_->guarded<page<job_run>>("list_runs", {}, [&]() {
        return run_list<job_run>(*impl_, "job_runs", detail::run_columns, where, *order, q,
                                 detail::read_run);
    });
}

}  // namespace scheduler
