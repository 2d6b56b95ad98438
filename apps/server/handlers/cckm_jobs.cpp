// SPDX-License-Identifier: Apache-2.0
// Bulk and key job routes (seeds/001 AWS bulkjob, seeds/002 SAP keys/jobs, seeds/003 Azure
// bulkjobs): parse the body, call cckm::bulk_job_service, render the job as each page shows
// it. Validation (key counts, unknown ids, days, exclusive filters) is the library's; here only
// JSON types are checked. Bodies are parsed whatever their Content-Type.
#include "handlers/handler_util.hpp"
#include "handlers/handlers.hpp"
#include "handlers/query.hpp"

#include <cckm/bulk_jobs.hpp>
#include <cckm/key_store.hpp>
#include <scheduler/job_config.hpp>
#include <scheduler/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>

namespace schedulerd {

namespace {

namespace json = boost::json;
using scheduler::code;
using scheduler::invalid_argument;
using scheduler::result;
using scheduler::status;
using scheduler_api::fail;
using scheduler_api::path_id;

constexpr std::string_view sort_fields[] = {"createdAt"};

/// The body as a JSON object; anything else is a 400 without a field (NCERRBadRequest).
result<json::object> body_object(request_context const& ctx) {
    auto body = scheduler::parse_json(ctx.req.body());
    if (!body) return body.error();
    if (!body->is_object()) return status{code::invalid_argument, "the body must be a JSON object"};
    return body->as_object();
}

json::value const* member(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

result<std::string> string_field(json::object const& o, std::string_view key, std::string field) {
    auto const* v = member(o, key);
    if (!v) return std::string{};
    if (!v->is_string()) return invalid_argument(std::move(field), "must be a string");
    return std::string(v->as_string());
}

/// An array of strings; a single string counts as a list of one (some pages type these as
/// "string"). Absent -> nullopt.
result<std::optional<std::vector<std::string>>> strings_field(json::object const& o,
                                                              std::string_view key,
                                                              std::string field) {
    auto const* v = member(o, key);
    if (!v) return std::optional<std::vector<std::string>>{};
    std::vector<std::string> out;
    if (v->is_string()) {
        out.emplace_back(v->as_string());
        return std::optional{std::move(out)};
    }
    if (!v->is_array()) return invalid_argument(std::move(field), "must be an array of ids");
    for (auto const& item : v->as_array()) {
        if (!item.is_string()) return invalid_argument(std::move(field), "must be an array of ids");
        out.emplace_back(item.as_string());
    }
    return std::optional{std::move(out)};
}

/// An integer, or a string of digits (clients of the reference send both).
result<std::optional<int>> int_field(json::object const& o, std::string_view key) {
    auto const* v = member(o, key);
    if (!v) return std::optional<int>{};
    if (v->is_int64() && v->as_int64() >= INT32_MIN && v->as_int64() <= INT32_MAX)
        return std::optional<int>(static_cast<int>(v->as_int64()));
    if (v->is_uint64() && v->as_uint64() <= INT32_MAX)
        return std::optional<int>(static_cast<int>(v->as_uint64()));
    if (v->is_string()) {
        auto const& s = v->as_string();
        int n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc{} && end == s.data() + s.size() && !s.empty())
            return std::optional<int>(n);
    }
    return invalid_argument(std::string(key), "must be an integer");
}

/// true/false, or the strings "true"/"false" (the SAP page types this field as string).
result<bool> bool_field(json::object const& o, std::string_view key) {
    auto const* v = member(o, key);
    if (!v) return false;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string()) return scheduler::parse_bool_text(v->as_string(), key);
    return invalid_argument(std::string(key), "must be true or false");
}

result<std::optional<scheduler::time_point>> time_field(json::object const& o,
                                                        std::string_view key,
                                                        std::string const& field) {
    auto s = string_field(o, key, field);
    if (!s) return s.error();
    if (s->empty()) return std::optional<scheduler::time_point>{};
    auto t = scheduler::parse_rfc3339(*s, field);
    if (!t) return t.error();
    return std::optional(*t);
}

void put_time(json::object& o, std::string_view key, scheduler::time_point t) {
    o[key] = scheduler::format_rfc3339(t);
}

json::array to_array(std::vector<std::string> const& v) {
    json::array a;
    for (auto const& s : v) a.emplace_back(s);
    return a;
}

/// The fields every job shows: id, uri, account, times, status, abort, detailed_status.
json::object envelope(cckm::bulk_job const& j, std::string_view uri_collection) {
    json::object o;
    o["id"] = j.id;
    o["uri"] = "kylo:kylo:cckm:" + std::string(uri_collection) + ":" + j.id;
    o["account"] = std::string(scheduler::default_account);
    put_time(o, "createdAt", j.created_at);
    put_time(o, "updatedAt", j.updated_at);
    if (j.completed_at) put_time(o, "completed_at", *j.completed_at);
    json::object detailed;
    for (auto const& [k, v] : j.detailed_status) detailed[k] = v;
    o["detailed_status"] = std::move(detailed);
    if (!j.error.empty()) o["error"] = j.error;
    o["retries"] = j.retries;
    return o;
}

json::value aws_json(cckm::bulk_job const& j) {
    auto o = envelope(j, "bulkjob");
    o["overall_status"] = cckm::status_text(j.kind, j.state);
    o["abort"] = j.abort;
    o["cloud"] = j.cloud;
    o["keys"] = to_array(j.keys);
    o["operation"] = j.operation;
    if (j.params.days) o["days"] = *j.params.days;
    if (!j.params.policy_template_id.empty()) o["policy_template_id"] = j.params.policy_template_id;
    return o;
}

json::value azure_json(cckm::bulk_job const& j) {
    auto o = envelope(j, "azure-bulkjob");
    o["overall_status"] = cckm::status_text(j.kind, j.state);
    o["abort"] = j.abort;
    o["cloud"] = j.cloud;
    o["operation"] = j.operation;
    // The filters as sent, so a client can tell what a job was asked to delete.
    json::object p;
    if (!j.params.backups.empty()) p["backups"] = to_array(j.params.backups);
    if (j.params.created_after)
        p["created_after"] = scheduler::format_rfc3339(*j.params.created_after);
    if (j.params.created_before)
        p["created_before"] = scheduler::format_rfc3339(*j.params.created_before);
    if (!j.params.key_id.empty()) p["key_id"] = j.params.key_id;
    if (j.params.keys_given) p["keys"] = to_array(j.keys);
    if (!j.params.vault_id.empty()) p["vault_id"] = j.params.vault_id;
    o["delete_key_backups_param"] = std::move(p);
    o["keys"] = to_array(j.keys);
    return o;
}

json::value sap_json(cckm::bulk_job const& j, cckm::key_store* inventory) {
    auto o = envelope(j, "sap_job");
    std::string const cckm_key_id = j.keys.empty() ? std::string{} : j.keys.front();
    o["cckm_key_id"] = cckm_key_id;
    // The SAP ids of the key (its group and its own id) come from the inventory record.
    std::string group_id, key_id;
    if (inventory && !cckm_key_id.empty())
        if (auto k = inventory->get("sap", cckm_key_id)) {
            group_id = k->container;
            key_id = k->native_id;
        }
    o["group_id"] = group_id;
    o["job_id"] = j.id;
    o["key_id"] = key_id;
    o["operation"] = j.operation;
    o["delete_if_backup_fails"] = j.params.delete_if_backup_fails;
    o["creator_id"] = j.creator_id;
    o["creator_name"] = j.creator_name;
    o["state"] = cckm::status_text(j.kind, j.state);
    return o;
}

json::value render(services& s, cckm::bulk_job const& j) {
    switch (j.kind) {
        case cckm::bulk_job_kind::aws:
            return aws_json(j);
        case cckm::bulk_job_kind::azure:
            return azure_json(j);
        case cckm::bulk_job_kind::sap:
            return sap_json(j, s.inventory);
    }
    return aws_json(j);
}

cckm::job_creator creator(request_context const& ctx) {
    if (!ctx.user) return {};
    return {.id = ctx.user->user_id, .name = ctx.user->username};
}

response unavailable(request_context const& ctx) {
    return fail(ctx, status{code::unavailable, "bulk and key jobs are not available"});
}

result<cckm::aws_bulk_request> parse_aws(json::object const& o) {
    cckm::aws_bulk_request r;
    auto op = string_field(o, "operation", "operation");
    if (!op) return op.error();
    if (op->empty()) return invalid_argument("operation", "is required");
    r.operation = std::move(*op);
    auto keys = strings_field(o, "keys", "keys");
    if (!keys) return keys.error();
    if (*keys) r.keys = std::move(**keys);
    auto days = int_field(o, "days");
    if (!days) return days.error();
    r.days = *days;
    auto tmpl = string_field(o, "policy_template_id", "policy_template_id");
    if (!tmpl) return tmpl.error();
    r.policy_template_id = std::move(*tmpl);
    return r;
}

result<cckm::azure_bulk_request> parse_azure(json::object const& o) {
    cckm::azure_bulk_request r;
    auto op = string_field(o, "operation", "operation");
    if (!op) return op.error();
    if (op->empty()) return invalid_argument("operation", "is required");
    r.operation = std::move(*op);
    std::string const block = "delete_key_backups_param";
    auto const* pv = member(o, block);
    if (!pv) return r;
    if (!pv->is_object()) return invalid_argument(block, "must be an object");
    auto const& p = pv->as_object();
    auto backups = strings_field(p, "backups", block + ".backups");
    if (!backups) return backups.error();
    if (*backups) r.backups = std::move(**backups);
    auto after = time_field(p, "created_after", block + ".created_after");
    if (!after) return after.error();
    r.created_after = *after;
    auto before = time_field(p, "created_before", block + ".created_before");
    if (!before) return before.error();
    r.created_before = *before;
    auto key_id = string_field(p, "key_id", block + ".key_id");
    if (!key_id) return key_id.error();
    r.key_id = std::move(*key_id);
    auto keys = strings_field(p, "keys", block + ".keys");
    if (!keys) return keys.error();
    r.keys = std::move(*keys);
    auto vault = string_field(p, "vault_id", block + ".vault_id");
    if (!vault) return vault.error();
    r.vault_id = std::move(*vault);
    return r;
}

result<cckm::sap_job_request> parse_sap(json::object const& o) {
    cckm::sap_job_request r;
    auto id = string_field(o, "id", "id");
    if (!id) return id.error();
    r.id = std::move(*id);
    auto op = string_field(o, "operation", "operation");
    if (!op) return op.error();
    if (op->empty()) return invalid_argument("operation", "is required");
    r.operation = std::move(*op);
    auto b = bool_field(o, "delete_if_backup_fails");
    if (!b) return b.error();
    r.delete_if_backup_fails = *b;
    return r;
}

/// POST: parse with `parse`, submit, 201 with the job.
template <class Parse>
response create(services& s, request_context& ctx, Parse parse) {
    if (!s.bulk_jobs) return unavailable(ctx);
    auto body = body_object(ctx);
    if (!body) return fail(ctx, body.error());
    auto req = parse(*body);
    if (!req) return fail(ctx, req.error());
    auto job = s.bulk_jobs->submit(*req, creator(ctx));
    if (!job) return fail(ctx, job.error());
    return json_response(ctx.req, http::status::created, render(s, *job));
}

/// GET list: page + id + the status filter (`overall_status`, SAP `state`), newest first.
response list(services& s, request_context& ctx, cckm::bulk_job_kind kind) {
    if (!s.bulk_jobs) return unavailable(ctx);
    scheduler::page_request page;
    if (auto ok = parse_page(ctx.query, sort_fields, page); !ok) return fail(ctx, ok.error());
    cckm::bulk_job_query q{.kind = kind};
    if (auto it = ctx.query.find("id"); it != ctx.query.end()) q.id = it->second;
    std::string const status_param = kind == cckm::bulk_job_kind::sap ? "state" : "overall_status";
    if (auto it = ctx.query.find(status_param); it != ctx.query.end() && !it->second.empty()) {
        auto st = cckm::parse_status_text(it->second, status_param);
        if (!st) return fail(ctx, st.error());
        q.state = *st;
    }
    q.newest_first = page.sort.empty() || page.sort.front().descending;
    q.skip = static_cast<std::size_t>(page.skip);
    // limit -1 is "all" (0 to the store); limit 0 asks for the total only.
    q.limit = page.limit < 0 ? 0 : static_cast<std::size_t>(std::max<std::int64_t>(1, page.limit));
    auto jobs = s.bulk_jobs->list(q);
    if (!jobs) return fail(ctx, jobs.error());
    json::array resources;
    if (page.limit != 0)
        for (auto const& j : jobs->jobs) resources.push_back(render(s, j));
    return json_response(ctx.req, http::status::ok,
                         json::object{{"skip", page.skip},
                                      {"limit", page.limit},
                                      {"total", jobs->total},
                                      {"resources", std::move(resources)}});
}

response get(services& s, request_context& ctx, cckm::bulk_job_kind kind) {
    if (!s.bulk_jobs) return unavailable(ctx);
    auto job = s.bulk_jobs->get(kind, path_id(ctx));
    if (!job) return fail(ctx, job.error());
    return json_response(ctx.req, http::status::ok, render(s, *job));
}

response cancel(services& s, request_context& ctx, cckm::bulk_job_kind kind) {
    // Bodyless by design: whatever body or content type arrives is ignored.
    if (!s.bulk_jobs) return unavailable(ctx);
    auto job = s.bulk_jobs->cancel(kind, path_id(ctx));
    if (!job) return fail(ctx, job.error());
    return json_response(ctx.req, http::status::ok, render(s, *job));
}

response remove(services& s, request_context& ctx, cckm::bulk_job_kind kind) {
    if (!s.bulk_jobs) return unavailable(ctx);
    // A running job is failed_precondition: 409 by the table.
    if (auto ok = s.bulk_jobs->remove(kind, path_id(ctx)); !ok) return fail(ctx, ok.error());
    return empty_response(ctx.req);
}

}  // namespace

void register_cckm_job_routes(router& r, services& s) {
    using http::verb;
    using kind = cckm::bulk_job_kind;
    auto on = [&s](auto fn, kind k) {
        return [&s, fn, k](request_context& ctx) { return fn(s, ctx, k); };
    };
    // Writes need the keybulkoperation permission (DESIGN.md §7: CCKM Admins, or admin).
    auto const write = access::cckm_admin;

    std::string const aws = "/api/v1/cckm/aws/bulkjob";
    r.add(verb::post, aws, write, [&s](request_context& ctx) { return create(s, ctx, parse_aws); });
    r.add(verb::get, aws, access::signed_in, on(list, kind::aws));
    r.add(verb::get, aws + "/{id}", access::signed_in, on(get, kind::aws));
    r.add(verb::post, aws + "/{id}/cancel", write, on(cancel, kind::aws));

    std::string const sap = "/api/v1/cckm/sap/keys/jobs";
    r.add(verb::post, sap, write, [&s](request_context& ctx) { return create(s, ctx, parse_sap); });
    r.add(verb::get, sap, access::signed_in, on(list, kind::sap));
    r.add(verb::get, sap + "/{id}", access::signed_in, on(get, kind::sap));

    std::string const azure = "/api/v1/cckm/azure/bulkjobs";
    r.add(verb::post, azure, write,
          [&s](request_context& ctx) { return create(s, ctx, parse_azure); });
    r.add(verb::get, azure, access::signed_in, on(list, kind::azure));
    r.add(verb::get, azure + "/{id}", access::signed_in, on(get, kind::azure));
    r.add(verb::delete_, azure + "/{id}", write, on(remove, kind::azure));
    r.add(verb::post, azure + "/{id}/cancel", write, on(cancel, kind::azure));
}

}  // namespace schedulerd
