// SPDX-License-Identifier: Apache-2.0
// AWS credentials from a fake environment and temporary credentials files (never the real
// environment or ~/.aws of the machine running the tests).
#include <cckm/aws/credentials_source.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

namespace {

namespace aws = cckm::aws;
namespace fs = std::filesystem;
using scheduler::code;

aws::env_reader env_of(std::map<std::string, std::string> const& vars) {
    return [vars](char const* name) -> char const* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}

struct temp_home {
    fs::path dir = fs::temp_directory_path() / ("cckm-creds-" + std::to_string(::getpid()));
    temp_home() { fs::create_directories(dir / ".aws"); }
    ~temp_home() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(std::string const& text) { std::ofstream(dir / ".aws" / "credentials") << text; }
};

constexpr char const* file_text = R"(# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret-default

[ ci ]
aws_access_key_id=AKIDCI
aws_secret_access_key=secret-ci
aws_session_token = token-ci
[broken]
aws_access_key_id = AKIDONLY
)";

}  // namespace

TEST_CASE("aws credentials: the environment comes first", "[kms][credentials]") {
    auto c = aws::default_credentials(env_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                              {"AWS_SECRET_ACCESS_KEY", "secret-env"},
                                              {"AWS_SESSION_TOKEN", "token-env"},
                                              {"HOME", "/nonexistent"}}));
    REQUIRE(c.has_value());
    CHECK(c->access_key_id == "AKIDENV");
    CHECK(c->secret_access_key == "secret-env");
    CHECK(c->session_token == "token-env");
    CHECK(aws::credentials_from_environment(env_of({{"AWS_ACCESS_KEY_ID", "AKID"}}))
              .error()
              .error_code() == code::not_found);
}

TEST_CASE("aws credentials: profiles of the shared credentials file", "[kms][credentials]") {
    temp_home home;
    home.write(file_text);
    auto const base = std::map<std::string, std::string>{{"HOME", home.dir.string()}};

    auto d = aws::default_credentials(env_of(base));
    REQUIRE(d.has_value());
    CHECK(d->access_key_id == "AKIDDEFAULT");
    CHECK(d->session_token.empty());

    auto with_profile = base;
    with_profile["AWS_PROFILE"] = "ci";
    auto ci = aws::default_credentials(env_of(with_profile));
    REQUIRE(ci.has_value());
    CHECK(ci->access_key_id == "AKIDCI");
    CHECK(ci->secret_access_key == "secret-ci");
    CHECK(ci->session_token == "token-ci");

    auto const path = (home.dir / ".aws" / "credentials").string();
    auto broken = aws::credentials_from_file(path, "broken");
    CHECK(broken.error().error_code() == code::invalid_argument);
    CHECK(aws::credentials_from_file(path, "nope").error().error_code() == code::not_found);
    CHECK(aws::credentials_from_file(path + ".missing", "default").error().error_code() ==
          code::not_found);

    auto elsewhere = std::map<std::string, std::string>{{"AWS_SHARED_CREDENTIALS_FILE", path},
                                                        {"AWS_PROFILE", "ci"}};
    CHECK(aws::default_credentials(env_of(elsewhere))->access_key_id == "AKIDCI");
    // No secret ever appears in an error.
    CHECK_THAT(broken.error().message(),
               !Catch::Contains("secret-default") && !Catch::Contains("secret-ci"));
}
