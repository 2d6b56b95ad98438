// SPDX-License-Identifier: Apache-2.0
// The AWS KMS JSON 1.1 client: request bodies, response parsing, error mapping, retries.
#include "aws/kms_client.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>
#include <utility>

namespace cckm::aws {

namespace json = boost::json;
using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view target_prefix = "TrentService.";
constexpr int list_limit = 1000;  // KMS's largest page: fewest round trips

std::string dump(json::object const& o) {
    return json::serialize(o);
}

kms_call make(std::string_view op, json::object o) {
    return {std::string(op), dump(o)};
}

status bad_response(std::string_view what) {
    return status{code::unavailable, "AWS KMS sent an unreadable response: " + std::string(what)};
}

result<json::object> parse_object(std::string_view body) {
    boost::system::error_code ec;
    auto v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
    if (ec || !v.is_object()) return bad_response(ec ? ec.message() : "not a JSON object");
    return std::move(v.as_object());
}

std::string str(json::object const& o, std::string_view key) {
    if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return {};
}

// KMS sends dates as seconds since the epoch, with a fraction.
std::optional<scheduler::time_point> date(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    auto const seconds = v->to_number<double>();
    return scheduler::time_point{} + std::chrono::duration_cast<scheduler::time_point::duration>(
                                         std::chrono::duration<double>(seconds));
}

std::string next_marker(json::object const& o) {
    auto const* t = o.if_contains("Truncated");
    if (!t || !t->is_bool() || !t->as_bool()) return {};
    return str(o, "NextMarker");
}

json::array tag_array(std::map<std::string, std::string> const& tags) {
    json::array out;
    for (auto const& [k, v] : tags) out.push_back(json::object{{"TagKey", k}, {"TagValue", v}});
    return out;
}

kms_key_metadata metadata_of(json::object const& m) {
    kms_key_metadata k;
    k.key_id = str(m, "KeyId");
    k.arn = str(m, "Arn");
    k.account = str(m, "AWSAccountId");
    k.description = str(m, "Description");
    k.key_state = str(m, "KeyState");
    if (auto const* e = m.if_contains("Enabled"); e && e->is_bool()) k.enabled = e->as_bool();
    k.key_spec = str(m, "KeySpec");
    k.key_usage = str(m, "KeyUsage");
    k.origin = str(m, "Origin");
    k.key_manager = str(m, "KeyManager");
    k.creation_date = date(m, "CreationDate").value_or(scheduler::time_point{});
    k.deletion_date = date(m, "DeletionDate");
    return k;
}

// AWS error names, without a "com.amazonaws.kms#" style prefix, to codes.
code code_of(std::string_view type, unsigned http_status) {
    struct entry {
        std::string_view type;
        code c;
    };
    static constexpr std::array<entry, 22> table{{
        {"ThrottlingException", code::resource_exhausted},
        {"ThrottledException", code::resource_exhausted},
        {"TooManyRequestsException", code::resource_exhausted},
        {"RequestLimitExceeded", code::resource_exhausted},
        {"KMSInternalException", code::unavailable},
        {"DependencyTimeoutException", code::unavailable},
        {"KeyUnavailableException", code::unavailable},
        {"ServiceUnavailableException", code::unavailable},
        {"NotFoundException", code::not_found},
        {"AlreadyExistsException", code::already_exists},
        {"KMSInvalidStateException", code::failed_precondition},
        {"DisabledException", code::failed_precondition},
        {"LimitExceededException", code::failed_precondition},  // a quota, not the call rate
        {"UnsupportedOperationException", code::unimplemented},
        {"AccessDeniedException", code::permission_denied},
        {"ValidationException", code::invalid_argument},
        {"InvalidArnException", code::invalid_argument},
        {"InvalidAliasNameException", code::invalid_argument},
        {"MalformedPolicyDocumentException", code::invalid_argument},
        {"TagException", code::invalid_argument},
        {"UnrecognizedClientException", code::unauthenticated},
        {"InvalidSignatureException", code::unauthenticated},
    }};
    for (auto const& e : table)
        if (e.type == type) return e.c;
    if (type == "ExpiredTokenException" || type == "IncompleteSignature" ||
        type == "MissingAuthenticationToken")
        return code::unauthenticated;
    if (http_status == 429) return code::resource_exhausted;
    if (http_status >= 500) return code::unavailable;
    if (http_status == 401 || http_status == 403) return code::permission_denied;
    return code::failed_precondition;
}

}  // namespace

status map_kms_error(unsigned http_status, std::string_view body) {
    std::string type;
    std::string message;
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (!ec && v.is_object()) {
        auto const& o = v.as_object();
        type = str(o, "__type");
        message = str(o, "message");
        if (message.empty()) message = str(o, "Message");
    }
    if (auto hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
    auto const c = code_of(type, http_status);
    std::string text = "AWS KMS " + std::to_string(http_status);
    if (!type.empty()) text += ' ' + type;
    if (!message.empty()) text += ": " + message;
    return status{c, std::move(text)};
}

namespace kms_wire {

kms_call list_keys(std::string_view marker) {
    json::object o{{"Limit", list_limit}};
    if (!marker.empty()) o["Marker"] = marker;
    return make("ListKeys", std::move(o));
}

kms_call describe_key(std::string_view key_id) {
    return make("DescribeKey", {{"KeyId", key_id}});
}

kms_call list_aliases(std::string_view key_id, std::string_view marker) {
    json::object o{{"Limit", 100}};  // ListAliases allows at most 100
    if (!key_id.empty()) o["KeyId"] = key_id;
    if (!marker.empty()) o["Marker"] = marker;
    return make("ListAliases", std::move(o));
}

kms_call create_key(kms_create_key_request const& r) {
    json::object o{{"KeySpec", r.key_spec}, {"KeyUsage", r.key_usage}};
    if (!r.description.empty()) o["Description"] = r.description;
    if (!r.policy.empty()) o["Policy"] = r.policy;
    if (!r.tags.empty()) o["Tags"] = tag_array(r.tags);
    return make("CreateKey", std::move(o));
}

kms_call create_alias(std::string_view alias, std::string_view key_id) {
    return make("CreateAlias", {{"AliasName", alias}, {"TargetKeyId", key_id}});
}

kms_call update_alias(std::string_view alias, std::string_view key_id) {
    return make("UpdateAlias", {{"AliasName", alias}, {"TargetKeyId", key_id}});
}

kms_call delete_alias(std::string_view alias) {
    return make("DeleteAlias", {{"AliasName", alias}});
}

kms_call key_operation(std::string_view operation, std::string_view key_id) {
    return make(operation, {{"KeyId", key_id}});
}

kms_call schedule_key_deletion(std::string_view key_id, int days) {
    return make("ScheduleKeyDeletion", {{"KeyId", key_id}, {"PendingWindowInDays", days}});
}

kms_call get_key_policy(std::string_view key_id) {
    return make("GetKeyPolicy", {{"KeyId", key_id}, {"PolicyName", "default"}});
}

kms_call put_key_policy(std::string_view key_id, std::string_view policy) {
    return make("PutKeyPolicy", {{"KeyId", key_id}, {"PolicyName", "default"}, {"Policy", policy}});
}

kms_call tag_resource(std::string_view key_id, std::map<std::string, std::string> const& tags) {
    return make("TagResource", {{"KeyId", key_id}, {"Tags", tag_array(tags)}});
}

kms_call list_resource_tags(std::string_view key_id, std::string_view marker) {
    json::object o{{"KeyId", key_id}, {"Limit", 50}};  // ListResourceTags allows at most 50
    if (!marker.empty()) o["Marker"] = marker;
    return make("ListResourceTags", std::move(o));
}

kms_call enable_key_rotation(std::string_view key_id, std::optional<int> period_days) {
    json::object o{{"KeyId", key_id}};
    if (period_days) o["RotationPeriodInDays"] = *period_days;
    return make("EnableKeyRotation", std::move(o));
}

result<page<std::string>> parse_list_keys(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    page<std::string> out;
    if (auto const* keys = o->if_contains("Keys"); keys && keys->is_array())
        for (auto const& k : keys->as_array())
            if (k.is_object()) out.items.push_back(str(k.as_object(), "KeyId"));
    out.next_marker = next_marker(*o);
    return out;
}

result<kms_key_metadata> parse_key_metadata(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    auto const* m = o->if_contains("KeyMetadata");
    if (!m || !m->is_object()) return bad_response("no KeyMetadata");
    auto k = metadata_of(m->as_object());
    if (k.key_id.empty()) return bad_response("KeyMetadata without KeyId");
    return k;
}

result<page<kms_alias>> parse_list_aliases(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    page<kms_alias> out;
    if (auto const* as = o->if_contains("Aliases"); as && as->is_array())
        for (auto const& a : as->as_array())
            if (a.is_object())
                out.items.push_back({str(a.as_object(), "AliasName"),
                                     str(a.as_object(), "AliasArn"),
                                     str(a.as_object(), "TargetKeyId")});
    out.next_marker = next_marker(*o);
    return out;
}

result<scheduler::time_point> parse_schedule_key_deletion(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    auto d = date(*o, "DeletionDate");
    if (!d) return bad_response("no DeletionDate");
    return *d;
}

result<std::string> parse_get_key_policy(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    if (auto const* p = o->if_contains("Policy"); p && p->is_string())
        return std::string(p->as_string());
    return bad_response("no Policy");
}

result<page<std::pair<std::string, std::string>>> parse_list_tags(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    page<std::pair<std::string, std::string>> out;
    if (auto const* ts = o->if_contains("Tags"); ts && ts->is_array())
        for (auto const& t : ts->as_array())
            if (t.is_object())
                out.items.emplace_back(str(t.as_object(), "TagKey"),
                                       str(t.as_object(), "TagValue"));
    out.next_marker = next_marker(*o);
    return out;
}

result<kms_rotation_status> parse_rotation_status(std::string_view body) {
    auto o = parse_object(body);
    if (!o) return o.error();
    kms_rotation_status s;
    auto const* e = o->if_contains("KeyRotationEnabled");
    if (!e || !e->is_bool()) return bad_response("no KeyRotationEnabled");
    s.enabled = e->as_bool();
    if (auto const* p = o->if_contains("RotationPeriodInDays"); p && p->is_int64())
        s.period_days = static_cast<int>(p->as_int64());
    s.next_rotation = date(*o, "NextRotationDate");
    return s;
}

signable_request http_request(kms_call const& c, std::string_view host_header) {
    return signable_request{"POST",
                            "/",
                            {{"Host", std::string(host_header)},
                             {"Content-Type", "application/x-amz-json-1.1"},
                             {"X-Amz-Target", std::string(target_prefix) + c.operation}},
                            c.body};
}

}  // namespace kms_wire

kms_client::kms_client(std::shared_ptr<http_transport> transport,
                       std::string host_header,
                       credentials creds,
                       std::string region,
                       scheduler::clock& clock,
                       kms_retry_policy retry)
    : transport_(std::move(transport)),
      host_(std::move(host_header)),
      creds_(std::move(creds)),
      region_(std::move(region)),
      clock_(clock),
      retry_(std::move(retry)),
      rng_(std::random_device{}()) {
    if (!retry_.sleep)
        retry_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::milliseconds kms_client::backoff(int attempt) {
    // Full jitter: uniform in [0, min(cap, base * 2^attempt)], so clients throttled together
    // do not come back together.
    auto const ceiling = std::min<long long>(retry_.cap.count(),
                                             retry_.base.count() * (1LL << std::min(attempt, 20)));
    std::lock_guard lock(rng_mutex_);
    std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling, 0));
    return std::chrono::milliseconds(pick(rng_));
}

result<std::string> kms_client::call_once(kms_call const& c) {
    auto req = kms_wire::http_request(c, host_);
    signing_params p{creds_, region_, "kms", clock_.now()};
    if (auto s = sign(req, p); !s) return s.error();
    auto resp = transport_->send(req);
    if (!resp) return resp.error();
    if (resp->status / 100 != 2) return map_kms_error(resp->status, resp->body);
    return std::move(resp->body);
}

result<std::string> kms_client::call(kms_call const& c) {
    for (int attempt = 0;; ++attempt) {
        auto r = call_once(c);
        bool const transient = !r && (r.error().error_code() == code::unavailable ||
                                      r.error().error_code() == code::resource_exhausted);
        if (r || !transient || attempt >= retry_.max_retries) {
            if (!r && attempt > 0)
                return status{
                    r.error().error_code(),
                    r.error().message() + " (after " + std::to_string(attempt + 1) + " attempts)"};
            return r;
        }
        retry_.sleep(backoff(attempt));
    }
}

namespace {

template <class T, class Build, class Parse>
result<std::vector<T>> all_pages(kms_client& client, Build build, Parse parse) {
    std::vector<T> out;
    std::string marker;
    do {
        auto body = client.call(build(marker));
        if (!body) return body.error();
        auto page = parse(*body);
        if (!page) return page.error();
        for (auto& item : page->items) out.push_back(std::move(item));
        marker = std::move(page->next_marker);
    } while (!marker.empty());
    return out;
}

result<void> done(result<std::string> const& r) {
    if (!r) return r.error();
    return {};
}

}  // namespace

result<std::vector<std::string>> kms_client::list_keys() {
    return all_pages<std::string>(
        *this, [](std::string const& m) { return kms_wire::list_keys(m); },
        kms_wire::parse_list_keys);
}

result<kms_key_metadata> kms_client::describe_key(std::string_view key_id) {
    auto body = call(kms_wire::describe_key(key_id));
    if (!body) return body.error();
    return kms_wire::parse_key_metadata(*body);
}

result<std::vector<kms_alias>> kms_client::list_aliases(std::string_view key_id) {
    return all_pages<kms_alias>(
        *this, [&](std::string const& m) { return kms_wire::list_aliases(key_id, m); },
        kms_wire::parse_list_aliases);
}

result<kms_key_metadata> kms_client::create_key(kms_create_key_request const& r) {
    auto body = call(kms_wire::create_key(r));
    if (!body) return body.error();
    return kms_wire::parse_key_metadata(*body);
}

result<void> kms_client::create_alias(std::string_view alias, std::string_view key_id) {
    return done(call(kms_wire::create_alias(alias, key_id)));
}

result<void> kms_client::update_alias(std::string_view alias, std::string_view key_id) {
    return done(call(kms_wire::update_alias(alias, key_id)));
}

result<void> kms_client::delete_alias(std::string_view alias) {
    return done(call(kms_wire::delete_alias(alias)));
}

result<void> kms_client::enable_key(std::string_view key_id) {
    return done(call(kms_wire::key_operation("EnableKey", key_id)));
}

result<void> kms_client::disable_key(std::string_view key_id) {
    return done(call(kms_wire::key_operation("DisableKey", key_id)));
}

result<scheduler::time_point> kms_client::schedule_key_deletion(std::string_view key_id,
                                                                int pending_window_days) {
    auto body = call(kms_wire::schedule_key_deletion(key_id, pending_window_days));
    if (!body) return body.error();
    return kms_wire::parse_schedule_key_deletion(*body);
}

result<void> kms_client::cancel_key_deletion(std::string_view key_id) {
    return done(call(kms_wire::key_operation("CancelKeyDeletion", key_id)));
}

result<std::string> kms_client::get_key_policy(std::string_view key_id) {
    auto body = call(kms_wire::get_key_policy(key_id));
    if (!body) return body.error();
    return kms_wire::parse_get_key_policy(*body);
}

result<void> kms_client::put_key_policy(std::string_view key_id, std::string_view policy) {
    return done(call(kms_wire::put_key_policy(key_id, policy)));
}

result<void> kms_client::tag_resource(std::string_view key_id,
                                      std::map<std::string, std::string> const& tags) {
    return done(call(kms_wire::tag_resource(key_id, tags)));
}

result<std::map<std::string, std::string>> kms_client::list_resource_tags(std::string_view key_id) {
    auto tags = all_pages<std::pair<std::string, std::string>>(
        *this, [&](std::string const& m) { return kms_wire::list_resource_tags(key_id, m); },
        kms_wire::parse_list_tags);
    if (!tags) return tags.error();
    return std::map<std::string, std::string>(tags->begin(), tags->end());
}

result<void> kms_client::enable_key_rotation(std::string_view key_id,
                                             std::optional<int> period_days) {
    return done(call(kms_wire::enable_key_rotation(key_id, period_days)));
}

result<void> kms_client::disable_key_rotation(std::string_view key_id) {
    return done(call(kms_wire::key_operation("DisableKeyRotation", key_id)));
}

result<kms_rotation_status> kms_client::get_key_rotation_status(std::string_view key_id) {
    auto body = call(kms_wire::key_operation("GetKeyRotationStatus", key_id));
    if (!body) return body.error();
    return kms_wire::parse_rotation_status(*body);
}

result<void> kms_client::rotate_key_on_demand(std::string_view key_id) {
    return done(call(kms_wire::key_operation("RotateKeyOnDemand", key_id)));
}

}  // namespace cckm::aws
