// SPDX-License-Identifier: Apache-2.0
// The end-to-end harness: spawns schedulerd with posix_spawn (stdout piped, stderr to a file so
// a chatty access log can never block the server on a full pipe) and speaks HTTP(S) to it.
#include "support/server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace scheduler_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto io_timeout = std::chrono::seconds(30);

/// A connected plain or TLS stream; one per request.
class connection {
public:
    connection(std::string const& host, std::uint16_t port, bool tls)
        : ssl_ctx_(ssl::context::tls_client), tcp_(ioc_), tls_(tls) {
        ssl_ctx_.set_verify_mode(ssl::verify_none);  // self-signed test certificate
        tcp::resolver resolver(ioc_);
        tcp_.expires_after(io_timeout);
        tcp_.connect(resolver.resolve(host, std::to_string(port)));
        if (tls_) {
            tls_stream_.emplace(std::move(tcp_), ssl_ctx_);
            beast::get_lowest_layer(*tls_stream_).expires_after(io_timeout);
            tls_stream_->handshake(ssl::stream_base::client);
        }
    }

    template <class Fn>
    auto with_stream(Fn&& fn) {
        if (tls_stream_) return fn(*tls_stream_);
        return fn(tcp_);
    }

    void expires_after(std::chrono::milliseconds d) {
        if (tls_stream_)
            beast::get_lowest_layer(*tls_stream_).expires_after(d);
        else
            tcp_.expires_after(d);
    }

private:
    asio::io_context ioc_;
    ssl::context ssl_ctx_;
    beast::tcp_stream tcp_;
    std::optional<ssl::stream<beast::tcp_stream>> tls_stream_;
    bool tls_;
};

http_reply to_reply(http::response<http::string_body> const& res) {
    http_reply out;
    out.status = static_cast<int>(res.result_int());
    out.text = res.body();
    for (auto const& f : res) {
        std::string name(f.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        out.headers[name] = std::string(f.value());
    }
    boost::system::error_code ec;
    if (!out.text.empty()) {
        auto v = boost::json::parse(out.text, ec);
        if (!ec) out.body = std::move(v);
    }
    return out;
}

std::string make_temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "schedulerd-e2e-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

}  // namespace

// ------------------------------------------------------------------------------ http_client

http_client::http_client(std::string host, std::uint16_t port, bool tls)
    : host_(std::move(host)), port_(port), tls_(tls) {}

http_reply http_client::request(http::verb method,
                                std::string_view target,
                                boost::json::value const& body,
                                std::string_view token) const {
    if (body.is_null()) return request_text(method, target, {}, token, "");
    return request_text(method, target, boost::json::serialize(body), token);
}

http_reply http_client::request_text(
    http::verb method,
    std::string_view target,
    std::string body,
    std::string_view token,
    std::string_view content_type,
    std::vector<std::pair<std::string, std::string>> const& extra_headers) const {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (auto const& [name, value] : extra_headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    http_reply out;
    try {
        connection conn(host_, port_, tls_);
        conn.with_stream([&](auto& stream) {
            boost::system::error_code ec;
            http::write(stream, req, ec);  // the server may answer early and close (413)
            beast::flat_buffer buffer;
            http::response_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            http::read(stream, buffer, parser, ec);
            if (ec && !parser.is_header_done()) {
                out.error = ec.message();
                return;
            }
            out = to_reply(parser.get());
        });
    } catch (std::exception const& e) {
        out.status = 0;
        out.error = e.what();
    }
    return out;
}

http_reply http_client::login_reply(std::string_view username, std::string_view password) const {
    boost::json::object body{{"username", username}, {"password", password}};
    return request(http::verb::post, "/api/v1/auth/tokens", body);
}

std::string http_client::login(std::string_view username, std::string_view password) const {
    auto r = login_reply(username, password);
    if (r.status != 200 || !r.body.is_object() || !r.body.as_object().contains("jwt"))
        throw std::runtime_error("login failed: " + std::to_string(r.status) + " " + r.text +
                                 r.error);
    return std::string(r.body.at("jwt").as_string());
}

std::optional<std::chrono::milliseconds> http_client::wait_for_idle_close(
    std::chrono::milliseconds limit) const {
    connection conn(host_, port_, tls_);
    auto start = clock_type::now();
    conn.expires_after(limit);
    return conn.with_stream([&](auto& stream) -> std::optional<std::chrono::milliseconds> {
        char byte = 0;
        boost::system::error_code ec;
        stream.read_some(asio::buffer(&byte, 1), ec);
        if (ec == beast::error::timeout) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    });
}

std::vector<int> http_client::keep_alive_gets(std::string_view target, int count) const {
    std::vector<int> statuses;
    connection conn(host_, port_, tls_);
    conn.with_stream([&](auto& stream) {
        boost::system::error_code ec;
        for (int i = 0; i < count && !ec; ++i) {
            http::request<http::empty_body> req{http::verb::get, target, 11};
            req.set(http::field::host, host_);
            req.keep_alive(true);
            http::write(stream, req, ec);
        }
        beast::flat_buffer buffer;
        for (int i = 0; i < count; ++i) {
            http::response<http::string_body> res;
            http::read(stream, buffer, res, ec);
            if (ec) break;
            statuses.push_back(static_cast<int>(res.result_int()));
        }
    });
    return statuses;
}

// --------------------------------------------------------------------------- server_process

server_process::server_process(std::string binary, server_options options)
    : binary_(std::move(binary)),
      options_(std::move(options)),
      temp_dir_(make_temp_dir()),
      data_dir_(temp_dir_ + "/data") {}

server_process::~server_process() {
    if (running()) kill();
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
}

void server_process::start() {
    if (running()) throw std::runtime_error("server already running");
    std::vector<std::string> args{binary_, "--data-dir", data_dir_, "--listen", "127.0.0.1:0"};
    if (!options_.tls) args.emplace_back("--plain-http");
    if (!options_.config_json.empty()) {
        std::ofstream(temp_dir_ + "/config.json") << options_.config_json;
        args.insert(args.end(), {"--config", temp_dir_ + "/config.json"});
    }
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::string_view(*e).rfind("SCHEDULER_ADMIN_PASSWORD=", 0) != 0)
            env_store.emplace_back(*e);
    if (options_.set_admin_password)
        env_store.push_back("SCHEDULER_ADMIN_PASSWORD=" + options_.admin_password);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::string err_path = temp_dir_ + "/stderr.log";
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error("posix_spawn " + binary_ + " failed: " + std::to_string(rc));
    }
    pid_ = pid;
    stdout_fd_ = fds[0];
    read_until_listening();
}

void server_process::read_until_listening() {
    auto deadline = clock_type::now() + options_.start_timeout;
    std::size_t line_start = stdout_.size();
    for (;;) {
        for (auto nl = stdout_.find('\n', line_start); nl != std::string::npos;
             nl = stdout_.find('\n', line_start)) {
            std::string_view line(stdout_.data() + line_start, nl - line_start);
            line_start = nl + 1;
            if (line.rfind("listening on ", 0) != 0) continue;
            auto colon = line.rfind(':');
            port_ = static_cast<std::uint16_t>(std::stoi(std::string(line.substr(colon + 1))));
            return;
        }
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
            kill();
            throw std::runtime_error("no listening line in time; stderr: " + stderr_text());
        }
        pollfd p{stdout_fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[4096];
        auto n = ::read(stdout_fd_, buf, sizeof buf);
        if (n <= 0) {
            int code = wait_exit(options_.stop_timeout);
            throw std::runtime_error("schedulerd exited (" + std::to_string(code) +
                                     ") before listening; stderr: " + stderr_text());
        }
        stdout_.append(buf, static_cast<std::size_t>(n));
    }
}

void server_process::drain_stdout() {
    if (stdout_fd_ < 0) return;
    char buf[4096];
    pollfd p{stdout_fd_, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
        auto n = ::read(stdout_fd_, buf, sizeof buf);
        if (n <= 0) break;
        stdout_.append(buf, static_cast<std::size_t>(n));
    }
}

int server_process::wait_exit(std::chrono::seconds limit) {
    auto deadline = clock_type::now() + limit;
    int status = 0;
    for (;;) {
        drain_stdout();
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) break;
        if (r < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
        if (clock_type::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
            throw std::runtime_error("schedulerd did not exit in time");
        }
        // Poll the child's exit: there is no portable blocking wait with a timeout.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    drain_stdout();
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int server_process::stop() {
    if (!running()) throw std::runtime_error("server not running");
    ::kill(pid_, SIGTERM);
    return wait_exit(options_.stop_timeout);
}

void server_process::kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    wait_exit(options_.stop_timeout);
}

void server_process::restart() {
    if (running()) {
        int code = stop();
        if (code != 0) throw std::runtime_error("schedulerd exited " + std::to_string(code));
    }
    start();
}

server_options fast_server_options(std::string const& extra_limits, std::string const& extra_auth) {
    server_options o;
    o.config_json = R"({"auth": {"pbkdf2_iterations": 1000)" + extra_auth +
                    R"(}, "limits": {"io_threads": 2)" + extra_limits + "}}";
    return o;
}

std::string server_process::base_url() const {
    return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> server_process::listening_lines() const {
    std::vector<std::string> out;
    std::istringstream in(stdout_);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("listening on", 0) == 0) out.push_back(line);
    return out;
}

std::string server_process::stderr_text() const {
    std::ifstream in(temp_dir_ + "/stderr.log");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

http_client server_process::client() const {
    return http_client("127.0.0.1", port_, options_.tls);
}

}  // namespace scheduler_test
