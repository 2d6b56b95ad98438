// SPDX-License-Identifier: Apache-2.0
// The key inventory and rotation-job endpoints without sockets: router + handlers + libcckm over
// both key stores (in memory and SQLite). Lists page, filter and sort from an allow-list; bad
// input answers 400 naming the parameter; enable/disable-rotation-job check the job config and
// change nothing when they refuse; writes need CCKM Admins.
#include "route_call.hpp"
#include "support/catch.hpp"
#include "support/in_memory_store.hpp"
#include "support/manual_executor.hpp"

#include "handlers/handlers.hpp"
#include "server.hpp"
#include "server_fixture.hpp"

#include <cckm/key_store.hpp>
#include <cckm/operations.hpp>
#include <scheduler/engine.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <set>
#include <string>

namespace json = boost::json;
using schedulerd::http::verb;

namespace {

scheduler::time_point at(char const* s) {
    return scheduler::parse_rfc3339(s).value();
}

using query = std::map<std::string, std::string, std::less<>>;

using route_test::reply;

std::string const aws_keys = "/api/v1/cckm/aws/keys";

struct keys_api {
    explicit keys_api(std::string const& kind) : clock(at("2026-03-02T10:00:00Z")) {
        inventory = kind == "sqlite" ? cckm::open_sqlite_key_store(":memory:").value()
                                     : cckm::make_in_memory_key_store();
        cckm::register_operations(ops).value();
        scheduler::engine_options o;
        o.executor = exec.executor();
        eng = std::make_unique<scheduler::engine>(store, ops, clock, o);
        svc = std::make_unique<schedulerd::services>(
            schedulerd::services{*eng, ops, store, "local-node", inventory.get(), nullptr});
        schedulerd::register_scheduler_routes(routes, *svc);
        schedulerd::register_cckm_key_routes(routes, *svc);
        user.username = "admin";
        user.groups = {"admin"};
    }

    reply call(verb method, std::string const& path, std::string const& body = {}, query q = {}) {
        return route_test::call(routes, user, method, path, body, std::move(q));
    }
    reply get(std::string const& path, query q = {}) { return call(verb::get, path, {}, q); }
    reply post(std::string const& path, std::string const& body = {}) {
        return call(verb::post, path, body);
    }

    /// A key in the inventory, created `age_days` before the clock's now.
    cckm::cloud_key add_key(std::string const& cloud,
                            std::string const& name,
                            int age_days,
                            std::string const& region = "us-east-1") {
        cckm::cloud_key k;
        k.id = cckm::new_key_id();
        k.cloud = cloud;
        k.native_id = "native-" + name;
        k.name = name;
        k.account = "123456789012";
        k.region = region;
        k.container = "kms-1";
        k.key_type = "symmetric";
        if (cloud == "aws") k.aliases = {"alias/" + name};
        k.created_at = clock.now() - std::chrono::hours{24 * age_days};
        k.updated_at = clock.now();
        k.synced_at = clock.now();
        k.tags = {{"team", "crypto"}};
        k.versions.push_back({"1", k.created_at, std::nullopt, true});
        inventory->put(k).value();
        return k;
    }

    std::string create_config(std::string const& name,
                              std::string const& operation,
                              std::string const& params) {
        auto r = call(verb::post, "/api/v1/scheduler/job-configs",
                      R"({"name":")" + name + R"(","operation":")" + operation +
                          R"(","run_at":"0 1 * * *",")" + operation + "_params\":" + params + "}");
        INFO(json::serialize(r.body));
        REQUIRE(r.status == 201);
        return r.str("id");
    }
    std::string rotation_config(std::string const& name, std::string const& cloud) {
        return create_config(name, "cckm_key_rotation", R"({"cloud_name":")" + cloud + "\"}");
    }

    scheduler::manual_clock clock;
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    scheduler::test::manual_executor exec;
    std::unique_ptr<cckm::key_store> inventory;
    std::unique_ptr<scheduler::engine> eng;
    std::unique_ptr<schedulerd::services> svc;
    schedulerd::router routes;
    schedulerd::principal user;
};

}  // namespace

TEST_CASE("the AWS key resource has the shape of seeds/004", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    auto k = a.add_key("aws", "aws-test-key-1", 30, "ap-south-1");
    auto r = a.get(aws_keys + "/" + k.id);
    REQUIRE(r.status == 200);
    auto const& o = r.body.as_object();
    // Every field of the seed's example response.
    for (char const* f :
         {"id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "kms_id",
          "kms", "synced_at", "rotation_status", "cloud_name", "key_type", "basic_view_enabled",
          "region", "gone", "key_material_origin", "aws_param", "labels"}) {
        INFO(f);
        CHECK(o.contains(f));
    }
    CHECK(r.str("uri") == "kylo:kylo:cckm:aws-key:" + k.id);
    CHECK(r.str("account") == "kylo:kylo:admin:accounts:kylo");
    CHECK(r.str("application") == "ncryptify:gemalto:admin:apps:kylo");
    CHECK(r.str("devAccount") == "ncryptify:gemalto:admin:accounts:gemalto");
    CHECK(r.str("cloud_name") == "aws");
    CHECK(r.str("region") == "ap-south-1");
    CHECK(r.str("key_material_origin") == "native");
    CHECK(r.str("rotation_status").empty());
    CHECK(r.str("synced_at") == "2026-03-02T10:00:00.000000Z");
    CHECK(o.at("gone") == false);
    CHECK(o.at("labels") == json::object{});
    auto const& p = o.at("aws_param").as_object();
    for (char const* f :
         {"AWSAccountId", "Arn", "CustomerMasterKeySpec", "Enabled", "EncryptionAlgorithms",
          "KeyID", "KeyManager", "KeyState", "KeyUsage", "Origin", "CreationDate", "Policy",
          "Alias", "Tags", "KeyRotationEnabled"}) {
        INFO(f);
        CHECK(p.contains(f));
    }
    CHECK(p.at("Arn") == "arn:aws:kms:ap-south-1:123456789012:key/native-aws-test-key-1");
    CHECK(p.at("AWSAccountId") == "123456789012");
    CHECK(p.at("CustomerMasterKeySpec") == "SYMMETRIC_DEFAULT");
    CHECK(p.at("EncryptionAlgorithms") == json::array{"SYMMETRIC_DEFAULT"});
    CHECK(p.at("Enabled") == true);
    CHECK(p.at("KeyState") == "Enabled");
    CHECK(p.at("KeyUsage") == "ENCRYPT_DECRYPT");
    CHECK(p.at("Origin") == "AWS_KMS");
    CHECK(p.at("KeyID") == "native-aws-test-key-1");
    CHECK(p.at("CreationDate") == "2026-01-31T10:00:00Z");
    CHECK(p.at("Alias") == json::array{"alias/aws-test-key-1"});
    CHECK(p.at("Tags") == json::array{json::object{{"TagKey", "team"}, {"TagValue", "crypto"}}});
    CHECK(p.at("Policy").at("Statement").at(0).at("Principal").at("AWS") ==
          "arn:aws:iam::123456789012:root");
    CHECK(p.at("KeyRotationEnabled") == false);

    // The other clouds: the same envelope and a block of their own.
    auto az = a.add_key("AzureCloud", "vault-key", 3, "westeurope");
    auto ar = a.get("/api/v1/cckm/azure/keys/" + az.id);
    REQUIRE(ar.status == 200);
    CHECK(ar.str("uri") == "kylo:kylo:cckm:azure-key:" + az.id);
    CHECK(ar.str("cloud_name") == "AzureCloud");
    CHECK(ar.body.at("azure_param").at("key_vault") == "kms-1");
    CHECK(ar.body.at("azure_param").at("versions").as_array().size() == 1);
    CHECK_FALSE(ar.body.as_object().contains("aws_param"));
}

TEST_CASE("key lists page, filter and sort", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    auto oldest = a.add_key("aws", "charlie", 300, "eu-west-1");
    auto middle = a.add_key("aws", "alpha", 200);
    auto newest = a.add_key("aws", "bravo", 100);
    a.add_key("AzureCloud", "alpha", 50);  // another cloud: never in the AWS list

    auto all = a.get(aws_keys);
    REQUIRE(all.status == 200);
    CHECK(all.total() == 3);
    CHECK(all.body.at("skip") == 0);
    CHECK(all.body.at("limit") == 10);
    // Newest first, as every list of the API.
    CHECK(all.ids() == std::vector<std::string>{newest.id, middle.id, oldest.id});

    auto page = a.get(aws_keys, {{"skip", "1"}, {"limit", "1"}});
    REQUIRE(page.status == 200);
    CHECK(page.total() == 3);
    CHECK(page.ids() == std::vector<std::string>{middle.id});
    CHECK(a.get(aws_keys, {{"limit", "-1"}}).ids().size() == 3);
    CHECK(a.get(aws_keys, {{"limit", "-1"}}).body.at("limit") == -1);
    auto count_only = a.get(aws_keys, {{"limit", "0"}});
    CHECK(count_only.total() == 3);
    CHECK(count_only.ids().empty());
    CHECK(a.get(aws_keys, {{"skip", "5"}}).ids().empty());

    CHECK(a.get(aws_keys, {{"sort", "name"}}).ids() ==
          std::vector<std::string>{middle.id, newest.id, oldest.id});
    CHECK(a.get(aws_keys, {{"sort", "-name"}}).ids() ==
          std::vector<std::string>{oldest.id, newest.id, middle.id});
    CHECK(a.get(aws_keys, {{"sort", "createdAt"}}).ids() ==
          std::vector<std::string>{oldest.id, middle.id, newest.id});
    // us-east-1 before eu-west-1, then by name.
    CHECK(a.get(aws_keys, {{"sort", "-region,name"}}).ids() ==
          std::vector<std::string>{middle.id, newest.id, oldest.id});

    CHECK(a.get(aws_keys, {{"name", "alpha"}}).ids() == std::vector<std::string>{middle.id});
    CHECK(a.get(aws_keys, {{"name", "alp"}}).total() == 0);  // exact, not a prefix
    CHECK(a.get(aws_keys, {{"region", "eu-west-1"}}).ids() == std::vector<std::string>{oldest.id});
    CHECK(a.get(aws_keys, {{"state", "enabled"}}).total() == 3);
    CHECK(a.get(aws_keys, {{"state", "disabled"}}).total() == 0);

    auto gone = a.inventory->get("aws", oldest.id).value();
    gone.gone = true;
    a.inventory->put(gone).value();
    CHECK(a.get(aws_keys, {{"gone", "true"}}).ids() == std::vector<std::string>{oldest.id});
    CHECK(a.get(aws_keys, {{"gone", "false"}}).total() == 2);

    auto config = a.rotation_config("rotate aws", "aws");
    REQUIRE(a.post(aws_keys + "/" + newest.id + "/enable-rotation-job",
                   R"({"job_config_id":")" + config + "\"}")
                .status == 200);
    CHECK(a.get(aws_keys, {{"job_config_id", config}}).ids() ==
          std::vector<std::string>{newest.id});
}

TEST_CASE("bad list parameters answer 400 naming the parameter", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    a.add_key("aws", "k", 1);
    struct bad {
        char const* name;
        char const* value;
    };
    for (auto [name, value] :
         {bad{"skip", "-1"}, bad{"skip", "x"}, bad{"limit", "1001"}, bad{"limit", "-2"},
          bad{"limit", "ten"}, bad{"sort", "policy"}, bad{"sort", "name,body) --"},
          bad{"gone", "maybe"}, bad{"state", "on"}}) {
        INFO(name << "=" << value);
        auto r = a.get(aws_keys, {{name, value}});
        CHECK(r.status == 400);
        CHECK(r.field() == name);
        CHECK(r.str("codeDesc").starts_with("NCERRInvalidParamValue"));
    }
}

TEST_CASE("unknown keys and clouds answer 404; no inventory answers 503", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    auto k = a.add_key("aws", "k", 1);
    CHECK(a.get(aws_keys + "/no-such-key").status == 404);
    CHECK(a.get(aws_keys + "/no-such-key").str("codeDesc").starts_with("NCERRResourceNotFound"));
    // The key exists, but under another cloud.
    CHECK(a.get("/api/v1/cckm/azure/keys/" + k.id).status == 404);
    CHECK(a.get("/api/v1/cckm/ibm/keys").status == 404);
    CHECK(a.get("/api/v1/cckm/ibm/keys/" + k.id).status == 404);
    CHECK(a.post("/api/v1/cckm/ibm/keys/" + k.id + "/enable-rotation-job", "{}").status == 404);
    CHECK(a.post(aws_keys + "/no-such-key/disable-rotation-job").status == 404);
    // A 404 for an unknown key comes before any complaint about the body.
    CHECK(a.post(aws_keys + "/no-such-key/enable-rotation-job", "{}").status == 404);

    a.svc->inventory = nullptr;
    auto r = a.get(aws_keys);
    CHECK(r.status == 503);
    CHECK(a.get(aws_keys + "/" + k.id).status == 503);
}

TEST_CASE("enable and disable the rotation job of a key", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    auto k = a.add_key("aws", "k", 10);
    auto const path = aws_keys + "/" + k.id;
    auto config = a.rotation_config("rotate aws", "aws");
    a.clock.advance(std::chrono::minutes(5));

    auto on = a.post(path + "/enable-rotation-job",
                     R"({"job_config_id":")" + config +
                         R"(","auto_rotate_key_source":"local","auto_rotate_disable_encrypt":true,
                            "unknown_field":1})");
    INFO(json::serialize(on.body));
    REQUIRE(on.status == 200);
    CHECK(on.body.at("labels") == json::object{{"job_config_id", config},
                                               {"auto_rotate_key_source", "local"},
                                               {"auto_rotate_disable_encrypt", "true"}});
    CHECK(on.str("job_config_id") == config);
    CHECK(on.str("updatedAt") == "2026-03-02T10:05:00.000000Z");
    CHECK(a.get(path).body == on.body);
    CHECK(a.inventory->get("aws", k.id).value().labels.at("job_config_id") == config);

    // Enabling again replaces the whole attachment.
    auto again = a.post(path + "/enable-rotation-job", R"({"job_config_id":")" + config + "\"}");
    REQUIRE(again.status == 200);
    CHECK(again.body.at("labels") == json::object{{"job_config_id", config}});

    // Bodyless, whatever the content type; the key is answered.
    auto off = a.post(path + "/disable-rotation-job");
    REQUIRE(off.status == 200);
    CHECK(off.str("id") == k.id);
    CHECK(off.body.at("labels") == json::object{});
    CHECK_FALSE(off.body.as_object().contains("job_config_id"));
    // Disabling a detached key is answered as it is.
    CHECK(a.post(path + "/disable-rotation-job").status == 200);
    // Labels that are not the attachment's stay.
    auto labelled = a.inventory->get("aws", k.id).value();
    labelled.labels["owner"] = "team-a";
    a.inventory->put(labelled).value();
    REQUIRE(
        a.post(path + "/enable-rotation-job", R"({"job_config_id":")" + config + "\"}").status ==
        200);
    CHECK(a.post(path + "/disable-rotation-job").body.at("labels") ==
          json::object{{"owner", "team-a"}});
}

TEST_CASE("a refused enable-rotation-job names the field and changes nothing", "[cckm_keys]") {
    keys_api a(GENERATE(as<std::string>{}, "memory", "sqlite"));
    auto k = a.add_key("aws", "k", 10);
    auto const path = aws_keys + "/" + k.id;
    auto aws_rotation = a.rotation_config("rotate aws", "aws");
    auto azure_rotation = a.rotation_config("rotate azure", "AzureCloud");
    auto sync = a.create_config("sync aws", "cckm_synchronization",
                                R"({"cloud_name":"aws","synchronize_all":true})");
    // Attached first, so "nothing changed" also means "still attached to the old job".
    REQUIRE(a.post(path + "/enable-rotation-job", R"({"job_config_id":")" + aws_rotation + "\"}")
                .status == 200);
    auto const before = a.inventory->get("aws", k.id).value();
    a.clock.advance(std::chrono::minutes(5));

    struct bad {
        std::string body;
        std::string field;
    };
    for (auto const& [body, field] : std::vector<bad>{
             {"{}", "job_config_id"},
             {R"({"job_config_id":""})", "job_config_id"},
             {R"({"job_config_id":42})", "job_config_id"},
             {R"({"job_config_id":"no-such-config"})", "job_config_id"},
             {R"({"job_config_id":")" + sync + "\"}", "job_config_id"},
             {R"({"job_config_id":")" + azure_rotation + "\"}", "job_config_id"},
             {R"({"job_config_id":")" + aws_rotation + R"(","auto_rotate_key_source":"usb"})",
              "auto_rotate_key_source"},
             {R"({"job_config_id":")" + aws_rotation +
                  R"(","auto_rotate_disable_encrypt":true,
                     "auto_rotate_disable_encrypt_on_all_accounts":true})",
              "auto_rotate_disable_encrypt_on_all_accounts"},
         }) {
        INFO(body);
        auto r = a.post(path + "/enable-rotation-job", body);
        CHECK(r.status == 400);
        CHECK(r.field() == field);
        CHECK(r.str("codeDesc").starts_with("NCERRInvalidParamValue: " + field));
        CHECK(a.inventory->get("aws", k.id).value() == before);
    }
    auto malformed = a.post(path + "/enable-rotation-job", "{not json");
    CHECK(malformed.status == 400);
    CHECK(malformed.str("codeDesc").starts_with("NCERRBadRequest"));
    CHECK(a.inventory->get("aws", k.id).value() == before);
}

TEST_CASE("every cloud attaches keys with one handler", "[cckm_keys]") {
    keys_api a("memory");
    struct cloud_case {
        char const* cloud;
        char const* segment;
        char const* verb_name;  // enable-<x> / disable-<x>
    };
    for (auto [cloud, segment, name] :
         {cloud_case{"AzureCloud", "azure", "rotation-job"},
          cloud_case{"gcp", "google", "auto-rotation"}, cloud_case{"oci", "oci", "auto-rotation"},
          cloud_case{"sap", "sap", "auto-rotation"}, cloud_case{"sap", "sap", "rotation-job"},
          cloud_case{"sfdc", "sfdc", "rotation-job"}}) {
        INFO(cloud << " " << name);
        auto k = a.add_key(cloud, std::string("key-of-") + segment + "-" + name, 10);
        auto config = a.rotation_config(std::string("rotate ") + segment + " " + name, cloud);
        auto const path = std::string("/api/v1/cckm/") + segment + "/keys/" + k.id;
        auto on = a.post(path + "/enable-" + name, R"({"job_config_id":")" + config + "\"}");
        REQUIRE(on.status == 200);
        CHECK(on.body.at("labels").at("job_config_id").as_string() == config);
        CHECK(on.str("cloud_name") == cloud);
        auto off = a.post(path + "/disable-" + name);
        REQUIRE(off.status == 200);
        CHECK(off.body.at("labels") == json::object{});
    }
    // Azure's own options are kept, typed values as text.
    auto az = a.add_key("AzureCloud", "typed", 10);
    auto config = a.rotation_config("rotate azure typed", "AzureCloud");
    auto on = a.post("/api/v1/cckm/azure/keys/" + az.id + "/enable-rotation-job",
                     R"({"job_config_id":")" + config +
                         R"(","auto_rotate_key_type":"RSA","auto_rotate_key_size":3072,
                            "auto_rotate_enable_key":false,"auto_rotate_algorithm":"ignored"})");
    REQUIRE(on.status == 200);
    CHECK(on.body.at("labels") == json::object{{"job_config_id", config},
                                               {"auto_rotate_key_type", "RSA"},
                                               {"auto_rotate_key_size", "3072"},
                                               {"auto_rotate_enable_key", "false"}});
}

TEST_CASE("reading keys needs a sign-in; attaching them needs CCKM Admins", "[cckm_keys]") {
    server_test::auth_fixture f;
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    cckm::register_operations(ops).value();
    scheduler::test::manual_executor exec;
    scheduler::engine_options o;
    o.executor = exec.executor();
    scheduler::engine eng(store, ops, f.clock, o);
    auto inventory = cckm::make_in_memory_key_store();
    schedulerd::services svc{eng, ops, store, "local-node", inventory.get(), nullptr};
    schedulerd::register_scheduler_routes(f.routes, svc);
    schedulerd::register_cckm_key_routes(f.routes, svc);

    cckm::cloud_key k;
    k.id = cckm::new_key_id();
    k.cloud = "aws";
    k.native_id = "n1";
    inventory->put(k).value();
    auto admin = f.admin_token();
    auto created = f.call(verb::post, "/api/v1/scheduler/job-configs",
                          R"({"name":"r","operation":"cckm_key_rotation","run_at":"0 1 * * *",
                              "cckm_key_rotation_params":{"cloud_name":"aws"}})",
                          admin);
    REQUIRE(created.result() == schedulerd::http::status::created);
    auto config = std::string(server_test::body_of(created).at("id").as_string());
    (void)f.auth.create_user("reader", "reader-password", {}).value();
    (void)f.auth.create_user("keyadmin", "keyadmin-password", {"CCKM Admins"}).value();
    auto reader = f.token("reader", "reader-password");
    auto keyadmin = f.token("keyadmin", "keyadmin-password");
    auto const path = aws_keys + "/" + k.id;
    std::string const body = R"({"job_config_id":")" + config + "\"}";

    CHECK(f.call(verb::get, aws_keys + "?limit=5&sort=-name").result() ==
          schedulerd::http::status::unauthorized);
    CHECK(f.call(verb::get, aws_keys + "?limit=5&sort=-name", {}, reader).result() ==
          schedulerd::http::status::ok);
    CHECK(f.call(verb::get, path, {}, reader).result() == schedulerd::http::status::ok);
    for (auto const* action : {"/enable-rotation-job", "/disable-rotation-job"}) {
        auto denied = f.call(verb::post, path + action, body, reader);
        CHECK(denied.result() == schedulerd::http::status::forbidden);
        CHECK(server_test::body_of(denied).at("codeDesc").as_string().starts_with("NCERR"));
    }
    CHECK(inventory->get("aws", k.id).value().labels.empty());
    CHECK(f.call(verb::post, path + "/enable-rotation-job", body, keyadmin).result() ==
          schedulerd::http::status::ok);
    CHECK(inventory->get("aws", k.id).value().labels.at("job_config_id") == config);
    // Through the pipeline a bodyless POST with no content type works too.
    CHECK(f.call(verb::post, path + "/disable-rotation-job", {}, admin, "").result() ==
          schedulerd::http::status::ok);
    CHECK(inventory->get("aws", k.id).value().labels.empty());
}

TEST_CASE("the key routes do not shadow the literal cckm paths", "[cckm_keys]") {
    // The real route table: /cckm/{cloud}/keys/{id} would catch /cckm/sap/keys/jobs if it were
    // registered before the key jobs (the first matching route wins).
    server_test::auth_fixture f;
    scheduler::test::in_memory_store store;
    scheduler::operation_registry ops;
    scheduler::engine eng{store, ops, f.clock};
    schedulerd::services svc{eng, ops, store, "local-node"};
    auto routes = schedulerd::build_router(svc, f.auth, f.stats);
    auto template_of = [&](verb method, std::string_view path) {
        auto m = routes.match(method, path);
        return m.found ? m.found->path_template : std::string();
    };
    CHECK(template_of(verb::get, "/api/v1/cckm/sap/keys/jobs") == "/api/v1/cckm/sap/keys/jobs");
    CHECK(template_of(verb::get, "/api/v1/cckm/sap/keys/some-id") ==
          "/api/v1/cckm/{cloud}/keys/{id}");
    CHECK(template_of(verb::post, "/api/v1/cckm/oci/keys/k/enable-auto-rotation") ==
          "/api/v1/cckm/oci/keys/{id}/enable-auto-rotation");
}
