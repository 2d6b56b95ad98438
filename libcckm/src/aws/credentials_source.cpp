// SPDX-License-Identifier: Apache-2.0
// AWS credentials from the environment or the shared credentials file (AWS CLI conventions).
#include <cckm/aws/credentials_source.hpp>

#include <cstdlib>
#include <fstream>
#include <utility>

namespace cckm::aws {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

env_reader or_getenv(env_reader env) {
    if (env) return env;
    return [](char const* name) -> char const* { return std::getenv(name); };
}

std::string value_of(env_reader const& env, char const* name) {
    char const* v = env(name);
    return v ? std::string(v) : std::string();
}

std::string_view trim(std::string_view s) {
    auto const first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    auto const last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

}  // namespace

result<credentials> credentials_from_environment(env_reader env) {
    env = or_getenv(std::move(env));
    credentials c{value_of(env, "AWS_ACCESS_KEY_ID"), value_of(env, "AWS_SECRET_ACCESS_KEY"),
                  value_of(env, "AWS_SESSION_TOKEN")};
    if (c.access_key_id.empty() || c.secret_access_key.empty())
        return status{code::not_found, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"};
    return c;
}

result<credentials> credentials_from_file(std::string const& path, std::string_view profile) {
    std::ifstream in(path);
    if (!in) return status{code::not_found, "no AWS credentials file at " + path};
    credentials c;
    bool found = false;
    bool in_profile = false;
    std::string line;
    while (std::getline(in, line)) {
        auto const t = trim(line);
        if (t.empty() || t.front() == '#' || t.front() == ';') continue;
        if (t.front() == '[' && t.back() == ']') {
            in_profile = trim(t.substr(1, t.size() - 2)) == profile;
            found = found || in_profile;
            continue;
        }
        auto const eq = t.find('=');
        if (!in_profile || eq == std::string_view::npos) continue;
        auto const key = trim(t.substr(0, eq));
        auto const value = std::string(trim(t.substr(eq + 1)));
        if (key == "aws_access_key_id") c.access_key_id = value;
        if (key == "aws_secret_access_key") c.secret_access_key = value;
        if (key == "aws_session_token") c.session_token = value;
    }
    if (!found)
        return status{code::not_found, "no profile [" + std::string(profile) + "] in " + path};
    if (c.access_key_id.empty() || c.secret_access_key.empty())
        return status{code::invalid_argument,
                      "profile [" + std::string(profile) + "] in " + path +
                          " lacks aws_access_key_id or aws_secret_access_key",
                      "credentials"};
    return c;
}

result<credentials> default_credentials(env_reader env) {
    env = or_getenv(std::move(env));
    if (auto c = credentials_from_environment(env); c) return c;
    auto path = value_of(env, "AWS_SHARED_CREDENTIALS_FILE");
    if (path.empty()) {
        auto const home = value_of(env, "HOME");
        if (home.empty())
            return status{code::not_found, "no AWS credentials in the environment and no HOME"};
        path = home + "/.aws/credentials";
    }
    auto profile = value_of(env, "AWS_PROFILE");
    if (profile.empty()) profile = "default";
    return credentials_from_file(path, profile);
}

}  // namespace cckm::aws
