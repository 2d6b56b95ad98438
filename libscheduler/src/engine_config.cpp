// SPDX-License-Identifier: Apache-2.0
// Configurations through the engine: create, patch (DESIGN.md §2: immutable name/operation,
// params merged key by key, "" clears the optional durations), and the next-runs preview.
#include <scheduler/engine.hpp>

#include "engine_impl.hpp"
#include "uuid.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

namespace scheduler {

namespace {

/// Params keys that a PATCH clears by sending "" (DESIGN.md §2).
constexpr std::array<std::string_view, 3> clearable_params{"expiration", "expire_in",
                                                           "rotation_after"};

/// Merges the JSON object `patch` into the JSON object `stored`, key by key.
result<std::string> merge_params(std::string const& stored,
                                 std::string const& patch,
                                 std::string const& field) {
    boost::system::error_code ec;
    auto base = boost::json::parse(stored.empty() ? "{}" : stored, ec);
    if (ec || !base.is_object()) base = boost::json::object{};
    auto delta = boost::json::parse(patch, ec);
    if (ec || !delta.is_object()) return invalid_argument(field, "params must be a JSON object");
    auto& out = base.as_object();
    for (auto const& [key, value] : delta.as_object()) {
        bool clears = value.is_string() && value.as_string().empty() &&
                      std::find(clearable_params.begin(), clearable_params.end(),
                                std::string_view(key)) != clearable_params.end();
        if (clears) {
            out.erase(key);
        } else {
            out[key] = value;
        }
    }
    return boost::json::serialize(out);
}

/// Immutable fields: a different non-empty value is refused, empty or equal is ignored.
result<void> check_immutable(std::optional<std::string> const& sent,
                             std::string const& stored,
                             char const* field) {
    if (sent && !sent->empty() && *sent != stored) {
        return invalid_argument(field, std::string(field) + " cannot be changed");
    }
    return {};
}

/// True when the patch touches anything that decides when the config fires.
bool touches_schedule(job_config_patch const& p) {
    return p.run_at || p.time_zone || p.start_date || p.end_date || p.disabled || p.jitter ||
           p.run_on;
}

}  // namespace

result<void> engine::impl::validate_all(job_config& c) {
    if (c.run_on.empty()) c.run_on = "any";
    if (auto r = validate(c); !r) return r;
    auto op = ops_.find(c.operation);
    if (!op) return invalid_argument("operation", "unknown operation '" + c.operation + "'");
    if (op->validate) {
        auto normalized = op->validate(c.params);
        if (!normalized) return normalized.error();
        c.params = std::move(*normalized);
    }
    return {};
}

result<std::optional<time_point>> engine::impl::first_fire(job_config const& c, time_point now) {
    if (c.disabled) return std::optional<time_point>{};
    auto s = schedules_.get(c);
    if (!s) return s.error();
    return s->next_fire(now);
}

result<job_config> engine::impl::create_config(job_config c) {
    if (auto r = validate_all(c); !r) return r.error();
    auto const now = clock_.now();
    c.id = detail::make_uuid_v7();
    c.created_at = c.updated_at = now;
    c.last_run_at.reset();
    auto next = first_fire(c, now);
    if (!next) return next.error();
    c.next_run_at = *next;
    {
        std::lock_guard lock(schedule_mu_);
        if (auto r = store_.insert_config(c); !r) return r.error();
        ++config_generation_;
    }
    wake();
    return c;
}

namespace {

/// Applies every present member of `p` except name/operation/params to `c`.
void apply_fields(job_config& c, job_config_patch const& p) {
    if (p.description) c.description = *p.description;
    if (p.run_at) c.run_at = *p.run_at;
    if (p.run_on) c.run_on = p.run_on->empty() ? "any" : *p.run_on;
    if (p.time_zone) c.time_zone = *p.time_zone;
    if (p.start_date) c.start_date = *p.start_date;
    if (p.end_date) c.end_date = *p.end_date;
    if (p.disabled) c.disabled = *p.disabled;
    if (p.overlap) c.overlap = *p.overlap;
    if (p.misfire) c.misfire = *p.misfire;
    if (p.misfire_grace) c.misfire_grace = *p.misfire_grace;
    if (p.timeout) c.timeout = *p.timeout;
    if (p.jitter) c.jitter = *p.jitter;
}

}  // namespace

result<job_config> engine::impl::patch_config(std::string_view id, job_config_patch const& p) {
    job_config c;
    {
        std::lock_guard lock(schedule_mu_);
        auto stored = store_.get_config(id);
        if (!stored) return stored.error();
        if (auto r = check_immutable(p.name, stored->name, "name"); !r) return r.error();
        if (auto r = check_immutable(p.operation, stored->operation, "operation"); !r) {
            return r.error();
        }
        c = *stored;
        apply_fields(c, p);
        if (p.params) {
            auto op = ops_.find(c.operation);
            auto field = op && !op->params_field.empty() ? op->params_field : std::string("params");
            auto merged = merge_params(c.params, *p.params, field);
            if (!merged) return merged.error();
            c.params = std::move(*merged);
        }
        if (auto r = validate_all(c); !r) return r.error();
        auto const now = clock_.now();
        // Keep a pending fire unless the schedule itself changed: a patch of the description
        // must not drop a fire the loop has not claimed yet.
        if (touches_schedule(p)) {
            auto next = first_fire(c, now);
            if (!next) return next.error();
            c.next_run_at = *next;
        }
        // updated_at moves on every successful patch, even twice in one clock tick.
        c.updated_at = std::max(now, stored->updated_at + std::chrono::microseconds{1});
        if (auto r = store_.update_config(c); !r) return r.error();
        ++config_generation_;
    }
    if (touches_schedule(p)) wake();
    return c;
}

result<std::vector<time_point>> engine::impl::next_runs(std::string_view id, std::size_t count) {
    if (count < 1 || count > 100) return invalid_argument("count", "count must be 1..100");
    auto c = store_.get_config(id);
    if (!c) return c.error();
    auto s = schedules_.get(*c);
    if (!s) return s.error();
    // A preview of the schedule: the window applies, `disabled` does not (it is a switch the
    // user may be about to flip).
    std::vector<time_point> out;
    auto t = s->next_fire(clock_.now());
    while (t && out.size() < count) {
        out.push_back(*t);
        t = s->next_fire(*t);
    }
    return out;
}

}  // namespace scheduler
