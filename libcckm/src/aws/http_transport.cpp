// SPDX-License-Identifier: Apache-2.0
// The Beast + OpenSSL transport of the AWS KMS client. Calls are synchronous for the caller
// but every network step runs as an async operation on a private io_context, because Beast's
// timeouts (tcp_stream::expires_after) apply to async operations only. One connection per
// transport, reused while the server keeps it open; calls are serialized on it.
#include <cckm/aws/http_transport.hpp>

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace cckm::aws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using error_code = boost::system::error_code;
using scheduler::code;
using scheduler::result;
using scheduler::status;

http_transport::~http_transport() = default;

std::string endpoint::host_header() const {
    bool const default_port =
        (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
    auto const h = host.find(':') != std::string::npos ? '[' + host + ']' : host;
    return default_port ? h : h + ':' + port;
}

result<endpoint> parse_endpoint(std::string_view url) {
    auto bad = [](std::string why) {
        return scheduler::invalid_argument("endpoint_url", std::move(why));
    };
    endpoint e;
    auto const sep = url.find("://");
    if (sep == std::string_view::npos) return bad("must start with https://");
    e.scheme = std::string(url.substr(0, sep));
    if (e.scheme != "https" && e.scheme != "http") return bad("must start with https://");
    auto rest = url.substr(sep + 3);
    if (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos)
        return bad("must be scheme://host[:port] without path, query or user");
    if (rest.front() == '[') {  // IPv6 literal
        auto const close = rest.find(']');
        if (close == std::string_view::npos) return bad("unterminated IPv6 address");
        e.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (!rest.empty() && rest.front() != ':') return bad("junk after the IPv6 address");
        if (!rest.empty()) e.port = std::string(rest.substr(1));
    } else {
        auto const colon = rest.find(':');
        e.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) e.port = std::string(rest.substr(colon + 1));
    }
    if (e.host.empty()) return bad("has no host");
    if (e.port.empty()) e.port = e.scheme == "https" ? "443" : "80";
    if (e.port.find_first_not_of("0123456789") != std::string::npos || e.port.size() > 5 ||
        std::stoi(e.port) == 0 || std::stoi(e.port) > 65535)
        return bad("has a bad port");
    bool const loopback = e.host == "127.0.0.1" || e.host == "::1" || e.host == "localhost";
    if (e.scheme == "http" && !loopback)
        return bad("plain http:// is allowed for loopback hosts only; use https://");
    return e;
}

namespace {

status unavailable(std::string what, error_code const& ec) {
    return status{code::unavailable, std::move(what) + ": " + ec.message()};
}

class beast_transport final : public http_transport {
public:
    beast_transport(endpoint ep, transport_options options)
        : ep_(std::move(ep)), options_(std::move(options)), ssl_ctx_(ssl::context::tls_client) {}

    result<void> init() {
        if (ep_.scheme != "https") return {};
        error_code ec;
        ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1,
                             ec);
        if (options_.ca_file.empty())
            ssl_ctx_.set_default_verify_paths(ec);
        else
            ssl_ctx_.load_verify_file(options_.ca_file, ec);
        if (ec)
            return status{code::invalid_argument, "TLS trust store: " + ec.message(), "ca_file"};
        ssl_ctx_.set_verify_mode(options_.verify_peer ? ssl::verify_peer : ssl::verify_none);
        return {};
    }

    result<http_response> send(signable_request const& request) override {
        std::lock_guard lock(mutex_);
        bool const reused = connected_;
        auto r = exchange(request);
        // A kept-alive connection the server closed meanwhile fails the first write or read:
        // one fresh connection is worth trying before calling the endpoint unavailable.
        if (!r && reused) {
            close();
            r = exchange(request);
        }
        if (!r) close();
        return r;
    }

private:
    // Runs the io_context until the operation started by `start` completes.
    template <class Start>
    error_code run(Start&& start) {
        error_code result = asio::error::would_block;
        start([&result](error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run();
        return result;
    }

    beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

    result<void> connect() {
        asio::ip::tcp::resolver resolver(ioc_);
        asio::ip::tcp::resolver::results_type addresses;
        auto ec = run([&](auto handler) {
            resolver.async_resolve(ep_.host, ep_.port,
                                   [&, handler](error_code e, auto results) mutable {
                                       addresses = std::move(results);
                                       handler(e);
                                   });
        });
        if (ec) return unavailable("resolving " + ep_.host, ec);
        if (ep_.scheme == "https") {
            tls_.emplace(ioc_, ssl_ctx_);
            auto* native = tls_->native_handle();
            // SNI (host names only: RFC 6066 forbids IP literals there), and the name the
            // certificate must carry, checked by OpenSSL during the handshake.
            error_code not_ip;
            asio::ip::make_address(ep_.host, not_ip);
            if ((not_ip && !SSL_set_tlsext_host_name(native, ep_.host.c_str())) ||
                (options_.verify_peer && SSL_set1_host(native, ep_.host.c_str()) != 1))
                return status{code::internal, "TLS: cannot set the host name " + ep_.host};
        } else {
            plain_.emplace(ioc_);
        }
        tcp().expires_after(options_.connect_timeout);
        ec = run([&](auto handler) { tcp().async_connect(addresses, handler); });
        if (ec) return unavailable("connecting to " + ep_.host + ':' + ep_.port, ec);
        if (tls_) {
            ec = run(
                [&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
            if (ec) return unavailable("TLS handshake with " + ep_.host, ec);
        }
        connected_ = true;
        return {};
    }

    template <class Stream>
    result<http_response> exchange_on(Stream& stream, http::request<http::string_body>& req) {
        tcp().expires_after(options_.request_timeout);
        auto ec = run([&](auto handler) { http::async_write(stream, req, handler); });
        if (ec) return unavailable("sending to " + ep_.host, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(options_.body_limit);
        ec = run([&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
        if (ec) return unavailable("reading from " + ep_.host, ec);
        auto& res = parser.get();
        http_response out;
        out.status = res.result_int();
        out.body = std::move(res.body());
        for (auto const& f : res)
            out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
        if (!res.keep_alive()) close();
        return out;
    }

    result<http_response> exchange(signable_request const& request) {
        if (!connected_) {
            if (auto c = connect(); !c) return c.error();
        }
        http::request<http::string_body> req;
        req.method_string(request.method);
        req.target(request.target);
        req.version(11);
        for (auto const& h : request.headers) req.insert(h.name, h.value);
        req.body() = request.body;
        if (req.find(http::field::content_length) == req.end()) req.prepare_payload();
        return tls_ ? exchange_on(*tls_, req) : exchange_on(*plain_, req);
    }

    void close() {
        error_code ignored;
        if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
        if (plain_) plain_->socket().close(ignored);
        tls_.reset();
        plain_.reset();
        buffer_.clear();
        connected_ = false;
    }

    endpoint ep_;
    transport_options options_;
    std::mutex mutex_;
    asio::io_context ioc_{1};
    ssl::context ssl_ctx_;
    std::optional<ssl::stream<beast::tcp_stream>> tls_;
    std::optional<beast::tcp_stream> plain_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
};

}  // namespace

result<std::unique_ptr<http_transport>> make_http_transport(std::string_view url,
                                                            transport_options options) {
    auto ep = parse_endpoint(url);
    if (!ep) return ep.error();
    auto t = std::make_unique<beast_transport>(std::move(*ep), std::move(options));
    if (auto r = t->init(); !r) return r.error();
    return std::unique_ptr<http_transport>(std::move(t));
}

}  // namespace cckm::aws
