// SPDX-License-Identifier: Apache-2.0
#include <scheduler/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

namespace scheduler {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- rendering

void put_time(json::object& o, std::string_view key, time_point t) {
    o[key] = format_rfc3339(t);
}

void put_time(json::object& o, std::string_view key, std::optional<time_point> const& t) {
    if (t) put_time(o, key, *t);
}

// The stored params are a JSON object text written by the validator; render it as an object.
// A corrupt row must not take a whole list down, so anything else renders as {}.
json::value params_value(std::string const& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !(v.is_object() || v.is_array())) return json::object{};
    return v;
}

void put_envelope(json::object& o,
                  std::string const& id,
                  std::string_view uri_prefix,
                  std::string const& account,
                  time_point created,
                  time_point updated) {
    o["id"] = id;
    o["uri"] = std::string(uri_prefix) + id;
    o["account"] = account;
    o["application"] = resource_application;
    o["devAccount"] = resource_dev_account;
    put_time(o, "createdAt", created);
    put_time(o, "updatedAt", updated);
}

// ---------------------------------------------------------------- reading helpers

status wrong_type(std::string_view field, std::string_view expected) {
    return invalid_argument(std::string(field), "must be " + std::string(expected));
}

json::value const* find(json::object const& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
}

// absent or null -> nullopt; string -> value; anything else -> error naming the field.
result<std::optional<std::string>> read_string(json::object const& o, std::string_view key) {
    json::value const* v = find(o, key);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) return wrong_type(key, "a string");
    return std::optional<std::string>{std::string(v->get_string())};
}

result<std::optional<bool>> read_bool(json::object const& o, std::string_view key) {
    json::value const* v = find(o, key);
    if (!v || v->is_null()) return std::optional<bool>{};
    if (v->is_bool()) return std::optional<bool>{v->get_bool()};
    if (v->is_string()) {
        auto b = parse_bool_text(v->get_string(), key);
        if (!b) return b.error();
        return std::optional<bool>{*b};
    }
    return wrong_type(key, "a boolean");
}

// Old clients send Go's zero time for "no date" (cckm-api-notes §4.2).
bool is_zero_time(std::string_view s) {
    constexpr std::string_view zero = "0001-01-01T00:00:00";
    if (s.size() < zero.size()) return false;
    for (std::size_t i = 0; i < zero.size(); ++i) {
        char const c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
        if (c != zero[i]) return false;
    }
    return true;
}

// absent -> nullopt; null, "", zero time -> present but none; else RFC 3339.
using date_field = std::optional<std::optional<time_point>>;
result<date_field> read_date(json::object const& o, std::string_view key) {
    json::value const* v = find(o, key);
    if (!v) return date_field{};
    if (v->is_null()) return date_field{std::optional<time_point>{}};
    if (!v->is_string()) return wrong_type(key, "an RFC 3339 time string");
    std::string_view s = v->get_string();
    if (s.empty() || is_zero_time(s)) return date_field{std::optional<time_point>{}};
    auto t = parse_rfc3339(s, key);
    if (!t) return t.error();
    return date_field{std::optional<time_point>{*t}};
}

// absent -> nullopt; null or "" -> present but unset; else "<n><unit>".
using duration_field = std::optional<std::optional<duration>>;
result<duration_field> read_duration(json::object const& o, std::string_view key) {
    auto s = read_string(o, key);
    if (!s) return s.error();
    if (!find(o, key)) return duration_field{};
    if (!*s || (*s)->empty()) return duration_field{std::optional<duration>{}};
    auto d = duration::parse(**s, key, duration::all);
    if (!d) return d.error();
    return duration_field{std::optional<duration>{*d}};
}

// ---------------------------------------------------------------- params blocks

// Other spellings clients use for a block (seeds/000 once writes cckm_database_backup_params).
std::string_view canonical_params_field(std::string_view key) {
    if (key == "cckm_database_backup_params") return "database_backup_params";
    return key;
}

// Finds the params block for `op` in the body. Returns the block as JSON text, nullopt when no
// block (or only null blocks) was sent. A non-null block of another operation is refused.
result<std::optional<std::string>> read_params(json::object const& body,
                                               operation_registry const& ops,
                                               operation_info const& op) {
    json::value const* chosen = nullptr;
    std::string_view chosen_key;
    for (auto const& [key_sv, value] : body) {
        std::string_view const key = key_sv;
        std::string_view const canonical = canonical_params_field(key);
        if (canonical == op.params_field) {
            if (value.is_null()) continue;
            chosen = &value;
            chosen_key = key;
            continue;
        }
        if (value.is_null()) continue;
        auto other = ops.find_by_params_field(canonical);
        if (other && other->name != op.name) {
            return invalid_argument(std::string(key), "is the params block of operation '" +
                                                          other->name + "'; operation '" + op.name +
                                                          "' takes '" + op.params_field + "'");
        }
    }
    if (!chosen) {
        // A resource from GET posted back carries its params as job_config_params.
        json::value const* alias = find(body, "job_config_params");
        if (alias && !alias->is_null()) {
            chosen = alias;
            chosen_key = "job_config_params";
        }
    }
    if (!chosen) return std::optional<std::string>{};
    if (!chosen->is_object()) return wrong_type(chosen_key, "a JSON object");
    return std::optional<std::string>{json::serialize(*chosen)};
}

result<std::shared_ptr<operation_info const>> find_operation(operation_registry const& ops,
                                                             std::string const& name) {
    if (name.empty()) return invalid_argument("operation", "must not be empty");
    auto op = ops.find(name);
    if (op) return op;
    std::string known;
    for (auto const& n : ops.names()) {
        if (!known.empty()) known += ", ";
        known += n;
    }
    return invalid_argument(
        "operation", "unknown operation '" + name.substr(0, 64) + "' (known: " + known + ")");
}

// Reads the fields create and PATCH share, into the patch shape; create then applies it.
result<void> read_common(json::object const& o, job_config_patch& p) {
    auto description = read_string(o, "description");
    if (!description) return description.error();
    p.description = *description;

    auto run_at = read_string(o, "run_at");
    if (!run_at) return run_at.error();
    if (*run_at && !(*run_at)->empty()) p.run_at = *run_at;

    auto run_on = read_string(o, "run_on");
    if (!run_on) return run_on.error();
    if (*run_on) p.run_on = (*run_on)->empty() ? std::string("any") : **run_on;

    auto zone = read_string(o, "time_zone");
    if (!zone) return zone.error();
    if (*zone) p.time_zone = (*zone)->empty() ? std::string("UTC") : **zone;

    auto start = read_date(o, "start_date");
    if (!start) return start.error();
    p.start_date = *start;
    auto end = read_date(o, "end_date");
    if (!end) return end.error();
    p.end_date = *end;

    auto disabled = read_bool(o, "disabled");
    if (!disabled) return disabled.error();
    p.disabled = *disabled;

    auto overlap = read_string(o, "overlap_policy");
    if (!overlap) return overlap.error();
    if (*overlap && !(*overlap)->empty()) {
        auto v = parse_overlap_policy(**overlap, "overlap_policy");
        if (!v) return v.error();
        p.overlap = *v;
    }
    auto misfire = read_string(o, "misfire_policy");
    if (!misfire) return misfire.error();
    if (*misfire && !(*misfire)->empty()) {
        auto v = parse_misfire_policy(**misfire, "misfire_policy");
        if (!v) return v.error();
        p.misfire = *v;
    }

    auto grace = read_duration(o, "misfire_grace");
    if (!grace) return grace.error();
    if (*grace && **grace) p.misfire_grace = ***grace;
    auto timeout = read_duration(o, "timeout");
    if (!timeout) return timeout.error();
    p.timeout = *timeout;
    auto jitter = read_duration(o, "jitter");
    if (!jitter) return jitter.error();
    p.jitter = *jitter;
    return {};
}

// An immutable text field of PATCH: empty is ignored, equal is a no-op, different is refused.
result<void> check_immutable(std::optional<std::string> const& sent,
                             std::string const& stored,
                             std::string_view field) {
    if (!sent || sent->empty() || *sent == stored) return {};
    return invalid_argument(std::string(field),
                            "cannot be changed after create (is '" + stored.substr(0, 64) + "')");
}

// PATCH params: a blank cloud_name is dropped (old Terraform blanks it), a different one is
// refused, since the cloud of a config is fixed at create.
result<std::string> check_patch_params(std::string const& block,
                                       std::string const& stored_params,
                                       std::string const& block_field) {
    json::value v = json::parse(block);  // our own serialization: cannot fail
    json::object& o = v.as_object();
    json::value const* sent = find(o, "cloud_name");
    if (sent && (sent->is_null() || (sent->is_string() && sent->get_string().empty()))) {
        o.stable_erase("cloud_name");
    } else if (sent && sent->is_string()) {
        json::value stored = params_value(stored_params);
        json::value const* was =
            stored.is_object() ? find(stored.as_object(), "cloud_name") : nullptr;
        if (was && was->is_string() && was->get_string() != sent->get_string()) {
            return invalid_argument(
                block_field + ".cloud_name",
                "cannot be changed after create (is '" + std::string(was->get_string()) + "')");
        }
    }
    return json::serialize(v);
}

result<json::object const*> body_object(json::value const& body) {
    if (!body.is_object()) return invalid_argument("", "request body must be a JSON object");
    return &body.as_object();
}

}  // namespace

// ---------------------------------------------------------------- public

void tag_invoke(json::value_from_tag, json::value& jv, job_config const& c) {
    json::object o;
    put_envelope(o, c.id, config_uri_prefix, c.account, c.created_at, c.updated_at);
    o["name"] = c.name;
    o["description"] = c.description;
    o["operation"] = c.operation;
    o["run_at"] = c.run_at;
    o["run_on"] = c.run_on;
    o["disabled"] = c.disabled;
    put_time(o, "start_date", c.start_date);
    put_time(o, "end_date", c.end_date);
    o["job_config_params"] = params_value(c.params);
    o["time_zone"] = c.time_zone;
    o["overlap_policy"] = to_string(c.overlap);
    o["misfire_policy"] = to_string(c.misfire);
    o["misfire_grace"] = c.misfire_grace.text();
    if (c.timeout) o["timeout"] = c.timeout->text();
    if (c.jitter) o["jitter"] = c.jitter->text();
    put_time(o, "next_run_at", c.next_run_at);
    put_time(o, "last_run_at", c.last_run_at);
    jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, job_run const& r) {
    json::object o;
    put_envelope(o, r.id, run_uri_prefix, r.account, r.created_at, r.updated_at);
    o["name"] = r.name;
    o["job_config_id"] = r.job_config_id;
    o["description"] = r.description;
    o["operation"] = r.operation;
    o["job_config_params"] = params_value(r.params);
    put_time(o, "enqueued_at", r.enqueued_at);
    o["status"] = to_string(r.status);
    o["processing_node"] = r.processing_node;
    json::object inner;
    inner["job_id"] = r.id;
    inner["job_config_id"] = r.job_config_id;
    inner["name"] = r.name;
    inner["operation"] = r.operation;
    inner["status"] = to_string(r.status);
    inner["details"] = params_value(r.details);
    o["details"] = std::move(inner);
    o["trigger"] = to_string(r.trigger);
    put_time(o, "scheduled_for", r.scheduled_for);
    put_time(o, "started_at", r.started_at);
    put_time(o, "completed_at", r.completed_at);
    if (!r.error.empty()) o["error"] = r.error;
    jv = std::move(o);
}

result<json::value> parse_json(std::string_view text) {
    bool const blank = std::all_of(text.begin(), text.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) != 0;
    });
    if (blank) return json::value(json::object{});
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return invalid_argument("", "malformed JSON: " + ec.message());
    return v;
}

result<bool> parse_bool_text(std::string_view text, std::string_view field) {
    std::string lower(text.substr(0, 8));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text.size() <= 8 && lower == "true") return true;
    if (text.size() <= 8 && lower == "false") return false;
    return invalid_argument(std::string(field), "must be a boolean (true or false)");
}

result<job_config> job_config_from_json(json::value const& body, operation_registry const& ops) {
    auto obj = body_object(body);
    if (!obj) return obj.error();
    json::object const& o = **obj;

    job_config c;
    auto name = read_string(o, "name");
    if (!name) return name.error();
    c.name = name->value_or("");
    auto operation = read_string(o, "operation");
    if (!operation) return operation.error();
    c.operation = operation->value_or("");
    auto op = find_operation(ops, c.operation);
    if (!op) return op.error();

    // run_at is required; an empty one must reach validation (which names it), so read it here
    // rather than through read_common, which ignores a blank run_at for PATCH's sake.
    auto run_at = read_string(o, "run_at");
    if (!run_at) return run_at.error();
    c.run_at = run_at->value_or("");

    job_config_patch p;
    if (auto r = read_common(o, p); !r) return r.error();
    if (p.description) c.description = *p.description;
    if (p.run_on) c.run_on = *p.run_on;
    if (p.time_zone) c.time_zone = *p.time_zone;
    if (p.start_date) c.start_date = *p.start_date;
    if (p.end_date) c.end_date = *p.end_date;
    if (p.disabled) c.disabled = *p.disabled;
    if (p.overlap) c.overlap = *p.overlap;
    if (p.misfire) c.misfire = *p.misfire;
    if (p.misfire_grace) c.misfire_grace = *p.misfire_grace;
    if (p.timeout) c.timeout = *p.timeout;
    if (p.jitter) c.jitter = *p.jitter;

    auto params = read_params(o, ops, **op);
    if (!params) return params.error();
    if (*params) c.params = **params;
    return c;
}

result<job_config_patch> job_config_patch_from_json(json::value const& body,
                                                    operation_registry const& ops,
                                                    job_config const& stored) {
    auto obj = body_object(body);
    if (!obj) return obj.error();
    json::object const& o = **obj;

    job_config_patch p;
    auto name = read_string(o, "name");
    if (!name) return name.error();
    if (auto r = check_immutable(*name, stored.name, "name"); !r) return r.error();
    auto operation = read_string(o, "operation");
    if (!operation) return operation.error();
    if (auto r = check_immutable(*operation, stored.operation, "operation"); !r) return r.error();

    if (auto r = read_common(o, p); !r) return r.error();

    auto op = ops.find(stored.operation);
    // Unregistered since create: no block can be checked; the engine refuses the config anyway.
    if (!op) return p;
    auto params = read_params(o, ops, *op);
    if (!params) return params.error();
    if (*params) {
        auto checked = check_patch_params(**params, stored.params, op->params_field);
        if (!checked) return checked.error();
        p.params = std::move(*checked);
    }
    return p;
}

}  // namespace scheduler
