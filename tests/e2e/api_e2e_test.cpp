// SPDX-License-Identifier: Apache-2.0
// End-to-end over the real binaries: schedulerd on 127.0.0.1 port 0 (HTTPS, self-signed) and
// schedulerctl. The scheduler API as a client sees it: create, list with every filter, get,
// patch, run-now, next-runs, job runs, access by group, conflicts and not-found; then
// schedulerctl login and configs/jobs commands against the same server.
#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace json = boost::json;
using scheduler_test::http::verb;

namespace {

struct run_result {
    int exit_status = -1;
    std::string out;
    std::string err;
};

/// Runs schedulerctl with `args` and extra environment entries ("NAME=value"), no shell,
/// stdout and stderr captured separately.
run_result run_ctl(std::vector<std::string> const& args,
                   std::vector<std::string> const& env_extra) {
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    if (pipe(out_pipe.data()) != 0 || pipe(err_pipe.data()) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
        posix_spawn_file_actions_addclose(&actions, fd);
    std::vector<std::string> argv_storage{SCHEDULERCTL_PATH};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = env_extra;
    for (char** e = environ; *e; ++e) {
        // Ours win: drop inherited entries of the same names.
        std::string_view entry(*e);
        bool overridden = false;
        for (auto const& x : env_extra) {
            if (entry.substr(0, entry.find('=') + 1) == x.substr(0, x.find('=') + 1))
                overridden = true;
        }
        if (!overridden) env_storage.emplace_back(entry);
    }
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    int const rc =
        posix_spawn(&pid, SCHEDULERCTL_PATH, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    run_result r;
    std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
    std::array<std::string*, 2> sinks{&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds.data(), fds.size(), 30000) <= 0) throw std::runtime_error("schedulerctl hung");
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            std::array<char, 4096> buf{};
            ssize_t const n = read(fds[i].fd, buf.data(), buf.size());
            if (n > 0) {
                sinks[i]->append(buf.data(), static_cast<std::size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string const configs = "/api/v1/scheduler/job-configs";
std::string const jobs = "/api/v1/scheduler/jobs";

json::value rotation(std::string const& name, std::string const& cloud) {
    return json::object{{"name", name},
                        {"operation", "cckm_key_rotation"},
                        {"run_at", "0 1 * * *"},
                        {"cckm_key_rotation_params", json::object{{"cloud_name", cloud}}}};
}

std::string field_of(scheduler_test::http_reply const& r) {
    auto const* f = r.body.is_object() ? r.body.as_object().if_contains("field") : nullptr;
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
}

}  // namespace

TEST_CASE("the scheduler API over HTTPS", "[e2e][api]") {
    scheduler_test::server_process srv{SCHEDULERD_PATH};
    srv.start();
    auto cli = srv.client();
    std::string const token = cli.login("admin", srv.admin_password());
    auto total = [&](std::string const& query) {
        auto r = cli.request(verb::get, configs + query, nullptr, token);
        INFO(query << " -> " << r.text);
        REQUIRE(r.status == 200);
        return r.body.at("total").as_int64();
    };

    // The reference example.
    auto created = cli.request(verb::post, configs, rotation("rotate AWS keys", "aws"), token);
    INFO(created.text);
    REQUIRE(created.status == 201);
    std::string const id(created.body.at("id").as_string());
    CHECK(created.body.at("uri") == json::value("kylo:kylo:scheduler:job_configs:" + id));
    CHECK(created.body.at("job_config_params") == json::object{{"cloud_name", "aws"}});

    // Terraform's create body: every block present, unused ones null, zero dates, blanks.
    auto tf =
        cli.request_text(verb::post, configs, R"({"name":"tf oci","operation":"cckm_key_rotation",
        "description":"","run_at":"30 2 * * 1","run_on":"","disabled":true,
        "start_date":"0001-01-01T00:00:00Z","end_date":"0001-01-01T00:00:00Z",
        "database_backup_params":null,"cckm_synchronization_params":null,
        "cckm_xks_credential_rotation_params":null,
        "cckm_key_rotation_params":{"cloud_name":"oci","expire_in":"6h","expiration":null,
                                    "aws_param":{"retain_alias":false}}})",
                         token);
    INFO(tf.text);
    REQUIRE(tf.status == 201);
    CHECK_FALSE(tf.body.as_object().contains("start_date"));
    CHECK(tf.body.at("run_on") == "any");
    std::string const tf_id(tf.body.at("id").as_string());

    auto backup =
        cli.request(verb::post, configs,
                    json::object{{"name", "nightly backup"},
                                 {"operation", "database_backup"},
                                 {"run_at", "@daily"},
                                 {"database_backup_params", json::object{{"retentionCount", 3}}}},
                    token);
    REQUIRE(backup.status == 201);

    SECTION("list filters, paging and sorting") {
        CHECK(total("") == 3);
        CHECK(total("?name=rotate%20AWS%20keys") == 1);
        CHECK(total("?id=" + id) == 1);
        CHECK(total("?operation=cckm_key_rotation") == 2);
        CHECK(total("?disabled=true") == 1);
        CHECK(total("?disabled=false") == 2);
        CHECK(total("?cloud_name=oci") == 1);
        CHECK(total("?expire_in=6h") == 1);
        CHECK(total("?createdAfter=2000-01-01T00:00:00Z") == 3);
        CHECK(total("?createdBefore=2000-01-01T00:00:00Z") == 0);
        CHECK(total("?createdBefore=%2B1D") == 3);  // relative: one day from now
        auto page = cli.request(verb::get, configs + "?skip=1&limit=1&sort=-name", nullptr, token);
        REQUIRE(page.status == 200);
        CHECK(page.body.at("limit") == 1);
        CHECK(page.body.at("resources").at(0).at("name") == "rotate AWS keys");
        auto all = cli.request(verb::get, configs + "?limit=-1", nullptr, token);
        CHECK(all.body.at("resources").as_array().size() == 3);
        auto bad = cli.request(verb::get, configs + "?sort=password", nullptr, token);
        CHECK(bad.status == 400);
        CHECK(field_of(bad) == "sort");
        CHECK(cli.request(verb::get, configs + "?limit=1001", nullptr, token).status == 400);
    }

    SECTION("get, patch, next-runs, conflicts and not-found") {
        auto got = cli.request(verb::get, configs + "/" + id, nullptr, token);
        REQUIRE(got.status == 200);
        CHECK(got.body == created.body);

        auto patched =
            cli.request_text(verb::patch, configs + "/" + id,
                             R"({"cckm_key_rotation_params":{"expire_in":"2d"}})", token);
        REQUIRE(patched.status == 200);
        CHECK(patched.body.at("job_config_params") ==
              json::object{{"cloud_name", "aws"}, {"expire_in", "2d"}});

        auto refused =
            cli.request_text(verb::patch, configs + "/" + id,
                             R"({"cckm_key_rotation_params":{"cloud_name":"gcp"}})", token);
        CHECK(refused.status == 400);
        CHECK(field_of(refused) == "cckm_key_rotation_params.cloud_name");

        auto next =
            cli.request(verb::get, configs + "/" + id + "/next-runs?count=3", nullptr, token);
        REQUIRE(next.status == 200);
        CHECK(next.body.at("next_runs").as_array().size() == 3);

        auto dup = cli.request(verb::post, configs, rotation("rotate AWS keys", "aws"), token);
        CHECK(dup.status == 409);
        CHECK(dup.body.at("codeDesc").as_string().starts_with("NCERRConflict"));
        CHECK(total("") == 3);

        auto missing = cli.request(verb::get, configs + "/no-such-id", nullptr, token);
        CHECK(missing.status == 404);
        CHECK(missing.body.at("code") == 16);
        CHECK(cli.request(verb::delete_, configs + "/no-such-id", nullptr, token).status == 404);
        CHECK(cli.request(verb::get, jobs + "/no-such-id", nullptr, token).status == 404);

        auto malformed = cli.request_text(verb::post, configs, "{\"name\":", token);
        CHECK(malformed.status == 400);
        CHECK(malformed.body.at("code") == 15);

        CHECK(cli.request(verb::delete_, configs + "/" + tf_id, nullptr, token).status == 204);
        CHECK(cli.request(verb::get, configs + "/" + tf_id, nullptr, token).status == 404);
    }

    SECTION("run-now and job runs") {
        // Bodyless POST, no Content-Type at all.
        auto run = cli.request_text(verb::post, configs + "/" + id + "/run-now", "", token, "");
        INFO(run.text);
        REQUIRE(run.status == 201);
        std::string const run_id(run.body.at("id").as_string());
        CHECK(run.body.at("job_id") == json::value(run_id));
        CHECK(run.body.at("job_config_id") == json::value(id));

        // No key carries this config's label, so the rotation (over the simulated clouds)
        // completes at once with nothing to do; wait (bounded) for the worker to record it.
        json::value finished;
        for (int i = 0; i < 200; ++i) {
            auto r = cli.request(verb::get, jobs + "/" + run_id, nullptr, token);
            REQUIRE(r.status == 200);
            if (r.body.at("status") == "completed") {
                finished = r.body;
                break;
            }
            ::usleep(25'000);  // polling a real process: there is no clock to move
        }
        REQUIRE(finished.is_object());
        CHECK(finished.at("details").at("job_id") == json::value(run_id));
        CHECK(finished.at("details").at("details").at("total_keys") == 0);

        auto listed = cli.request(verb::get,
                                  jobs + "?status=completed&job_config_id=" + id +
                                      "&operation=cckm_key_rotation&processing_node=local-node" +
                                      "&name=rotate%20AWS%20keys&id=" + run_id,
                                  nullptr, token);
        REQUIRE(listed.status == 200);
        CHECK(listed.body.at("total") == 1);
        CHECK(cli.request(verb::get, jobs + "?status=failed", nullptr, token).body.at("total") ==
              0);
        CHECK(cli.request(verb::get, jobs + "?status=bogus", nullptr, token).status == 400);

        CHECK(cli.request(verb::delete_, jobs + "/" + run_id, nullptr, token).status == 204);
        CHECK(cli.request(verb::get, jobs + "/" + run_id, nullptr, token).status == 404);
    }

    SECTION("reads for any signed-in user, writes for Scheduler Admins") {
        auto user = cli.request(verb::post, "/api/v1/usermgmt/users",
                                json::object{{"username", "reader"},
                                             {"password", "Reader-Passw0rd!"},
                                             {"groups", json::array{}}},
                                token);
        REQUIRE(user.status == 201);
        std::string const reader = cli.login("reader", "Reader-Passw0rd!");
        CHECK(cli.request(verb::get, configs, nullptr, reader).status == 200);
        CHECK(cli.request(verb::get, jobs, nullptr, reader).status == 200);
        CHECK(cli.request(verb::post, configs, rotation("nope", "aws"), reader).status == 403);
        CHECK(cli.request(verb::post, configs + "/" + id + "/run-now", nullptr, reader).status ==
              403);
        CHECK(cli.request(verb::get, configs).status == 401);
        CHECK(total("") == 3);
    }

    CHECK(srv.stop() == 0);
}

TEST_CASE("schedulerctl against a running schedulerd", "[e2e][api][cli]") {
    scheduler_test::server_process srv{SCHEDULERD_PATH};
    srv.start();
    std::string const config_path = srv.temp_dir() + "/ctl/config.json";
    std::vector<std::string> const env{"SCHEDULERCTL_CONFIG=" + config_path,
                                       "SCHEDULERCTL_PASSWORD=" + srv.admin_password()};
    auto ctl = [&](std::vector<std::string> args) { return run_ctl(args, env); };

    // The certificate is self-signed: without trust, login fails and says how to fix it.
    auto untrusted = ctl({"login", "--url", srv.base_url()});
    CHECK(untrusted.exit_status == 1);
    CHECK(untrusted.err.find("--cacert") != std::string::npos);

    auto login =
        ctl({"login", "--url", srv.base_url(), "--cacert", srv.data_dir() + "/tls-cert.pem"});
    INFO(login.err);
    REQUIRE(login.exit_status == 0);
    struct stat st {};
    REQUIRE(::stat(config_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto created = ctl({"configs", "create", "--name", "cli rotation", "--operation",
                        "cckm_key_rotation", "--run-at", "0 3 * * *", "--params",
                        R"({"cloud_name":"AzureCloud","rotation_after":"30d"})", "-o", "json"});
    INFO(created.err);
    REQUIRE(created.exit_status == 0);
    auto const body = json::parse(created.out);
    std::string const id(body.at("id").as_string());
    CHECK(body.at("job_config_params").at("rotation_after") == "30d");

    auto list = ctl({"configs", "list", "-o", "json"});
    REQUIRE(list.exit_status == 0);
    CHECK(json::parse(list.out).at("total") == 1);

    auto table = ctl({"configs", "list", "--name", "cli rotation"});
    REQUIRE(table.exit_status == 0);
    CHECK(table.out.starts_with("ID "));
    CHECK(table.out.find("cli rotation") != std::string::npos);

    auto run = ctl({"configs", "run-now", id, "-o", "json"});
    INFO(run.err);
    REQUIRE(run.exit_status == 0);
    CHECK(json::parse(run.out).at("job_config_id") == json::value(id));

    auto runs = ctl({"jobs", "list", "--job-config-id", id, "-o", "json"});
    REQUIRE(runs.exit_status == 0);
    CHECK(json::parse(runs.out).at("total") == 1);

    auto next = ctl({"configs", "next-runs", id, "--count", "2"});
    REQUIRE(next.exit_status == 0);
    CHECK(std::count(next.out.begin(), next.out.end(), '\n') == 2);

    // The server's refusal: one line on stderr, exit 1, nothing on stdout.
    auto dup =
        ctl({"configs", "create", "--name", "cli rotation", "--operation", "cckm_key_rotation",
             "--run-at", "0 3 * * *", "--params", R"({"cloud_name":"aws"})"});
    CHECK(dup.exit_status == 1);
    CHECK(dup.out.empty());
    CHECK(std::count(dup.err.begin(), dup.err.end(), '\n') == 1);
    CHECK(dup.err.find("NCERRConflict") != std::string::npos);

    // Usage errors: exit 2.
    CHECK(ctl({"configs", "get"}).exit_status == 2);
    CHECK(ctl({"configs", "list", "--bogus"}).exit_status == 2);
    CHECK(ctl({"configs", "list", "-o", "yaml"}).exit_status == 2);
    auto help = ctl({"configs", "create", "--help"});
    CHECK(help.exit_status == 0);
    CHECK(help.out.find("usage: schedulerctl configs") != std::string::npos);

    CHECK(ctl({"configs", "delete", id}).exit_status == 0);
    CHECK(ctl({"configs", "get", id}).exit_status == 1);

    // AWS connections: the secret comes from the environment (never argv) and never back.
    std::string const secret = "ctl/Secret+Key-0123456789";
    auto with_secret = env;
    with_secret.push_back("SCHEDULERCTL_AWS_SECRET_ACCESS_KEY=" + secret);
    auto added = run_ctl({"aws-kms", "add", "--name", "lab", "--account-id", "111122223333",
                          "--region", "eu-west-1", "--region", "us-east-1", "--endpoint-url",
                          "http://127.0.0.1:9", "--access-key-id", "AKIDCTL", "-o", "json"},
                         with_secret);
    INFO(added.err);
    REQUIRE(added.exit_status == 0);
    auto const conn = json::parse(added.out);
    CHECK(conn.at("regions") == json::array{"eu-west-1", "us-east-1"});
    CHECK(added.out.find(secret) == std::string::npos);
    auto conns = ctl({"aws-kms", "list"});
    REQUIRE(conns.exit_status == 0);
    CHECK(conns.out.find("lab") != std::string::npos);
    CHECK(conns.out.find(secret) == std::string::npos);
    auto one = ctl({"aws-kms", "get", "lab", "-o", "json"});
    REQUIRE(one.exit_status == 0);
    CHECK(json::parse(one.out).at("access_key_id") == "AKIDCTL");
    auto no_account = run_ctl(
        {"aws-kms", "add", "--name", "lab2", "--region", "eu-west-1", "--access-key-id", "AKIDCTL"},
        with_secret);
    CHECK(no_account.exit_status == 1);
    CHECK(no_account.err.find("account_id") != std::string::npos);
    CHECK(ctl({"aws-kms", "add", "--name", "x", "--secret-file", "/dev/null"}).exit_status == 2);
    CHECK(ctl({"aws-kms", "get"}).exit_status == 2);
    CHECK(ctl({"aws-kms", "delete", "lab"}).exit_status == 0);
    CHECK(ctl({"aws-kms", "get", "lab"}).exit_status == 1);
    CHECK(srv.stop() == 0);
}
