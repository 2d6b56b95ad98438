// SPDX-License-Identifier: Apache-2.0
// Routes of the scheduler API (seeds/000 plus the extensions of DESIGN.md §2/§3): reads for any
// signed-in user, writes for Scheduler Admins (and admin).
#include "handlers/handlers.hpp"
#include "handlers/scheduler_handlers.hpp"

namespace schedulerd {

void register_scheduler_routes(router& r, services& s) {
    using http::verb;
    namespace api = scheduler_api;
    auto bind = [&s](response (*fn)(services&, request_context&)) {
        return [&s, fn](request_context& ctx) { return fn(s, ctx); };
    };
    std::string const configs = "/api/v1/scheduler/job-configs";
    std::string const config = configs + "/{id}";
    std::string const jobs = "/api/v1/scheduler/jobs";
    std::string const job = jobs + "/{id}";

    r.add(verb::post, configs, access::scheduler_admin, bind(api::create_config));
    r.add(verb::get, configs, access::signed_in, bind(api::list_configs));
    r.add(verb::get, config, access::signed_in, bind(api::get_config));
    r.add(verb::patch, config, access::scheduler_admin, bind(api::patch_config));
    r.add(verb::delete_, config, access::scheduler_admin, bind(api::delete_config));
    r.add(verb::post, config + "/run-now", access::scheduler_admin, bind(api::run_now));
    r.add(verb::get, config + "/next-runs", access::signed_in, bind(api::next_runs));

    r.add(verb::get, jobs, access::signed_in, bind(api::list_runs));
    r.add(verb::get, job, access::signed_in, bind(api::get_run));
    r.add(verb::delete_, job, access::scheduler_admin, bind(api::delete_run));
    r.add(verb::post, job + "/cancel", access::scheduler_admin, bind(api::cancel_run));
}

}  // namespace schedulerd
