// SPDX-License-Identifier: Apache-2.0
// The AWS KMS client against a scripted transport: the request each operation builds (target,
// headers, JSON body, signature), the parsing of each answer, pagination, the error table and
// the retries.
#include "aws/kms_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <scheduler/clock.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace {

namespace aws = cckm::aws;
namespace json = boost::json;
using scheduler::code;

aws::credentials const creds{"AKIDTEST", "secret/test", ""};

// Records every request and answers from a queue (200 "{}" when empty).
class scripted_transport final : public aws::http_transport {
public:
    scheduler::result<aws::http_response> send(aws::signable_request const& r) override {
        std::lock_guard lock(mutex_);
        requests.push_back(r);
        if (replies.empty()) return aws::http_response{200, "{}", {}};
        auto next = std::move(replies.front());
        replies.pop_front();
        return next;
    }
    void reply(unsigned status, std::string body) {
        replies.push_back(aws::http_response{status, std::move(body), {}});
    }
    std::vector<aws::signable_request> requests;
    std::deque<scheduler::result<aws::http_response>> replies;

private:
    std::mutex mutex_;
};

std::string header(aws::signable_request const& r, std::string_view name) {
    for (auto const& h : r.headers)
        if (h.name == name) return h.value;
    return {};
}

json::object body_of(aws::signable_request const& r) {
    return json::parse(r.body).as_object();
}

struct fixture {
    scheduler::manual_clock clock{scheduler::time_point{std::chrono::seconds{1700000000}}};
    std::shared_ptr<scripted_transport> transport = std::make_shared<scripted_transport>();
    std::vector<std::chrono::milliseconds> sleeps;
    aws::kms_client client{
        transport,
        "kms.eu-west-1.amazonaws.com",
        creds,
        "eu-west-1",
        clock,
        aws::kms_retry_policy{3, std::chrono::milliseconds{100}, std::chrono::milliseconds{1000},
                              [this](std::chrono::milliseconds d) { sleeps.push_back(d); }}};

    // The one request sent, checked for the JSON 1.1 envelope and a valid signature.
    json::object only_request(std::string_view operation) {
        REQUIRE(transport->requests.size() == 1);
        auto const& r = transport->requests.front();
        CHECK(r.method == "POST");
        CHECK(r.target == "/");
        CHECK(header(r, "X-Amz-Target") == "TrentService." + std::string(operation));
        CHECK(header(r, "Content-Type") == "application/x-amz-json-1.1");
        CHECK(header(r, "Host") == "kms.eu-west-1.amazonaws.com");
        CHECK(header(r, "X-Amz-Date") == "20231114T221320Z");
        CHECK(aws::verify(r, creds, "eu-west-1", "kms"));
        return body_of(r);
    }
};

constexpr std::string_view metadata_body = R"({"KeyMetadata":{
    "AWSAccountId":"111122223333","KeyId":"k-1","Arn":"arn:aws:kms:eu-west-1:111122223333:key/k-1",
    "CreationDate":1700000000.25,"Enabled":false,"Description":"d","KeyUsage":"ENCRYPT_DECRYPT",
    "KeyState":"PendingDeletion","DeletionDate":1700600000,"Origin":"AWS_KMS",
    "KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT"}})";

}  // namespace

TEST_CASE_METHOD(fixture, "kms ListKeys follows Marker/Truncated to the end", "[kms]") {
    transport->reply(
        200, R"({"Keys":[{"KeyId":"a"},{"KeyId":"b"}],"NextMarker":"m1","Truncated":true})");
    transport->reply(200, R"({"Keys":[{"KeyId":"c"}],"Truncated":false})");
    auto keys = client.list_keys();
    REQUIRE(keys.has_value());
    CHECK(*keys == std::vector<std::string>{"a", "b", "c"});
    REQUIRE(transport->requests.size() == 2);
    CHECK(body_of(transport->requests[0]) == json::object{{"Limit", 1000}});
    CHECK(body_of(transport->requests[1]) == json::object{{"Limit", 1000}, {"Marker", "m1"}});
}

TEST_CASE_METHOD(fixture, "kms DescribeKey and CreateKey parse KeyMetadata", "[kms]") {
    SECTION("DescribeKey") {
        transport->reply(200, std::string(metadata_body));
        auto k = client.describe_key("k-1");
        REQUIRE(k.has_value());
        CHECK(only_request("DescribeKey") == json::object{{"KeyId", "k-1"}});
        CHECK(k->key_id == "k-1");
        CHECK(k->arn == "arn:aws:kms:eu-west-1:111122223333:key/k-1");
        CHECK(k->account == "111122223333");
        CHECK(k->key_state == "PendingDeletion");
        CHECK_FALSE(k->enabled);
        CHECK(k->key_spec == "SYMMETRIC_DEFAULT");
        CHECK(k->key_usage == "ENCRYPT_DECRYPT");
        CHECK(k->origin == "AWS_KMS");
        CHECK(k->key_manager == "CUSTOMER");
        CHECK(k->creation_date == scheduler::time_point{std::chrono::seconds{1700000000} +
                                                        std::chrono::milliseconds{250}});
        CHECK(k->deletion_date == scheduler::time_point{std::chrono::seconds{1700600000}});
    }
    SECTION("CreateKey") {
        transport->reply(200, std::string(metadata_body));
        aws::kms_create_key_request r;
        r.description = "payments";
        r.policy = R"({"Version":"2012-10-17"})";
        r.tags = {{"env", "prod"}};
        REQUIRE(client.create_key(r).has_value());
        CHECK(only_request("CreateKey") ==
              json::object{
                  {"KeySpec", "SYMMETRIC_DEFAULT"},
                  {"KeyUsage", "ENCRYPT_DECRYPT"},
                  {"Description", "payments"},
                  {"Policy", R"({"Version":"2012-10-17"})"},
                  {"Tags", json::array{json::object{{"TagKey", "env"}, {"TagValue", "prod"}}}}});
    }
    SECTION("a reply without KeyMetadata is an unreadable response") {
        transport->reply(200, "{}");
        transport->reply(200, "{}");
        CHECK(client.describe_key("k-1").error().error_code() == code::unavailable);
    }
}

TEST_CASE_METHOD(fixture, "kms ListAliases pages and parses aliases", "[kms]") {
    transport->reply(200,
                     R"({"Aliases":[{"AliasName":"alias/a","AliasArn":"arn:a","TargetKeyId":"k-1"}],
                            "NextMarker":"m","Truncated":true})");
    transport->reply(200, R"({"Aliases":[{"AliasName":"alias/aws/ebs","AliasArn":"arn:b"}]})");
    auto as = client.list_aliases("k-1");
    REQUIRE(as.has_value());
    REQUIRE(as->size() == 2);
    CHECK((*as)[0].name == "alias/a");
    CHECK((*as)[0].arn == "arn:a");
    CHECK((*as)[0].target_key_id == "k-1");
    CHECK((*as)[1].target_key_id.empty());
    CHECK(body_of(transport->requests[0]) == json::object{{"Limit", 100}, {"KeyId", "k-1"}});
    CHECK(body_of(transport->requests[1]) ==
          json::object{{"Limit", 100}, {"KeyId", "k-1"}, {"Marker", "m"}});
}

TEST_CASE_METHOD(fixture, "kms alias operations", "[kms]") {
    SECTION("CreateAlias") {
        REQUIRE(client.create_alias("alias/x", "k-1").has_value());
        CHECK(only_request("CreateAlias") ==
              json::object{{"AliasName", "alias/x"}, {"TargetKeyId", "k-1"}});
    }
    SECTION("UpdateAlias") {
        REQUIRE(client.update_alias("alias/x", "k-2").has_value());
        CHECK(only_request("UpdateAlias") ==
              json::object{{"AliasName", "alias/x"}, {"TargetKeyId", "k-2"}});
    }
    SECTION("DeleteAlias") {
        REQUIRE(client.delete_alias("alias/x").has_value());
        CHECK(only_request("DeleteAlias") == json::object{{"AliasName", "alias/x"}});
    }
}

TEST_CASE_METHOD(fixture, "kms key-id operations send only the KeyId", "[kms]") {
    auto const op = GENERATE(as<std::string>{}, "EnableKey", "DisableKey", "CancelKeyDeletion",
                             "DisableKeyRotation", "RotateKeyOnDemand");
    INFO(op);
    scheduler::result<void> r;
    if (op == "EnableKey") r = client.enable_key("k-1");
    if (op == "DisableKey") r = client.disable_key("k-1");
    if (op == "CancelKeyDeletion") r = client.cancel_key_deletion("k-1");
    if (op == "DisableKeyRotation") r = client.disable_key_rotation("k-1");
    if (op == "RotateKeyOnDemand") r = client.rotate_key_on_demand("k-1");
    REQUIRE(r.has_value());
    CHECK(only_request(op) == json::object{{"KeyId", "k-1"}});
}

TEST_CASE_METHOD(fixture, "kms ScheduleKeyDeletion returns the deletion date", "[kms]") {
    transport->reply(200, R"({"KeyId":"k-1","DeletionDate":1702592000,"KeyState":"PendingDeletion",
                            "PendingWindowInDays":7})");
    auto d = client.schedule_key_deletion("k-1", 7);
    REQUIRE(d.has_value());
    CHECK(*d == scheduler::time_point{std::chrono::seconds{1702592000}});
    CHECK(only_request("ScheduleKeyDeletion") ==
          json::object{{"KeyId", "k-1"}, {"PendingWindowInDays", 7}});
}

TEST_CASE_METHOD(fixture, "kms key policy operations", "[kms]") {
    SECTION("GetKeyPolicy") {
        transport->reply(200,
                         R"({"Policy":"{\"Version\":\"2012-10-17\"}","PolicyName":"default"})");
        auto p = client.get_key_policy("k-1");
        REQUIRE(p.has_value());
        CHECK(*p == R"({"Version":"2012-10-17"})");
        CHECK(only_request("GetKeyPolicy") ==
              json::object{{"KeyId", "k-1"}, {"PolicyName", "default"}});
    }
    SECTION("PutKeyPolicy") {
        REQUIRE(client.put_key_policy("k-1", "{}").has_value());
        CHECK(only_request("PutKeyPolicy") ==
              json::object{{"KeyId", "k-1"}, {"PolicyName", "default"}, {"Policy", "{}"}});
    }
}

TEST_CASE_METHOD(fixture, "kms tag operations", "[kms]") {
    SECTION("TagResource") {
        REQUIRE(client.tag_resource("k-1", {{"a", "1"}, {"b", "2"}}).has_value());
        CHECK(
            only_request("TagResource") ==
            json::object{{"KeyId", "k-1"},
                         {"Tags", json::array{json::object{{"TagKey", "a"}, {"TagValue", "1"}},
                                              json::object{{"TagKey", "b"}, {"TagValue", "2"}}}}});
    }
    SECTION("ListResourceTags pages") {
        transport->reply(
            200, R"({"Tags":[{"TagKey":"a","TagValue":"1"}],"NextMarker":"n","Truncated":true})");
        transport->reply(200, R"({"Tags":[{"TagKey":"b","TagValue":"2"}],"Truncated":false})");
        auto tags = client.list_resource_tags("k-1");
        REQUIRE(tags.has_value());
        CHECK(*tags == std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
        CHECK(body_of(transport->requests[0]) == json::object{{"KeyId", "k-1"}, {"Limit", 50}});
        CHECK(body_of(transport->requests[1]) ==
              json::object{{"KeyId", "k-1"}, {"Limit", 50}, {"Marker", "n"}});
    }
}

TEST_CASE_METHOD(fixture, "kms rotation schedule operations", "[kms]") {
    SECTION("EnableKeyRotation with a period") {
        REQUIRE(client.enable_key_rotation("k-1", 180).has_value());
        CHECK(only_request("EnableKeyRotation") ==
              json::object{{"KeyId", "k-1"}, {"RotationPeriodInDays", 180}});
    }
    SECTION("EnableKeyRotation with AWS's default period") {
        REQUIRE(client.enable_key_rotation("k-1", std::nullopt).has_value());
        CHECK(only_request("EnableKeyRotation") == json::object{{"KeyId", "k-1"}});
    }
    SECTION("GetKeyRotationStatus") {
        transport->reply(200,
                         R"({"KeyId":"k-1","KeyRotationEnabled":true,"RotationPeriodInDays":365,
                                "NextRotationDate":1731536000})");
        auto s = client.get_key_rotation_status("k-1");
        REQUIRE(s.has_value());
        CHECK(s->enabled);
        CHECK(s->period_days == 365);
        CHECK(s->next_rotation == scheduler::time_point{std::chrono::seconds{1731536000}});
        CHECK(only_request("GetKeyRotationStatus") == json::object{{"KeyId", "k-1"}});
    }
}

TEST_CASE("kms errors map to codes and keep the AWS message", "[kms]") {
    struct row {
        unsigned http;
        std::string body;
        code expected;
    };
    auto const r = GENERATE(values<row>({
        {400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})",
         code::resource_exhausted},
        {429, "", code::resource_exhausted},
        {500, R"({"__type":"KMSInternalException","message":"oops"})", code::unavailable},
        {503, "<html>", code::unavailable},
        {400,
         R"({"__type":"com.amazonaws.kms#NotFoundException","message":"Key 'x' does not exist"})",
         code::not_found},
        {400, R"({"__type":"KMSInvalidStateException","message":"k is pending deletion"})",
         code::failed_precondition},
        {400, R"({"__type":"AccessDeniedException","Message":"not allowed"})",
         code::permission_denied},
        {400, R"({"__type":"ValidationException","message":"1 validation error"})",
         code::invalid_argument},
        {400, R"({"__type":"AlreadyExistsException","message":"alias exists"})",
         code::already_exists},
        {400, R"({"__type":"UnrecognizedClientException","message":"bad token"})",
         code::unauthenticated},
        {400, R"({"__type":"LimitExceededException","message":"too many keys"})",
         code::failed_precondition},
    }));
    INFO(r.body);
    auto const s = aws::map_kms_error(r.http, r.body);
    CHECK(s.error_code() == r.expected);
    auto const doc = json::parse(r.body.starts_with("{") ? r.body : "{}").as_object();
    if (auto const* m = doc.if_contains("message"))
        CHECK_THAT(s.message(), Catch::Contains(std::string(m->as_string())));
    if (auto const* m = doc.if_contains("Message"))
        CHECK_THAT(s.message(), Catch::Contains(std::string(m->as_string())));
}

TEST_CASE_METHOD(fixture,
                 "kms retries transient failures with jittered backoff, not permanent ones",
                 "[kms]") {
    SECTION("throttled twice, then served") {
        transport->reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
        transport->reply(503, "");
        transport->reply(200, R"({"Keys":[],"Truncated":false})");
        REQUIRE(client.list_keys().has_value());
        CHECK(transport->requests.size() == 3);
        REQUIRE(sleeps.size() == 2);
        CHECK(sleeps[0] <= std::chrono::milliseconds{100});
        CHECK(sleeps[1] <= std::chrono::milliseconds{200});
    }
    SECTION("throttled beyond the retry budget") {
        for (int i = 0; i < 5; ++i)
            transport->reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
        auto r = client.enable_key("k-1");
        CHECK(r.error().error_code() == code::resource_exhausted);
        CHECK_THAT(r.error().message(),
                   Catch::Contains("Rate exceeded") && Catch::Contains("4 attempts"));
        CHECK(transport->requests.size() == 4);
    }
    SECTION("a transport failure is transient too") {
        transport->replies.push_back(scheduler::status{code::unavailable, "connection refused"});
        REQUIRE(client.enable_key("k-1").has_value());
        CHECK(transport->requests.size() == 2);
    }
    SECTION("a permanent error is not retried") {
        transport->reply(400,
                         R"({"__type":"NotFoundException","message":"Key 'k-9' does not exist"})");
        auto r = client.describe_key("k-9");
        CHECK(r.error().error_code() == code::not_found);
        CHECK_THAT(r.error().message(), Catch::Contains("Key 'k-9' does not exist"));
        CHECK(transport->requests.size() == 1);
        CHECK(sleeps.empty());
    }
    SECTION("each attempt is signed afresh") {
        transport->reply(503, "");
        REQUIRE(client.enable_key("k-1").has_value());
        for (auto const& req : transport->requests)
            CHECK(aws::verify(req, creds, "eu-west-1", "kms"));
    }
}

TEST_CASE("kms endpoints: https anywhere, plain http only on loopback", "[kms]") {
    CHECK(aws::parse_endpoint("https://kms.eu-west-1.amazonaws.com")->host_header() ==
          "kms.eu-west-1.amazonaws.com");
    CHECK(aws::parse_endpoint("https://kms.example:8443/")->host_header() == "kms.example:8443");
    CHECK(aws::parse_endpoint("http://127.0.0.1:4566")->port == "4566");
    CHECK(aws::parse_endpoint("http://[::1]:4566")->host_header() == "[::1]:4566");
    CHECK(aws::parse_endpoint("http://kms.example.com").error().field() == "endpoint_url");
    CHECK_FALSE(aws::parse_endpoint("ftp://x").has_value());
    CHECK_FALSE(aws::parse_endpoint("https://x/path").has_value());
    CHECK_FALSE(aws::parse_endpoint("https://user@x").has_value());
    CHECK_FALSE(aws::parse_endpoint("https://x:99999").has_value());
    CHECK_FALSE(aws::make_http_transport("http://10.0.0.1").has_value());
}
