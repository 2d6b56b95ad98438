// SPDX-License-Identifier: Apache-2.0
#include "listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <thread>

namespace schedulerd {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

listener::listener(asio::io_context& ioc, std::shared_ptr<session_env> env, asio::ssl::context* tls)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), env_(std::move(env)), tls_(tls) {}

scheduler::result<void> listener::open(tcp::endpoint const& ep) {
    boost::system::error_code ec;
    auto fail = [&](char const* what) {
        return scheduler::status{scheduler::code::unavailable,
                                 std::string(what) + " " + ep.address().to_string() + ":" +
                                     std::to_string(ep.port()) + ": " + ec.message()};
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec) return fail("cannot open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("cannot set options on");
    acceptor_.bind(ep, ec);
    if (ec) return fail("cannot bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on");
    // on_accept() drains the backlog with accepts that must never block the I/O thread.
    acceptor_.non_blocking(true, ec);
    if (ec) return fail("cannot set options on");
    return {};
}

tcp::endpoint listener::local_endpoint() const {
    boost::system::error_code ec;
    return acceptor_.local_endpoint(ec);
}

void listener::run() {
    do_accept();
}

void listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
    });
    env_->registry.shutdown_all();
}

bool listener::wait_closed(std::chrono::milliseconds grace) const {
    auto deadline = std::chrono::steady_clock::now() + grace;
    // Sessions end on their own strands; poll their count (a shutdown path, not a hot one).
    while (connections() > 0) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void listener::do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [self = shared_from_this()](auto ec, tcp::socket s) { self->on_accept(ec, std::move(s)); });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
        start_session(std::move(socket));
        // Take every connection already waiting, not one per trip through the reactor: with
        // one accept per completion, a burst of 1,000 connects queued each accept behind all
        // the requests ready meanwhile, and the last connections waited seconds before their
        // first request was read. Bounded, so requests are not starved by connects either.
        constexpr int max_burst = 128;
        for (int i = 0; i < max_burst; ++i) {
            tcp::socket next(asio::make_strand(ioc_));
            boost::system::error_code again;
            acceptor_.accept(next, again);
            if (again) break;  // would_block: the backlog is empty (other errors: next round)
            start_session(std::move(next));
        }
    } else {
        env_->pipeline.log().event("warn", "accept failed: " + ec.message());
    }
    do_accept();
}

void listener::start_session(tcp::socket socket) {
    try {
        if (tls_)
            start_tls_session(std::move(socket), *tls_, env_);
        else
            start_plain_session(std::move(socket), env_);
    } catch (std::exception const& e) {
        env_->pipeline.log().event("error", std::string("session start failed: ") + e.what());
    }
}

}  // namespace schedulerd
