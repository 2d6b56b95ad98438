// SPDX-License-Identifier: Apache-2.0
#include "api_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <stdexcept>

namespace schedulerctl {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct target_url {
    bool tls = true;
    std::string host;
    std::string port;
};

target_url parse_url(std::string const& url) {
    auto u = boost::urls::parse_uri(url);
    if (!u) throw std::runtime_error("invalid --url '" + url + "': " + u.error().message());
    target_url t;
    if (u->scheme() == "https") {
        t.tls = true;
    } else if (u->scheme() == "http") {
        t.tls = false;
    } else {
        throw std::runtime_error("invalid --url '" + url + "': scheme must be http or https");
    }
    t.host = u->host_address();
    if (t.host.empty()) throw std::runtime_error("invalid --url '" + url + "': no host");
    t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
    return t;
}

http::request<http::string_body> make_request(target_url const& t,
                                              http::verb method,
                                              std::string_view target,
                                              std::string const& body,
                                              std::string_view token) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, t.host);
    req.set(http::field::user_agent, "schedulerctl");
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    return req;
}

template <class Stream>
http_answer round_trip(Stream& stream, http::request<http::string_body> const& req) {
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);  // a list of 1000 configs is a few MiB at most
    http::read(stream, buffer, parser);
    http_answer a;
    a.status = static_cast<int>(parser.get().result_int());
    a.body = std::move(parser.get().body());
    return a;
}

}  // namespace

boost::json::value http_answer::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value{} : v;
}

http_answer send_request(connection_settings const& cs,
                         http::verb method,
                         std::string_view target,
                         std::string const& body,
                         std::string_view token) {
    target_url const t = parse_url(cs.url);
    auto req = make_request(t, method, target, body, token);
    asio::io_context ioc;
    beast::tcp_stream tcp_stream(ioc);
    try {
        tcp::resolver resolver(ioc);
        tcp_stream.expires_after(cs.timeout);
        tcp_stream.connect(resolver.resolve(t.host, t.port));
        if (!t.tls) return round_trip(tcp_stream, req);

        ssl::context ctx(ssl::context::tls_client);
        if (cs.insecure) {
            ctx.set_verify_mode(ssl::verify_none);
        } else {
            if (cs.cacert.empty()) {
                ctx.set_default_verify_paths();
            } else {
                ctx.load_verify_file(cs.cacert);
            }
            ctx.set_verify_mode(ssl::verify_peer);
        }
        ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
        if (!cs.insecure) stream.set_verify_callback(ssl::host_name_verification(t.host));
        // SNI, for servers behind a TLS-terminating proxy; an IP address is not a server name.
        boost::system::error_code ec;
        asio::ip::make_address(t.host, ec);
        if (ec && !SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str())) {
            throw std::runtime_error("cannot set TLS server name");
        }
        stream.handshake(ssl::stream_base::client);
        auto answer = round_trip(stream, req);
        stream.shutdown(ec);  // the server may just close; the answer is complete either way
        return answer;
    } catch (boost::system::system_error const& e) {
        std::string hint;
        if (e.code().category() == asio::error::get_ssl_category() ||
            e.code().category() == ssl::error::get_stream_category()) {
            hint = " (use --cacert FILE to trust the server's certificate, or --insecure)";
        }
        throw std::runtime_error(cs.url + ": " + e.code().message() + hint);
    }
}

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        bool const plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace schedulerctl
