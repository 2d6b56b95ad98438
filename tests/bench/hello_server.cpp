// SPDX-License-Identifier: Apache-2.0
// The baseline for the server benchmark: the barest Boost.Beast keep-alive HTTP server that
// answers every request with a small JSON body. schedulerd's GET throughput is reported as a
// ratio to this, measured in the same run on the same machine (scripts/bench-server.sh).
//
//   bench_hello_server PORT [THREADS]   prints "listening on http://127.0.0.1:PORT"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(tcp::socket s) : stream_(std::move(s)) {}
    void start() { do_read(); }

private:
    void do_read() {
        req_ = {};
        http::async_read(
            stream_, buffer_, req_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }
    void on_read(beast::error_code ec) {
        if (ec) return;
        res_ = {http::status::ok, req_.version()};
        res_.set(http::field::content_type, "application/json");
        res_.body() = R"({"hello":"world"})";
        res_.keep_alive(req_.keep_alive());
        res_.prepare_payload();
        http::async_write(stream_, res_,
                          [self = shared_from_this()](beast::error_code wec, std::size_t) {
                              if (!wec && self->res_.keep_alive()) self->do_read();
                          });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
};

void do_accept(tcp::acceptor& acceptor, asio::io_context& io) {
    acceptor.async_accept(asio::make_strand(io), [&](beast::error_code ec, tcp::socket s) {
        if (!ec) std::make_shared<session>(std::move(s))->start();
        do_accept(acceptor, io);
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_hello_server PORT [THREADS]\n";
        return 2;
    }
    auto const port = static_cast<unsigned short>(std::atoi(argv[1]));
    int const threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 4;
    asio::io_context io{threads};
    tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), port}};
    std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    do_accept(acceptor, io);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
}
