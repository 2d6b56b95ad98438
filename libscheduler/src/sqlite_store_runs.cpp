// SPDX-License-Identifier: Apache-2.0
// sqlite_store: job runs, and the calls the engine makes (due configs, claims, recovery,
// retention).
#include <scheduler/sqlite_store.hpp>

#include "sqlite_fault.hpp"
#include "sqlite_impl.hpp"

#include <unordered_map>

namespace scheduler {

namespace {

using detail::statement_ref;

std::string const& insert_run_sql() {
    static std::string const sql = detail::insert_sql("job_runs", detail::run_columns);
    return sql;
}

// A claim's run: a collision on (job_config_id, scheduled_for) inserts nothing (changes() == 0)
// instead of failing, so one refused claim does not abort its batch. Any other constraint
// (a duplicate id) still raises and rolls the whole batch back.
std::string const& claim_run_sql() {
    static std::string const sql =
        insert_run_sql() +
        " ON CONFLICT (job_config_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING";
    return sql;
}

std::string const& update_run_sql() {
    static std::string const sql = detail::update_sql("job_runs", detail::run_columns);
    return sql;
}

// The columns a run's life changes. When nothing else differs from the stored row, this narrow
// UPDATE leaves untouched every index not keyed by them (primary key, fire, config, created,
// name, operation), which is most of a run update's write cost (docs/storage.md).
constexpr char const* update_run_state_sql =
    "UPDATE job_runs SET status = ?2, processing_node = ?3, details = ?4, error = ?5,"
    " updated_at = ?6, started_at = ?7, completed_at = ?8 WHERE id = ?1";

std::string const& get_run_sql() {
    static std::string const sql =
        "SELECT " + std::string(detail::run_columns) + " FROM job_runs WHERE id = ?1";
    return sql;
}

std::string const& due_configs_sql() {
    static std::string const sql =
        "SELECT " + std::string(detail::config_columns) +
        " FROM job_configs WHERE disabled = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?1"
        " AND (run_on = 'any' OR run_on = ?2) ORDER BY next_run_at, id LIMIT ?3";
    return sql;
}

std::string const& active_runs_sql() {
    static std::string const sql =
        "SELECT " + std::string(detail::run_columns) +
        " FROM job_runs WHERE job_config_id = ?1 AND status IN ('scheduled', 'in_progress')"
        " ORDER BY created_at, id";
    return sql;
}

constexpr char const* advance_config_sql =
    "UPDATE job_configs SET next_run_at = ?2, last_run_at = COALESCE(?3, last_run_at)"
    " WHERE id = ?1";

// Finished runs beyond the newest `keep` of their config and older than the cutoff. The rank
// counts every run of the config, active ones included, so "newest N" means what users see.
constexpr char const* prune_sql =
    "DELETE FROM job_runs WHERE id IN ("
    " SELECT id FROM (SELECT id, status, created_at, ROW_NUMBER() OVER ("
    "   PARTITION BY job_config_id ORDER BY created_at DESC, id DESC) AS rank FROM job_runs)"
    " WHERE rank > ?1 AND created_at < ?2 AND status IN ('completed', 'failed', 'aborted'))";

std::string run_not_found(std::string_view id) {
    return "job run '" + std::string(id) + "' not found";
}

/// Prepared statements of one run update, valid for one transaction.
struct run_update_statements {
    statement_ref read;
    statement_ref full;
    statement_ref state;
};

/// The stored row of run `id`, or nullopt when there is none.
std::optional<job_run> read_stored_run(run_update_statements& st, std::string const& id) {
    st.read->tryReset();
    st.read->clearBindings();
    st.read->bindNoCopy(1, id);
    if (!st.read->executeStep()) return std::nullopt;
    auto stored = detail::read_run(*st.read);
    st.read->tryReset();
    return stored;
}

/// update_run's status rule: forward transitions only, staying in a status is allowed.
status check_run_transition(run_status from, job_run const& r) {
    if (from == r.status || can_transition(from, r.status)) return {};
    return status{code::failed_precondition,
                  "run '" + r.id + "' cannot go from " + std::string(to_string(from)) + " to " +
                      std::string(to_string(r.status)),
                  "status"};
}

/// True when `r` differs from `stored` only in the columns a run's life changes, so the narrow
/// UPDATE is enough.
bool only_state_differs(job_run const& stored, job_run const& r) {
    auto same_identity = stored;
    same_identity.status = r.status;
    same_identity.processing_node = r.processing_node;
    same_identity.details = r.details;
    same_identity.error = r.error;
    same_identity.updated_at = r.updated_at;
    same_identity.started_at = r.started_at;
    same_identity.completed_at = r.completed_at;
    return same_identity == r;
}

/// Replaces the whole row.
void write_full_run(run_update_statements& st, job_run const& r) {
    st.full->tryReset();
    st.full->clearBindings();
    detail::bind_run(*st.full, r);
    st.full->exec();
}

/// Writes the state columns only.
void write_run_state(run_update_statements& st, job_run const& r) {
    auto& u = *st.state;
    u.tryReset();
    u.clearBindings();
    u.bindNoCopy(1, r.id);  // `r` outlives the exec below
    u.bind(2, std::string(to_string(r.status)));
    u.bindNoCopy(3, r.processing_node);
    u.bindNoCopy(4, r.details);
    u.bindNoCopy(5, r.error);
    u.bind(6, static_cast<std::int64_t>(detail::to_micros(r.updated_at)));
    detail::bind_time(u, 7, r.started_at);
    detail::bind_time(u, 8, r.completed_at);
    u.exec();
}

/// Checks and writes one run inside the caller's transaction; writes nothing when refused.
status apply_run_update(run_update_statements& st, job_run const& r) {
    auto const stored = read_stored_run(st, r.id);
    if (!stored) return not_found(run_not_found(r.id));
    auto checked = check_run_transition(stored->status, r);
    if (!checked.ok()) return checked;
    if (only_state_differs(*stored, r)) {
        write_run_state(st, r);
    } else {
        write_full_run(st, r);  // something beyond the run's state changed
    }
    return {};
}

/// A run of an update_runs batch: its row as the transaction has left it so far, and the
/// state-only change accepted for it but not written yet.
struct batched_run {
    std::optional<job_run> row;          ///< nullopt: no such run
    job_run const* unwritten = nullptr;  ///< the latest accepted narrow change, if any
};

/// Checks one row of a batch against its run's state so far. A state-only change is only
/// remembered: when the same batch moves a run on again (a no-op operation's in_progress and
/// completed rows usually share one), the row is written once, in its final state, instead of
/// once per step. The outcome of every row, and the rows the transaction leaves, are exactly
/// those of applying the batch row by row. A change beyond the state is written at once.
status apply_batched_update(run_update_statements& st, batched_run& b, job_run const& r) {
    if (!b.row) return not_found(run_not_found(r.id));
    auto checked = check_run_transition(b.unwritten ? b.unwritten->status : b.row->status, r);
    if (!checked.ok()) return checked;
    if (only_state_differs(*b.row, r)) {
        b.unwritten = &r;
        return {};
    }
    write_full_run(st, r);  // replaces every column, the unwritten state included
    b.row = r;
    b.unwritten = nullptr;
    return {};
}

/// Applies one claim inside the caller's transaction; false when it must change nothing.
bool apply_claim(statement_ref& insert,
                 statement_ref& advance,
                 statement_ref& undo,
                 fire_claim const& claim) {
    if (claim.run) {
        insert->tryReset();
        insert->clearBindings();
        detail::bind_run(*insert, *claim.run);
        if (insert->exec() == 0) return false;
    }
    advance->tryReset();
    advance->clearBindings();
    advance->bindNoCopy(1, claim.config_id);
    detail::bind_time(*advance, 2, claim.next_run_at);
    detail::bind_time(*advance, 3, claim.last_run_at);
    if (advance->exec() != 0) return true;
    // The config was deleted meanwhile: take back the run just inserted for it.
    if (claim.run) {
        undo->tryReset();
        undo->bind(1, claim.run->id);
        undo->exec();
    }
    return false;
}

}  // namespace

result<void> sqlite_store::insert_run(job_run const& r) {
    return impl_->guarded<void>("insert_run", "scheduled_for", [&]() -> result<void> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare(insert_run_sql());
        detail::bind_run(*st, r);
        st->exec();
        tx.commit();
        return {};
    });
}

result<job_run> sqlite_store::get_run(std::string_view id) {
    return impl_->guarded<job_run>("get_run", {}, [&]() -> result<job_run> {
        auto st = impl_->prepare(get_run_sql());
        st->bind(1, std::string(id));
        if (!st->executeStep()) return not_found(run_not_found(id));
        return detail::read_run(*st);
    });
}

result<void> sqlite_store::update_run(job_run const& r) {
    return impl_->guarded<void>("update_run", "scheduled_for", [&]() -> result<void> {
        // IMMEDIATE: the status read and the write must see the same row.
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        run_update_statements st{impl_->prepare(get_run_sql()), impl_->prepare(update_run_sql()),
                                 impl_->prepare(update_run_state_sql)};
        auto written = apply_run_update(st, r);
        if (!written.ok()) return written;
        detail::sqlite_fault_point("update_run");
        tx.commit();
        return {};
    });
}

result<std::vector<status>> sqlite_store::update_runs(std::span<job_run const> runs) {
    using out_t = std::vector<status>;
    return impl_->guarded<out_t>("update_runs", "scheduled_for", [&]() -> result<out_t> {
        // One transaction for the batch: a refused row is skipped (its status says why), and
        // a failure of SQLite itself rolls every row back.
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        run_update_statements st{impl_->prepare(get_run_sql()), impl_->prepare(update_run_sql()),
                                 impl_->prepare(update_run_state_sql)};
        // Keyed by views of the ids in `runs`, which outlive this call.
        std::unordered_map<std::string_view, batched_run> seen;
        seen.reserve(runs.size());
        out_t out;
        out.reserve(runs.size());
        for (auto const& r : runs) {
            auto [it, first] = seen.try_emplace(r.id);
            if (first) it->second.row = read_stored_run(st, r.id);
            out.push_back(apply_batched_update(st, it->second, r));
            detail::sqlite_fault_point("update_runs.run");
        }
        // The state-only changes, each run's last one, in batch order.
        for (auto const& r : runs) {
            if (seen.at(r.id).unwritten == &r) write_run_state(st, r);
        }
        tx.commit();
        return out;
    });
}

result<void> sqlite_store::delete_run(std::string_view id) {
    return impl_->guarded<void>("delete_run", {}, [&]() -> result<void> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        {
            auto st = impl_->prepare("SELECT status FROM job_runs WHERE id = ?1");
            st->bind(1, std::string(id));
            if (!st->executeStep()) return not_found(run_not_found(id));
            auto const s = parse_run_status(st->getColumn(0).getString());
            if (!s || !is_terminal(*s)) {
                return status{code::failed_precondition,
                              "run '" + std::string(id) + "' is still active"};
            }
        }
        auto st = impl_->prepare("DELETE FROM job_runs WHERE id = ?1");
        st->bind(1, std::string(id));
        st->exec();
        tx.commit();
        return {};
    });
}

result<std::vector<job_config>> sqlite_store::due_configs(time_point due_by,
                                                          std::string_view node,
                                                          std::size_t limit) {
    using out_t = std::vector<job_config>;
    return impl_->guarded<out_t>("due_configs", {}, [&]() -> result<out_t> {
        auto st = impl_->prepare(due_configs_sql());
        st->bind(1, static_cast<std::int64_t>(detail::to_micros(due_by)));
        st->bind(2, std::string(node));
        // SQLite's LIMIT is signed; anything beyond int64 means "all".
        st->bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
        out_t out;
        // The engine asks for thousands at a time: growing the vector would move every config.
        out.reserve(std::min<std::size_t>(limit, 16384));
        while (st->executeStep()) out.push_back(detail::read_config(*st));
        return out;
    });
}

result<std::optional<time_point>> sqlite_store::earliest_next_run(std::string_view node) {
    using out_t = std::optional<time_point>;
    return impl_->guarded<out_t>("earliest_next_run", {}, [&]() -> result<out_t> {
        auto st = impl_->prepare(
            "SELECT MIN(next_run_at) FROM job_configs WHERE disabled = 0"
            " AND next_run_at IS NOT NULL AND (run_on = 'any' OR run_on = ?1)");
        st->bind(1, std::string(node));
        st->executeStep();
        return detail::column_time(*st, 0);
    });
}

result<std::vector<bool>> sqlite_store::claim_fires(std::span<fire_claim const> claims) {
    using out_t = std::vector<bool>;
    return impl_->guarded<out_t>("claim_fires", {}, [&]() -> result<out_t> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto insert = impl_->prepare(claim_run_sql());
        auto advance = impl_->prepare(advance_config_sql);
        auto undo = impl_->prepare("DELETE FROM job_runs WHERE id = ?1");
        out_t out;
        out.reserve(claims.size());
        for (auto const& claim : claims) {
            out.push_back(apply_claim(insert, advance, undo, claim));
            detail::sqlite_fault_point("claim_fires.claim");
        }
        tx.commit();
        impl_->configs.invalidate_all(
            claims, [](fire_claim const& c) -> std::string_view { return c.config_id; });
        return out;
    });
}

result<std::vector<job_run>> sqlite_store::active_runs(std::string_view config_id) {
    using out_t = std::vector<job_run>;
    return impl_->guarded<out_t>("active_runs", {}, [&]() -> result<out_t> {
        auto st = impl_->prepare(active_runs_sql());
        st->bind(1, std::string(config_id));
        out_t out;
        while (st->executeStep()) out.push_back(detail::read_run(*st));
        return out;
    });
}

result<std::int64_t> sqlite_store::fail_interrupted_runs(std::string_view node, time_point now) {
    return impl_->guarded<std::int64_t>("fail_interrupted_runs", {}, [&]() -> result<std::int64_t> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare(
            "UPDATE job_runs SET status = 'failed', error = 'interrupted', completed_at = ?2,"
            " updated_at = ?2 WHERE processing_node = ?1"
            " AND status IN ('scheduled', 'in_progress')");
        st->bind(1, std::string(node));
        st->bind(2, static_cast<std::int64_t>(detail::to_micros(now)));
        std::int64_t const n = st->exec();
        tx.commit();
        return n;
    });
}

result<std::int64_t> sqlite_store::prune_runs(std::size_t keep_per_config, time_point older_than) {
    return impl_->guarded<std::int64_t>("prune_runs", {}, [&]() -> result<std::int64_t> {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto st = impl_->prepare(prune_sql);
        st->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(keep_per_config, INT64_MAX)));
        st->bind(2, static_cast<std::int64_t>(detail::to_micros(older_than)));
        std::int64_t const n = st->exec();
        detail::sqlite_fault_point("prune_runs");
        tx.commit();
        return n;
    });
}

}  // namespace scheduler
