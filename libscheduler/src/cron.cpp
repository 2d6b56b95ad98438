// SPDX-License-Identifier: Apache-2.0
// Placeholder so the library links while the cron engine is written; replaced wholesale.
#include <scheduler/cron.hpp>

#include <date/tz.h>

namespace scheduler {

result<date::time_zone const*> locate_zone(std::string_view name, std::string_view field) {
    try {
        return date::locate_zone(name);
    } catch (std::exception const&) {
        return invalid_argument(std::string(field), "unknown time zone '" + std::string(name) + "'");
    }
}

result<cron_expr> cron_expr::parse(std::string_view) {
    return status{code::unimplemented, "cron parsing is not built yet", "run_at"};
}

std::optional<time_point> cron_expr::next_after(time_point, date::time_zone const*) const {
    return std::nullopt;
}

cron_expr::range cron_expr::fire_times(time_point after, date::time_zone const* zone) const {
    return {this, zone, after};
}

cron_expr::iterator::iterator(cron_expr const* expr, date::time_zone const* zone, time_point after)
    : expr_(expr), zone_(zone), current_(expr->next_after(after, zone)) {}

cron_expr::iterator& cron_expr::iterator::operator++() {
    current_ = expr_->next_after(*current_, zone_);
    return *this;
}

}  // namespace scheduler
