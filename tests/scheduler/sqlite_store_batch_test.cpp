// SPDX-License-Identifier: Apache-2.0
// sqlite_store::update_runs: one transaction per batch, the same per-row transition checks as
// update_run, refused rows reported and left unwritten, a failure midway writing nothing, and
// several rows of one run in a batch leaving what row-by-row updates would have left.
#include <scheduler/sqlite_store.hpp>

#include "sqlite_fault.hpp"  // libscheduler/src: the test-only fault point
#include "sqlite_store_test_util.hpp"
#include "support/catch.hpp"

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using scheduler::code;
using scheduler::run_status;
using store_test::make_run;
using store_test::memory_store;

namespace {

/// Throws the second time `point` is reached on this thread, for the life of the object.
class fail_at {
public:
    explicit fail_at(std::string point) {
        scheduler::detail::set_sqlite_fault_hook(
            [p = std::move(point), n = 0](std::string_view reached) mutable {
                if (reached == p && ++n == 2) throw std::runtime_error("injected fault at " + p);
            });
    }
    ~fail_at() { scheduler::detail::set_sqlite_fault_hook({}); }
    fail_at(fail_at const&) = delete;
    fail_at& operator=(fail_at const&) = delete;
};

}  // namespace

TEST_CASE("update_runs writes every allowed row and reports refused ones", "[store]") {
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::scheduled);
    auto b = make_run("b", "cfg-b", run_status::completed);
    auto c = make_run("c", "cfg-c", run_status::in_progress);
    for (auto const* r : {&a, &b, &c}) REQUIRE(db->insert_run(*r));

    auto a2 = a;
    a2.status = run_status::in_progress;
    a2.started_at = a.created_at + 5s;
    auto b2 = b;  // completed -> in_progress is not a forward transition
    b2.status = run_status::in_progress;
    b2.details = R"({"rewritten":true})";
    auto c2 = c;
    c2.status = run_status::failed;
    c2.error = "boom";
    c2.completed_at = c.created_at + 9s;
    auto missing = make_run("missing", "cfg-x", run_status::in_progress);

    std::vector<scheduler::job_run> batch{a2, b2, c2, missing};
    auto out = db->update_runs(batch);
    REQUIRE(out);
    REQUIRE(out->size() == 4);
    CHECK((*out)[0].ok());
    CHECK((*out)[1].error_code() == code::failed_precondition);
    CHECK((*out)[1].field() == "status");
    CHECK((*out)[2].ok());
    CHECK((*out)[3].error_code() == code::not_found);

    CHECK(db->get_run("a").value() == a2);
    CHECK(db->get_run("b").value() == b);  // the refused row is untouched
    CHECK(db->get_run("c").value() == c2);
    CHECK_FALSE(db->get_run("missing"));
}

TEST_CASE("update_runs replaces fields beyond the run state too", "[store]") {
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::in_progress);
    REQUIRE(db->insert_run(a));
    auto a2 = a;
    a2.name = "renamed";
    a2.params = R"({"cloud_name":"gcp"})";
    a2.status = run_status::completed;
    a2.completed_at = a.created_at + 4s;
    std::vector<scheduler::job_run> batch{a2};
    auto out = db->update_runs(batch);
    REQUIRE(out);
    CHECK(out->at(0).ok());
    CHECK(db->get_run("a").value() == a2);
    // update_run takes the same path.
    auto a3 = a2;
    a3.description = "described again";
    REQUIRE(db->update_run(a3));
    CHECK(db->get_run("a").value() == a3);
}

TEST_CASE("update_runs failing midway writes nothing", "[store]") {
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::scheduled);
    auto b = make_run("b", "cfg-b", run_status::scheduled);
    REQUIRE(db->insert_run(a));
    REQUIRE(db->insert_run(b));
    auto a2 = a;
    a2.status = run_status::in_progress;
    auto b2 = b;
    b2.status = run_status::in_progress;
    std::vector<scheduler::job_run> batch{a2, b2};
    {
        fail_at fault("update_runs.run");
        auto out = db->update_runs(batch);
        REQUIRE_FALSE(out);
    }
    CHECK(db->get_run("a").value() == a);
    CHECK(db->get_run("b").value() == b);
    // The store is still usable and the same batch goes through afterwards.
    auto out = db->update_runs(batch);
    REQUIRE(out);
    CHECK(db->get_run("a").value() == a2);
    CHECK(db->get_run("b").value() == b2);
}

TEST_CASE("update_runs moves a run on twice in one batch", "[store]") {
    // The engine's group commit often holds a no-op run's in_progress and completed rows in
    // one batch; the store writes such a run once, in its final state.
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::scheduled);
    REQUIRE(db->insert_run(a));
    auto started = a;
    started.status = run_status::in_progress;
    started.started_at = started.updated_at = a.created_at + 5s;
    auto done = started;
    done.status = run_status::completed;
    done.details = R"({"done":true})";
    done.completed_at = done.updated_at = a.created_at + 6s;
    std::vector<scheduler::job_run> batch{started, done};
    auto out = db->update_runs(batch);
    REQUIRE(out);
    REQUIRE(out->size() == 2);
    CHECK((*out)[0].ok());
    CHECK((*out)[1].ok());
    auto stored = db->get_run("a").value();
    CHECK(stored == done);
    CHECK(stored.started_at == a.created_at + 5s);  // the row shows the run started
}

TEST_CASE("update_runs checks each row of a run against the rows before it", "[store]") {
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::scheduled);
    auto b = make_run("b", "cfg-b", run_status::scheduled);
    REQUIRE(db->insert_run(a));
    REQUIRE(db->insert_run(b));
    auto a_started = a;
    a_started.status = run_status::in_progress;
    a_started.started_at = a.created_at + 1s;
    auto a_done = a_started;
    a_done.status = run_status::completed;
    a_done.completed_at = a.created_at + 2s;
    auto a_back = a_started;  // completed -> in_progress: refused, the final row stays a_done
    auto a_direct = a_done;   // scheduled -> completed without in_progress: refused
    auto b_done = b;
    b_done.status = run_status::failed;
    b_done.error = "boom";
    auto b_renamed = b_done;  // a change beyond the state after a state change
    b_renamed.name = "renamed";
    b_renamed.details = R"({"after":"rename"})";

    std::vector<scheduler::job_run> batch{a_direct, a_started, b_done, a_done, a_back, b_renamed};
    auto out = db->update_runs(batch);
    REQUIRE(out);
    REQUIRE(out->size() == 6);
    CHECK((*out)[0].error_code() == code::failed_precondition);
    CHECK((*out)[1].ok());
    CHECK((*out)[2].ok());
    CHECK((*out)[3].ok());
    CHECK((*out)[4].error_code() == code::failed_precondition);
    CHECK((*out)[5].ok());
    CHECK(db->get_run("a").value() == a_done);
    CHECK(db->get_run("b").value() == b_renamed);

    // The same rows one update_run at a time end in the same place.
    auto db2 = memory_store();
    REQUIRE(db2->insert_run(a));
    REQUIRE(db2->insert_run(b));
    for (std::size_t i = 0; i < batch.size(); ++i) {
        CHECK(db2->update_run(batch[i]).has_value() == (*out)[i].ok());
    }
    CHECK(db2->get_run("a").value() == db->get_run("a").value());
    CHECK(db2->get_run("b").value() == db->get_run("b").value());
}

TEST_CASE("update_runs failing midway writes none of a run's rows", "[store]") {
    auto db = memory_store();
    auto a = make_run("a", "cfg-a", run_status::scheduled);
    REQUIRE(db->insert_run(a));
    auto started = a;
    started.status = run_status::in_progress;
    auto done = started;
    done.status = run_status::completed;
    std::vector<scheduler::job_run> batch{started, done};
    {
        fail_at fault("update_runs.run");  // after the in_progress row was accepted
        REQUIRE_FALSE(db->update_runs(batch));
    }
    CHECK(db->get_run("a").value() == a);
}

TEST_CASE("update_runs of an empty batch succeeds", "[store]") {
    auto db = memory_store();
    auto out = db->update_runs({});
    REQUIRE(out);
    CHECK(out->empty());
}
