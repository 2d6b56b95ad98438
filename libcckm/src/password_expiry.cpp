// SPDX-License-Identifier: Apache-2.0
// user_password_expiry_notification (seeds/000, DESIGN.md §8): finds the users whose password
// expires within the policy window, or has expired, and hands one notice per user to the
// notifier, retrying transient failures with backoff and checking cancellation between users.
// A daily job therefore reminds a user every day of the window until the password changes,
// as the reference's system job does. Nothing secret is read: the user source gives ids,
// names and dates only.
#include "operations_handlers.hpp"
#include "provider_retry.hpp"

#include <cckm/notifier.hpp>
#include <scheduler/duration.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace cckm::handlers {

namespace json = boost::json;
using scheduler::code;
using scheduler::result;
using scheduler::time_point;

namespace {

struct user_report {
    std::string id;
    std::string username;
    std::string status;  ///< notified | failed | not_started
    std::string error;
    time_point expires_at{};
    int attempts = 0;
};

struct notify_report {
    std::vector<user_report> users;
    std::int64_t num_notified = 0, num_skipped = 0, num_failed = 0, num_not_started = 0;

    void add(user_report r) {
        if (r.status == "notified")
            ++num_notified;
        else if (r.status == "not_started")
            ++num_not_started;
        else
            ++num_failed;  // failed, cancelled
        users.push_back(std::move(r));
    }

    [[nodiscard]] std::string json_text(std::size_t total) const {
        json::array out;
        for (auto const& u : users) {
            json::object o{{"id", u.id},
                           {"username", u.username},
                           {"result", u.status},
                           {"message", u.error},
                           {"expires_at", scheduler::format_rfc3339(u.expires_at, false)}};
            if (u.attempts > 1) o["attempts"] = u.attempts;
            out.push_back(std::move(o));
        }
        return json::serialize(json::object{{"total_users", static_cast<std::int64_t>(total)},
                                            {"num_notified", num_notified},
                                            {"num_skipped", num_skipped},
                                            {"num_failed", num_failed},
                                            {"num_not_started", num_not_started},
                                            {"users", std::move(out)}});
    }
};

// The params override the environment's policy. They were validated when the config was
// saved; a bad value here is a stored config from an older validator, reported as such.
result<password_expiry_policy> read_policy(std::string_view text, password_expiry_policy p) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return scheduler::invalid_argument("params", "not a JSON object");
    for (auto [key, slot] : {std::pair{"password_max_age", &p.max_age},
                             std::pair{"notify_before", &p.notify_before}}) {
        auto const* s = v.as_object().if_contains(key);
        if (!s || !s->is_string() || s->as_string().empty()) continue;
        auto d = scheduler::duration::parse(s->as_string(), key);
        if (!d) return d.error();
        *slot = std::chrono::duration_cast<std::chrono::hours>(d->value());
    }
    return p;
}

user_report notify_one(scheduler::operation_context& ctx,
                       notifier& sink,
                       password_user const& u,
                       time_point expires_at) {
    user_report r{u.id, u.username, "notified", {}, expires_at, 0};
    password_expiry_notice notice{u.id,
                                  u.username,
                                  u.password_changed_at,
                                  expires_at,
                                  expires_at <= ctx.clock().now(),
                                  ctx.run().id,
                                  ctx.run().job_config_id};
    auto sent = detail::call_with_retry(ctx, r.attempts, [&] { return sink.notify(notice); });
    if (!sent) {
        r.status = sent.error().error_code() == code::cancelled ? "cancelled" : "failed";
        r.error = std::string(scheduler::to_string(sent.error().error_code())) + ": " +
                  sent.error().message();
    }
    return r;
}

}  // namespace

scheduler::operation_result run_password_expiry(scheduler::operation_context& ctx,
                                                operation_environment const& env) {
    if (!env.password_users || !env.password_notifier)
        return failed(
            "user_password_expiry_notification: this process has no user source or "
            "notifier");
    auto policy = read_policy(ctx.params(), env.password_policy);
    if (!policy) return failed("user_password_expiry_notification: " + policy.error().to_string());
    auto users = env.password_users();
    if (!users) return failed("user_password_expiry_notification: " + users.error().to_string());

    notify_report report;
    bool cancelled = false;
    auto const now = ctx.clock().now();
    for (auto const& u : *users) {
        auto const expires_at = u.password_changed_at + policy->max_age;
        if (expires_at > now + policy->notify_before) {
            ++report.num_skipped;
            continue;
        }
        if (cancelled || ctx.cancelled()) {
            cancelled = true;
            report.add({u.id, u.username, "not_started", {}, expires_at, 0});
            continue;
        }
        auto r = notify_one(ctx, *env.password_notifier, u, expires_at);
        cancelled = r.status == "cancelled";
        report.add(std::move(r));
        ctx.report_progress(report.json_text(users->size()));
    }

    auto details = report.json_text(users->size());
    auto const due = std::to_string(report.users.size());
    if (cancelled)
        return {scheduler::run_status::aborted, std::move(details),
                "cancelled after " +
                    std::to_string(report.users.size() -
                                   static_cast<std::size_t>(report.num_not_started)) +
                    " of " + due + " users to notify"};
    if (report.num_failed > 0)
        return failed(
            std::to_string(report.num_failed) + " of " + due + " users could not be notified",
            std::move(details));
    return {scheduler::run_status::completed, std::move(details), {}};
}

}  // namespace cckm::handlers
