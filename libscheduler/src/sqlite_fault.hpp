// SPDX-License-Identifier: Apache-2.0
// Private: a fault-injection point for tests of sqlite_store. Multi-step writes call
// `sqlite_fault_point("name")` between their steps; a test installs a hook that throws at a
// chosen point to prove that a write failing midway leaves nothing behind. The hook is
// thread-local so tests cannot disturb each other and production code never sees one.
#pragma once

#include <functional>
#include <string_view>

namespace scheduler::detail {

/// Called with the name of each fault point reached on this thread; may throw.
using sqlite_fault_hook = std::function<void(std::string_view point)>;

/// Installs (or, with an empty function, removes) this thread's hook.
void set_sqlite_fault_hook(sqlite_fault_hook hook);

/// Runs this thread's hook, if any. Fault points: "insert_config", "update_config",
/// "claim_fires.claim" (after each claim), "update_run", "update_runs.run" (after each row),
/// "prune_runs".
void sqlite_fault_point(std::string_view point);

}  // namespace scheduler::detail
