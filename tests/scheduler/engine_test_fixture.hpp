// SPDX-License-Identifier: Apache-2.0
// Shared set-up of the engine tests: a store (in-memory or SQLite ":memory:"), a manual clock,
// a manual executor, a recording observer and a "noop" operation whose behaviour a test sets.
#pragma once

#include "support/in_memory_store.hpp"
#include "support/manual_executor.hpp"
#include "support/recording_observer.hpp"

#include <scheduler/engine.hpp>
#include <scheduler/sqlite_store.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace scheduler::test {

inline time_point at(char const* rfc3339) {
    return parse_rfc3339(rfc3339).value();
}

/// One engine over one store; restart() builds a new engine on the same store (a new process).
struct engine_harness {
    explicit engine_harness(std::string const& store_kind = "memory", engine_options o = {})
        : clock(at("2026-03-02T10:00:00Z")), options(std::move(o)) {
        if (store_kind == "sqlite") {
            store = sqlite_store::open(":memory:").value();
        } else {
            store = std::make_unique<in_memory_store>();
        }
        ops.add({.name = "noop",
                 .params_field = "noop_params",
                 .validate = [](std::string_view p) -> result<std::string> {
                     if (p.find("\"bad\"") != std::string_view::npos) {
                         return invalid_argument("noop_params.bad", "bad is not allowed");
                     }
                     return std::string(p);
                 },
                 .run =
                     [this](operation_context& ctx) {
                         ++calls;
                         return behaviour ? behaviour(ctx) : operation_result{};
                     }})
            .value();
        options.executor = exec.executor();
        options.observer = &obs;
        eng = std::make_unique<engine>(*store, ops, clock, options);
    }

    /// A valid config of the noop operation.
    [[nodiscard]] static job_config config(std::string name, std::string run_at) {
        job_config c;
        c.name = std::move(name);
        c.operation = "noop";
        c.run_at = std::move(run_at);
        return c;
    }

    /// Destroys the engine (queued tasks become no-ops) and starts a new one on the same store.
    void restart() {
        eng.reset();
        eng = std::make_unique<engine>(*store, ops, clock, options);
    }

    /// Runs of a config, oldest first.
    [[nodiscard]] std::vector<job_run> runs_of(std::string const& config_id) const {
        run_query q;
        q.job_config_id = config_id;
        q.limit = -1;
        q.sort = {{"createdAt", false}};
        return store->list_runs(q).value().items;
    }

    std::unique_ptr<scheduler::store> store;
    manual_clock clock;
    operation_registry ops;
    manual_executor exec;
    recording_observer obs;
    engine_options options;
    std::function<operation_result(operation_context&)> behaviour;
    std::atomic<int> calls{0};
    std::unique_ptr<engine> eng;
};

}  // namespace scheduler::test
