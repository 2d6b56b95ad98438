// SPDX-License-Identifier: Apache-2.0
// operation_registry: name -> operation, guarded by a shared_mutex so lookups from workers and
// HTTP sessions run concurrently while plugins register at start-up.
#include <scheduler/operation.hpp>

#include <mutex>

namespace scheduler {

result<void> operation_registry::add(operation_info op) {
    if (op.name.empty()) return invalid_argument("name", "operation name is empty");
    if (!op.run) return invalid_argument("run", "operation '" + op.name + "' has no handler");
    std::unique_lock lock(mutex_);
    if (ops_.contains(op.name)) {
        return status{code::already_exists, "operation '" + op.name + "' is already registered",
                      "name"};
    }
    auto name = op.name;
    ops_.emplace(std::move(name), std::make_shared<operation_info const>(std::move(op)));
    return {};
}

std::shared_ptr<operation_info const> operation_registry::find(std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto it = ops_.find(name);
    return it == ops_.end() ? nullptr : it->second;
}

std::vector<std::string> operation_registry::names() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    out.reserve(ops_.size());
    for (auto const& entry : ops_) out.push_back(entry.first);  // std::map: already sorted
    return out;
}

std::shared_ptr<operation_info const> operation_registry::find_by_params_field(
    std::string_view field) const {
    std::shared_lock lock(mutex_);
    for (auto const& entry : ops_) {
        if (!entry.second->params_field.empty() && entry.second->params_field == field) {
            return entry.second;
        }
    }
    return nullptr;
}

}  // namespace scheduler
