// SPDX-License-Identifier: Apache-2.0
// Accepts connections and starts a session on a fresh strand for each (Beast advanced_server).
// `stop()` closes the acceptor and asks every session to finish its in-flight request.
#pragma once

#include "http_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>

namespace schedulerd {

/// The accept loop. Create with std::make_shared, then open() and run().
class listener : public std::enable_shared_from_this<listener> {
public:
    /// `tls` null: plain HTTP.
    listener(boost::asio::io_context& ioc,
             std::shared_ptr<session_env> env,
             boost::asio::ssl::context* tls);

    /// Binds and listens; unavailable with the reason when the address cannot be used.
    [[nodiscard]] scheduler::result<void> open(boost::asio::ip::tcp::endpoint const& ep);
    /// The bound endpoint (the real port when 0 was asked for).
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// Starts accepting.
    void run();
    /// Stops accepting and winds the sessions down (thread-safe).
    void stop();
    /// After stop(): waits until every session has ended or `grace` passed; true if all ended.
    /// In-flight requests finish and get their response within that time.
    [[nodiscard]] bool wait_closed(std::chrono::milliseconds grace) const;
    /// Open connections.
    [[nodiscard]] std::size_t connections() const { return env_->registry.size(); }

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void start_session(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<session_env> env_;
    boost::asio::ssl::context* tls_;
};

}  // namespace schedulerd
