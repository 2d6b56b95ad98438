// SPDX-License-Identifier: Apache-2.0
// The library objects the handlers call. Owned by the server; handlers hold references only.
#pragma once

#include <scheduler/engine.hpp>
#include <scheduler/operation.hpp>
#include <scheduler/store.hpp>

#include <string>

namespace schedulerd {

struct services {
    scheduler::engine& engine;
    scheduler::operation_registry& operations;
    scheduler::store& store;
    std::string node_id;
};

}  // namespace schedulerd
