// SPDX-License-Identifier: Apache-2.0
// Every member of server_limits crossed over a real loopback socket (127.0.0.1, port 0) against
// an in-process listener. Waits are bounded polls on real events (a close, a count reaching
// zero), never fixed sleeps.
#include "http_session.hpp"
#include "listener.hpp"
#include "server_fixture.hpp"
#include "tls.hpp"

#include "support/catch.hpp"
#include "support/server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <future>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

/// The auth fixture's pipeline served by a listener on two I/O threads.
struct live_server {
    server_test::auth_fixture f;
    asio::io_context ioc;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    std::shared_ptr<schedulerd::session_env> env;
    std::shared_ptr<schedulerd::listener> accept;
    std::vector<std::thread> threads;
    bool use_tls;

    explicit live_server(schedulerd::server_limits limits,
                         bool with_tls = false,
                         std::function<void(schedulerd::router&)> const& extra_routes = {})
        : use_tls(with_tls) {
        if (extra_routes) extra_routes(f.routes);
        f.routes.add(http::verb::get, "/big", schedulerd::access::anonymous,
                     [](schedulerd::request_context& c) {
                         schedulerd::response r{http::status::ok, 11};
                         r.body().assign(48u << 20, 'x');
                         r.keep_alive(c.req.keep_alive());
                         r.prepare_payload();
                         return r;
                     });
        if (use_tls) {
            auto cert = f.dir.path + "/cert.pem", key = f.dir.path + "/key.pem";
            REQUIRE(schedulerd::ensure_self_signed(cert, key));
            REQUIRE(schedulerd::configure_tls(tls, cert, key));
        }
        env = std::make_shared<schedulerd::session_env>(f.pipeline, limits);
        accept = std::make_shared<schedulerd::listener>(ioc, env, use_tls ? &tls : nullptr);
        REQUIRE(accept->open(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
        accept->run();
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
    }
    ~live_server() {
        accept->stop();
        (void)accept->wait_closed(10s);
        ioc.stop();
        for (auto& t : threads) t.join();
    }
    [[nodiscard]] std::uint16_t port() const { return accept->local_endpoint().port(); }
    [[nodiscard]] scheduler_test::http_client client() const {
        return {"127.0.0.1", port(), use_tls};
    }
    /// Polls the open-connection count until it is `n` or 10 s pass.
    bool wait_connections(std::size_t n) const {
        auto deadline = steady::now() + 10s;
        while (accept->connections() != n) {
            if (steady::now() > deadline) return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }
};

/// A raw TCP connection for requests the client helper cannot express.
struct raw_conn {
    asio::io_context ioc;
    beast::tcp_stream s{ioc};
    explicit raw_conn(std::uint16_t port) {
        s.expires_after(10s);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }
    void send(std::string const& bytes) {
        s.expires_after(10s);
        boost::system::error_code ec;
        asio::write(s, asio::buffer(bytes), ec);
    }
    /// Reads until the server closes (closed = true) or `limit` passes; returns what came.
    std::string read_all(std::chrono::milliseconds limit, bool& closed) {
        std::string out;
        s.expires_after(limit);
        char buf[4096];
        for (;;) {
            boost::system::error_code ec;
            auto n = s.read_some(asio::buffer(buf), ec);
            out.append(buf, n);
            if (ec) {
                closed = ec != beast::error::timeout;
                return out;
            }
        }
    }
};

schedulerd::server_limits base_limits() {
    schedulerd::server_limits l;
    l.idle_timeout = 10s;
    l.read_timeout = 10s;
    return l;
}

}  // namespace

TEST_CASE("limits: every limit has a default with room for normal use", "[server][limits]") {
    schedulerd::server_limits d;
    CHECK(d.body_limit == 1024 * 1024);
    CHECK(d.header_limit >= 8 * 1024);
    CHECK(d.idle_timeout >= d.read_timeout);
    CHECK(d.pipeline_limit >= 1);
    CHECK(d.max_connections >= 64);
    CHECK(d.max_requests_per_connection >= 100);
}

TEST_CASE("limits: a body over body_limit is refused with 413", "[server][limits]") {
    auto l = base_limits();
    l.body_limit = 1024;
    live_server srv(l);
    auto cli = srv.client();
    auto small =
        cli.request_text(http::verb::post, "/api/v1/auth/tokens", std::string(1000, ' ') + "{}");
    CHECK(small.status == 401);  // under the limit: handled (no credentials)
    auto big =
        cli.request_text(http::verb::post, "/api/v1/auth/tokens", std::string(2000, ' ') + "{}");
    CHECK(big.status == 413);

    SECTION("also without Content-Length (chunked)") {
        raw_conn c(srv.port());
        std::string chunk(1500, 'a');
        c.send(
            "POST /api/v1/auth/tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n5dc\r\n" +
            chunk + "\r\n0\r\n\r\n");
        bool closed = false;
        auto text = c.read_all(5s, closed);
        CHECK(text.starts_with("HTTP/1.1 413"));
        CHECK(closed);
    }
}

TEST_CASE("limits: a header block over header_limit gets 431 and the connection closes",
          "[server][limits]") {
    auto l = base_limits();
    l.header_limit = 2048;
    live_server srv(l);
    auto cli = srv.client();
    CHECK(cli.request_text(http::verb::get, "/healthz", "", "", "",
                           {{"X-Pad", std::string(1000, 'p')}})
              .status == 200);
    auto r = cli.request_text(http::verb::get, "/healthz", "", "", "",
                              {{"X-Pad", std::string(4000, 'p')}});
    CHECK(r.status == 431);
}

TEST_CASE("limits: idle_timeout closes a connection that sends nothing", "[server][limits]") {
    auto l = base_limits();
    l.idle_timeout = 200ms;
    live_server srv(l);
    auto open_for = srv.client().wait_for_idle_close(10s);
    REQUIRE(open_for.has_value());
    CHECK(*open_for >= 150ms);
}

TEST_CASE("limits: read_timeout cuts a request whose body stalls", "[server][limits]") {
    auto l = base_limits();
    l.read_timeout = 200ms;
    live_server srv(l);
    raw_conn c(srv.port());
    c.send("POST /api/v1/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user");
    bool closed = false;
    auto start = steady::now();
    auto text = c.read_all(5s, closed);
    CHECK(closed);
    CHECK(text.empty());
    CHECK(steady::now() - start < l.idle_timeout);  // the read timeout, not the idle one, cut it
}

TEST_CASE("limits: a slowloris client trickling its headers is cut while others are served",
          "[server][limits]") {
    auto l = base_limits();
    l.read_timeout = 300ms;
    live_server srv(l);
    // Twenty clients each send a header line byte by byte, one byte every 50 ms: bytes keep
    // arriving, so only a timeout on the whole request (not one reset per byte) stops them.
    std::vector<std::future<std::chrono::milliseconds>> trickles;
    for (int i = 0; i < 20; ++i) {
        trickles.push_back(std::async(std::launch::async, [port = srv.port()] {
            raw_conn c(port);
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            auto start = steady::now();
            boost::system::error_code ec;
            while (!ec && steady::now() - start < 8s) {
                std::this_thread::sleep_for(50ms);  // the client's pace, not a wait for the server
                asio::write(c.s, asio::buffer("a", 1), ec);
            }
            return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
        }));
    }
    REQUIRE(srv.wait_connections(20));
    // Meanwhile an ordinary client is answered at once.
    auto r = srv.client().request(http::verb::get, "/healthz");
    CHECK(r.status == 200);
    for (auto& t : trickles) {
        auto lasted = t.get();
        CHECK(lasted < 8s);              // cut, not left to trickle
        CHECK(lasted < l.idle_timeout);  // by the read timeout, not the idle one
    }
    REQUIRE(srv.wait_connections(0));
}

TEST_CASE("limits: write_timeout drops a client that does not read", "[server][limits]") {
    auto l = base_limits();
    l.write_timeout = 200ms;
    live_server srv(l);
    raw_conn c(srv.port());
    c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(srv.wait_connections(1));
    CHECK(srv.wait_connections(0));  // 48 MiB never fit the socket buffers: the write timed out
}

TEST_CASE("limits: handshake_timeout closes a TLS connection that never says hello",
          "[server][limits]") {
    auto l = base_limits();
    l.handshake_timeout = 200ms;
    live_server srv(l, true);
    scheduler_test::http_client plain_tcp("127.0.0.1", srv.port(), false);
    auto open_for = plain_tcp.wait_for_idle_close(10s);
    REQUIRE(open_for.has_value());
    CHECK(srv.client().request(http::verb::get, "/healthz").status == 200);  // real TLS works
}

TEST_CASE("limits: pipelined requests beyond pipeline_limit are all answered in order",
          "[server][limits]") {
    auto l = base_limits();
    l.pipeline_limit = 2;
    live_server srv(l);
    auto statuses = srv.client().keep_alive_gets("/healthz", 12);
    CHECK(statuses == std::vector<int>(12, 200));
}

TEST_CASE("limits: max_requests_per_connection closes the connection after N", "[server][limits]") {
    auto l = base_limits();
    l.max_requests_per_connection = 3;
    live_server srv(l);
    auto statuses = srv.client().keep_alive_gets("/healthz", 6);
    CHECK(statuses == std::vector<int>{200, 200, 200});
}

TEST_CASE("limits: max_connections refuses connections beyond it", "[server][limits]") {
    auto l = base_limits();
    l.max_connections = 1;
    live_server srv(l);
    {
        raw_conn hold(srv.port());
        REQUIRE(srv.wait_connections(1));
        auto refused = srv.client().request(http::verb::get, "/healthz");
        CHECK(refused.status == 0);
    }
    REQUIRE(srv.wait_connections(0));
    CHECK(srv.client().request(http::verb::get, "/healthz").status == 200);
    CHECK(srv.f.stats.render().find("schedulerd_connections_refused_total 1") != std::string::npos);
}

TEST_CASE("sessions answer Expect: 100-continue and stop idles on shutdown", "[server][limits]") {
    live_server srv(base_limits());
    {
        raw_conn c(srv.port());
        c.send(
            "POST /api/v1/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: "
            "100-continue\r\n\r\n");
        char buf[25] = {};
        c.s.expires_after(5s);
        boost::system::error_code ec;
        asio::read(c.s, asio::buffer(buf, 25), ec);
        CHECK(std::string(buf, 25) == "HTTP/1.1 100 Continue\r\n\r\n");
    }
    raw_conn idle(srv.port());
    REQUIRE(srv.wait_connections(1));
    srv.accept->stop();
    bool closed = false;
    (void)idle.read_all(5s, closed);
    CHECK(closed);
    CHECK(srv.wait_connections(0));
}

TEST_CASE("limits: shutdown lets an in-flight request finish; shutdown_grace bounds the wait",
          "[server][limits]") {
    std::promise<void> entered, release;
    auto released = release.get_future().share();
    live_server srv(base_limits(), false, [&](schedulerd::router& r) {
        r.add(http::verb::get, "/slow", schedulerd::access::anonymous,
              [&](schedulerd::request_context& c) {
                  entered.set_value();
                  released.wait();
                  return schedulerd::json_response(c.req, http::status::ok,
                                                   boost::json::object{{"done", true}});
              });
    });
    auto reply = std::async(std::launch::async,
                            [&] { return srv.client().request(http::verb::get, "/slow"); });
    entered.get_future().wait();
    srv.accept->stop();
    CHECK_FALSE(srv.accept->wait_closed(100ms));  // the grace passes while the handler still runs
    release.set_value();
    CHECK(reply.get().status == 200);  // the in-flight request still got its answer
    CHECK(srv.accept->wait_closed(10s));
    CHECK(srv.client().request(http::verb::get, "/healthz").status == 0);  // no longer accepting
}

TEST_CASE("sessions answer malformed HTTP with 400 and close", "[server][limits]") {
    live_server srv(base_limits());
    raw_conn c(srv.port());
    c.send("G@T / HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    auto text = c.read_all(5s, closed);
    CHECK(text.starts_with("HTTP/1.1 400"));
    CHECK(text.find("NCERRBadRequest") != std::string::npos);
    CHECK(closed);
}
