// SPDX-License-Identifier: Apache-2.0
#include "api_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace schedulerctl {

namespace {

namespace json = boost::json;

std::string env(char const* name) {
    char const* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string text_of(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string config_path() {
    if (auto p = env("SCHEDULERCTL_CONFIG"); !p.empty()) return p;
    if (auto x = env("XDG_CONFIG_HOME"); !x.empty()) return x + "/schedulerctl/config.json";
    auto home = env("HOME");
    if (home.empty()) throw std::runtime_error("HOME is not set; set SCHEDULERCTL_CONFIG");
    return home + "/.config/schedulerctl/config.json";
}

std::optional<ctl_config> load_config() {
    std::string const path = config_path();
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = json::parse(ss.str(), ec);
    if (ec || !v.is_object()) throw std::runtime_error(path + ": not a schedulerctl config");
    auto const& o = v.get_object();
    ctl_config c;
    if (auto url = text_of(o, "url"); !url.empty()) c.connection.url = url;
    if (auto const* insecure = o.if_contains("insecure"); insecure && insecure->is_bool()) {
        c.connection.insecure = insecure->get_bool();
    }
    c.connection.cacert = text_of(o, "cacert");
    c.username = text_of(o, "username");
    c.token = text_of(o, "token");
    c.refresh_token = text_of(o, "refresh_token");
    return c;
}

void save_config(ctl_config const& c) {
    std::filesystem::path const path = config_path();
    std::error_code fs_ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), fs_ec);
        if (fs_ec) {
            throw std::runtime_error(path.parent_path().string() + ": " + fs_ec.message());
        }
    }
    json::object o{{"url", c.connection.url},
                   {"insecure", c.connection.insecure},
                   {"cacert", c.connection.cacert},
                   {"username", c.username},
                   {"token", c.token},
                   {"refresh_token", c.refresh_token}};
    std::string const text = json::serialize(o) + "\n";
    // Created 0600 from the start: the refresh token is never readable by others, not even
    // for the moment between create and chmod.
    std::string const tmp = path.string() + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // an old temp file may have had other bits
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int const err = errno;
            ::close(fd);
            throw std::runtime_error(tmp + ": " + std::strerror(err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        throw std::runtime_error(tmp + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    }
}

}  // namespace schedulerctl
