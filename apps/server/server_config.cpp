// SPDX-License-Identifier: Apache-2.0
// The JSON config file (--config FILE) and the e2e test operation.
#include "server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <functional>
#include <sstream>

namespace schedulerd {

namespace json = boost::json;
using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

using setter = std::function<bool(json::value const&)>;

/// A setter for an integer member (values < `min` refused).
template <class T>
setter int_member(T& target, std::int64_t min = 0) {
    return [&target, min](json::value const& v) {
        if (!v.is_int64() || v.as_int64() < min) return false;
        target = static_cast<T>(v.as_int64());
        return true;
    };
}

template <class Duration>
setter duration_member(Duration& target) {
    return [&target](json::value const& v) {
        if (!v.is_int64() || v.as_int64() < 1) return false;
        target = Duration(v.as_int64());
        return true;
    };
}

result<void> apply(json::object const& o,
                   std::map<std::string, setter, std::less<>> const& setters,
                   std::string const& prefix) {
    for (auto const& [key, value] : o) {
        auto it = setters.find(key);
        std::string name = prefix + std::string(key);
        if (it == setters.end()) return scheduler::invalid_argument(name, "unknown setting");
        if (!it->second(value))
            return scheduler::invalid_argument(name, "wrong type or out of range");
    }
    return {};
}

std::map<std::string, setter, std::less<>> limit_setters(server_limits& l) {
    return {{"body_limit", int_member(l.body_limit, 1)},
            {"header_limit", int_member(l.header_limit, 1024)},
            {"read_timeout_ms", duration_member(l.read_timeout)},
            {"idle_timeout_ms", duration_member(l.idle_timeout)},
            {"write_timeout_ms", duration_member(l.write_timeout)},
            {"handshake_timeout_ms", duration_member(l.handshake_timeout)},
            {"pipeline_limit", int_member(l.pipeline_limit, 1)},
            {"max_requests_per_connection", int_member(l.max_requests_per_connection, 1)},
            {"max_connections", int_member(l.max_connections, 1)},
            {"io_threads", int_member(l.io_threads, 1)},
            {"shutdown_grace_ms", duration_member(l.shutdown_grace)}};
}

std::map<std::string, setter, std::less<>> auth_setters(auth_settings& a) {
    return {{"pbkdf2_iterations", int_member(a.pbkdf2_iterations, 1)},
            {"token_lifetime_s", duration_member(a.token_lifetime)},
            {"refresh_lifetime_s", duration_member(a.refresh_lifetime)},
            {"max_failed_logins", int_member(a.max_failed_logins, 1)},
            {"failure_window_s", duration_member(a.failure_window)},
            {"lockout_base_s", duration_member(a.lockout_base)},
            {"lockout_max_s", duration_member(a.lockout_max)}};
}

}  // namespace

result<void> load_config_file(std::string const& path, server_config& cfg) {
    std::ifstream in(path);
    if (!in) return status{code::invalid_argument, "cannot read config file " + path, "config"};
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto v = json::parse(text.str(), ec);
    if (ec || !v.is_object())
        return status{code::invalid_argument, path + " is not a JSON object", "config"};
    auto const& o = v.as_object();
    if (auto const* l = o.if_contains("limits"); l && l->is_object())
        if (auto ok = apply(l->as_object(), limit_setters(cfg.limits), "limits."); !ok) return ok;
    if (auto const* a = o.if_contains("auth"); a && a->is_object())
        if (auto ok = apply(a->as_object(), auth_setters(cfg.auth), "auth."); !ok) return ok;
    std::map<std::string, setter, std::less<>> top{
        {"limits", [](json::value const& x) { return x.is_object(); }},
        {"auth", [](json::value const& x) { return x.is_object(); }},
        {"workers", int_member(cfg.workers, 1)},
        {"node_id", [&cfg](json::value const& x) {
             if (!x.is_string() || x.as_string().empty()) return false;
             cfg.node_id = std::string(x.as_string());
             return true;
         }}};
    return apply(o, top, "");
}

result<void> register_test_operations(scheduler::operation_registry& registry) {
    scheduler::operation_info op;
    op.name = "test_sleep";
    op.params_field = "test_sleep_params";
    op.validate = [](std::string_view params) -> result<std::string> {
        boost::system::error_code ec;
        auto v = json::parse(params, ec);
        auto const* o = ec ? nullptr : v.if_object();
        auto const* s = o ? o->if_contains("seconds") : nullptr;
        if (!s || !s->is_number() || s->to_number<double>() < 0 || s->to_number<double>() > 3600)
            return scheduler::invalid_argument("test_sleep_params.seconds",
                                               "a number of seconds, 0..3600");
        return std::string(params);
    };
    op.run = [](scheduler::operation_context& ctx) {
        auto seconds = json::parse(ctx.params()).at("seconds").to_number<double>();
        auto total = std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
        constexpr auto step =
            std::chrono::microseconds(100'000);  // cancellation is seen within 0.1 s
        for (std::chrono::microseconds done{0}; done < total; done += step) {
            if (ctx.cancelled() || !ctx.wait_for(std::min(step, total - done)))
                return scheduler::operation_result{scheduler::run_status::aborted, "{}",
                                                   "cancelled"};
        }
        return scheduler::operation_result{
            scheduler::run_status::completed,
            json::serialize(json::object{{"slept_seconds", seconds}}), ""};
    };
    return registry.add(std::move(op));
}

}  // namespace schedulerd
