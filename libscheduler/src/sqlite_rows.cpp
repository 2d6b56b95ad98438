// SPDX-License-Identifier: Apache-2.0
// Row <-> model conversions of sqlite_store, and the exception seam.
#include "sqlite_fault.hpp"
#include "sqlite_impl.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <sqlite3.h>

#include <stdexcept>

namespace scheduler::detail {

namespace {

thread_local sqlite_fault_hook fault_hook;

// Denormalized params fields (DESIGN.md §6: filters use an index, not JSON per row). A params
// text that is not an object, or a field that is not a string, simply yields NULL.
struct params_fields {
    std::optional<std::string> cloud_name;
    std::optional<std::string> expire_in;
};

params_fields extract_params(std::string const& params) {
    params_fields out;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(params, ec);
    if (ec || !v.is_object()) return out;
    auto text = [&](std::string_view key) -> std::optional<std::string> {
        auto const* field = v.as_object().if_contains(key);
        if (field == nullptr || !field->is_string()) return std::nullopt;
        return std::string(field->as_string());
    };
    out.cloud_name = text("cloud_name");
    out.expire_in = text("expire_in");
    return out;
}

void bind_text(SQLite::Statement& s, int index, std::optional<std::string> const& text) {
    if (text) {
        s.bind(index, *text);
    } else {
        s.bind(index);
    }
}

void bind_duration(SQLite::Statement& s, int index, std::optional<duration> const& d) {
    if (d) {
        s.bind(index, d->text());
    } else {
        s.bind(index);
    }
}

template <class T>
T unwrap(result<T> r) {
    if (!r) throw std::runtime_error("corrupt row: " + r.error().to_string());
    return std::move(*r);
}

std::optional<duration> column_duration(SQLite::Statement& s, int index, std::string_view field) {
    if (s.isColumnNull(index)) return std::nullopt;
    return unwrap(duration::parse(s.getColumn(index).getString(), field));
}

}  // namespace

void set_sqlite_fault_hook(sqlite_fault_hook hook) {
    fault_hook = std::move(hook);
}

void sqlite_fault_point(std::string_view point) {
    if (fault_hook) fault_hook(point);
}

void bind_time(SQLite::Statement& s, int index, std::optional<time_point> t) {
    if (t) {
        s.bind(index, static_cast<std::int64_t>(to_micros(*t)));
    } else {
        s.bind(index);
    }
}

std::optional<time_point> column_time(SQLite::Statement& s, int index) {
    if (s.isColumnNull(index)) return std::nullopt;
    return from_micros(s.getColumn(index).getInt64());
}

std::string_view const config_columns =
    "id, account, name, description, operation, run_at, run_on, time_zone, start_date, "
    "end_date, disabled, params, cloud_name, expire_in, overlap_policy, misfire_policy, "
    "misfire_grace, timeout, jitter, created_at, updated_at, next_run_at, last_run_at";

std::string_view const run_columns =
    "id, account, job_config_id, name, description, operation, params, status, trigger, "
    "processing_node, details, error, created_at, updated_at, enqueued_at, started_at, "
    "completed_at, scheduled_for";

void bind_config(SQLite::Statement& s, job_config const& c) {
    s.bind(1, c.id);
    s.bind(2, c.account);
    s.bind(3, c.name);
    s.bind(4, c.description);
    s.bind(5, c.operation);
    s.bind(6, c.run_at);
    s.bind(7, c.run_on);
    s.bind(8, c.time_zone);
    bind_time(s, 9, c.start_date);
    bind_time(s, 10, c.end_date);
    s.bind(11, c.disabled ? 1 : 0);
    s.bind(12, c.params);
    auto const fields = extract_params(c.params);
    bind_text(s, 13, fields.cloud_name);
    bind_text(s, 14, fields.expire_in);
    s.bind(15, std::string(to_string(c.overlap)));
    s.bind(16, std::string(to_string(c.misfire)));
    s.bind(17, c.misfire_grace.text());
    bind_duration(s, 18, c.timeout);
    bind_duration(s, 19, c.jitter);
    bind_time(s, 20, c.created_at);
    bind_time(s, 21, c.updated_at);
    bind_time(s, 22, c.next_run_at);
    bind_time(s, 23, c.last_run_at);
}

job_config read_config(SQLite::Statement& s) {
    job_config c;
    c.id = s.getColumn(0).getString();
    c.account = s.getColumn(1).getString();
    c.name = s.getColumn(2).getString();
    c.description = s.getColumn(3).getString();
    c.operation = s.getColumn(4).getString();
    c.run_at = s.getColumn(5).getString();
    c.run_on = s.getColumn(6).getString();
    c.time_zone = s.getColumn(7).getString();
    c.start_date = column_time(s, 8);
    c.end_date = column_time(s, 9);
    c.disabled = s.getColumn(10).getInt() != 0;
    c.params = s.getColumn(11).getString();
    // 12, 13: cloud_name, expire_in are derived from params.
    c.overlap = unwrap(parse_overlap_policy(s.getColumn(14).getString()));
    c.misfire = unwrap(parse_misfire_policy(s.getColumn(15).getString()));
    c.misfire_grace = *column_duration(s, 16, "misfire_grace");
    c.timeout = column_duration(s, 17, "timeout");
    c.jitter = column_duration(s, 18, "jitter");
    c.created_at = from_micros(s.getColumn(19).getInt64());
    c.updated_at = from_micros(s.getColumn(20).getInt64());
    c.next_run_at = column_time(s, 21);
    c.last_run_at = column_time(s, 22);
    return c;
}

void bind_run(SQLite::Statement& s, job_run const& r) {
    // The run's own strings are bound without a copy (SQLITE_STATIC): every caller executes
    // the statement while `r` is alive, and the next use rebinds before stepping again. A
    // claim batch binds 100,000 runs; the copies were ~10 allocations each.
    s.bindNoCopy(1, r.id);
    s.bindNoCopy(2, r.account);
    s.bindNoCopy(3, r.job_config_id);
    s.bindNoCopy(4, r.name);
    s.bindNoCopy(5, r.description);
    s.bindNoCopy(6, r.operation);
    s.bindNoCopy(7, r.params);
    s.bind(8, std::string(to_string(r.status)));
    s.bind(9, std::string(to_string(r.trigger)));
    s.bindNoCopy(10, r.processing_node);
    s.bindNoCopy(11, r.details);
    s.bindNoCopy(12, r.error);
    bind_time(s, 13, r.created_at);
    bind_time(s, 14, r.updated_at);
    bind_time(s, 15, r.enqueued_at);
    bind_time(s, 16, r.started_at);
    bind_time(s, 17, r.completed_at);
    bind_time(s, 18, r.scheduled_for);
}

job_run read_run(SQLite::Statement& s) {
    job_run r;
    r.id = s.getColumn(0).getString();
    r.account = s.getColumn(1).getString();
    r.job_config_id = s.getColumn(2).getString();
    r.name = s.getColumn(3).getString();
    r.description = s.getColumn(4).getString();
    r.operation = s.getColumn(5).getString();
    r.params = s.getColumn(6).getString();
    r.status = unwrap(parse_run_status(s.getColumn(7).getString()));
    r.trigger = unwrap(parse_run_trigger(s.getColumn(8).getString()));
    r.processing_node = s.getColumn(9).getString();
    r.details = s.getColumn(10).getString();
    r.error = s.getColumn(11).getString();
    r.created_at = from_micros(s.getColumn(12).getInt64());
    r.updated_at = from_micros(s.getColumn(13).getInt64());
    r.enqueued_at = from_micros(s.getColumn(14).getInt64());
    r.started_at = column_time(s, 15);
    r.completed_at = column_time(s, 16);
    r.scheduled_for = column_time(s, 17);
    return r;
}

namespace {

int column_count(std::string_view columns) {
    int n = 1;
    for (char ch : columns) n += ch == ',' ? 1 : 0;
    return n;
}

}  // namespace

std::string insert_sql(std::string_view table, std::string_view columns) {
    std::string sql =
        "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES (";
    int const n = column_count(columns);
    for (int i = 1; i <= n; ++i) {
        sql += (i == 1 ? "?" : ", ?") + std::to_string(i);
    }
    return sql + ")";
}

std::string update_sql(std::string_view table, std::string_view columns) {
    std::string sql = "UPDATE " + std::string(table) + " SET ";
    int index = 1;
    std::size_t pos = 0;
    while (pos != std::string_view::npos) {
        std::size_t const comma = columns.find(',', pos);
        std::string_view name = columns.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        if (index > 1) {  // column 1 is id: the key, never rewritten
            sql += (index > 2 ? ", " : "") + std::string(name) + " = ?" + std::to_string(index);
        }
        ++index;
        pos = comma == std::string_view::npos ? comma : comma + 1;
    }
    return sql + " WHERE id = ?1";
}

status from_sqlite(SQLite::Exception const& e, std::string_view what, std::string field) {
    int const primary = e.getErrorCode();
    int const extended = e.getExtendedErrorCode();
    std::string message =
        std::string(what) + ": " + e.what() + " (sqlite code " + std::to_string(extended) + ")";
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        return status{code::unavailable, std::move(message)};
    }
    if (primary == SQLITE_CONSTRAINT) {
        // A taken key is the client's problem, said in the client's terms: no SQL, table or
        // column names in a message that reaches an API answer.
        std::string_view entity = what.find("config") != std::string_view::npos ? "job config"
                                  : what.find("run") != std::string_view::npos  ? "job run"
                                                                                : "record";
        // Every table is keyed by `id`; other unique keys are named by the caller.
        if (extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
            return status{code::already_exists,
                          "a " + std::string(entity) + " with this id already exists", "id"};
        }
        if (extended == SQLITE_CONSTRAINT_UNIQUE) {
            auto text = "a " + std::string(entity) + " with this " +
                        (field.empty() ? std::string("key") : field) + " already exists";
            return status{code::already_exists, std::move(text), std::move(field)};
        }
        return status{code::failed_precondition, std::move(message)};
    }
    return status{code::internal, std::move(message)};
}

}  // namespace scheduler::detail
