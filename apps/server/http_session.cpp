// SPDX-License-Identifier: Apache-2.0
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <optional>
#include <queue>
#include <type_traits>

namespace schedulerd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

// ------------------------------------------------------------------------- session_registry

std::uint64_t session_registry::try_add(std::weak_ptr<session_base> s) {
    std::lock_guard lock(mutex_);
    if (stopping() || sessions_.size() >= max_) return 0;
    auto id = next_id_++;
    sessions_.emplace(id, std::move(s));
    return id;
}

void session_registry::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
}

std::size_t session_registry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void session_registry::shutdown_all() {
    std::vector<std::shared_ptr<session_base>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_.store(true, std::memory_order_release);
        for (auto& [id, w] : sessions_)
            if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->shutdown();
}

// ------------------------------------------------------------------------------ http_session

namespace {

/// One connection. `Stream` is beast::tcp_stream or ssl::stream<beast::tcp_stream>.
template <class Stream>
class http_session final : public session_base,
                           public std::enable_shared_from_this<http_session<Stream>> {
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;
    enum class phase { handshake, header, body, handling, closed };

public:
    template <class... Args>
    http_session(std::shared_ptr<session_env> env, Args&&... args)
        : stream_(std::forward<Args>(args)...), env_(std::move(env)) {
        boost::system::error_code ec;
        auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
        if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    }

    ~http_session() override {
        if (id_ != 0) env_->registry.remove(id_);
    }

    /// Registers and starts; closes at once when the server is full or stopping.
    void run() {
        id_ = env_->registry.try_add(this->weak_from_this());
        if (id_ == 0) {
            env_->pipeline.stats().count("connections_refused_total");
            boost::system::error_code ec;
            beast::get_lowest_layer(stream_).socket().close(ec);
            return;
        }
        asio::dispatch(stream_.get_executor(),
                       [self = this->shared_from_this()] { self->start(); });
    }

    void shutdown() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
            self->stopping_ = true;
            if ((self->phase_ == phase::header || self->phase_ == phase::handshake) &&
                self->queue_.empty())
                self->close_socket();
        });
    }

private:
    void start() {
        if constexpr (is_tls) {
            phase_ = phase::handshake;
            lowest().expires_after(env_->limits.handshake_timeout);
            stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](
                                                                  boost::system::error_code ec) {
                if (ec) return self->close_socket();
                self->do_read();
            });
        } else {
            do_read();
        }
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void do_read() {
        if (stopping_ && queue_.empty()) return close_socket();
        phase_ = phase::header;
        reading_ = true;
        parser_.emplace();
        parser_->body_limit(env_->limits.body_limit);
        parser_->header_limit(static_cast<std::uint32_t>(env_->limits.header_limit));
        if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
        // Waiting for the next request: the idle timeout applies until its first byte arrives.
        lowest().expires_after(env_->limits.idle_timeout);
        stream_.async_read_some(
            buffer_.prepare(std::min<std::size_t>(env_->limits.header_limit, 4096)),
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                if (ec) return self->close_socket();  // end of stream, idle timeout, reset
                self->buffer_.commit(n);
                self->read_request();
            });
    }

    /// Reads the header (and then the body) of a request whose first bytes have arrived. One
    /// read_timeout covers the whole request: a client trickling a byte at a time (slowloris)
    /// cannot hold the connection longer by keeping bytes coming.
    void read_request() {
        lowest().expires_after(env_->limits.read_timeout);
        http::async_read_header(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                self->on_header(ec);
            });
    }

    void on_header(boost::system::error_code ec) {
        if (ec == http::error::header_limit)
            return reject(http::status::request_header_fields_too_large);
        if (ec == http::error::body_limit) return reject(http::status::payload_too_large);
        if (ec == http::error::end_of_stream) return close_socket();
        // Malformed HTTP (bad method, bad version, ...) gets a 400 before the connection closes;
        // transport errors and timeouts just close.
        if (ec && ec.category() == http::make_error_code(http::error::bad_method).category())
            return reject(http::status::bad_request);
        if (ec) return close_socket();
        auto cl = parser_->content_length();
        if (cl && *cl > env_->limits.body_limit) return reject(http::status::payload_too_large);
        if (parser_->is_done()) return on_read({});
        phase_ = phase::body;  // still under the request's read_timeout, set at its first byte
        if (auto it = parser_->get().find(http::field::expect);
            it != parser_->get().end() && beast::iequals(it->value(), "100-continue"))
            return send_continue();
        read_body();
    }

    /// Answers "Expect: 100-continue" so clients like curl send the body without waiting.
    void send_continue() {
        continue_ = std::make_unique<http::response<http::empty_body>>(http::status::continue_, 11);
        http::async_write(
            stream_, *continue_,
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (ec) return self->close_socket();
                self->read_body();
            });
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](boost::system::error_code ec,
                                                           std::size_t) { self->on_read(ec); });
    }

    void on_read(boost::system::error_code ec) {
        if (ec == http::error::body_limit) return reject(http::status::payload_too_large);
        if (ec) return close_socket();
        phase_ = phase::handling;
        ++served_;
        auto req = parser_->release();
        auto res = env_->pipeline.handle(req, remote_);
        if (served_ >= env_->limits.max_requests_per_connection || stopping_ ||
            env_->registry.stopping())
            res.keep_alive(false);
        reading_ = false;
        bool more = res.keep_alive();
        enqueue(std::move(res));
        if (more && queue_.size() < env_->limits.pipeline_limit) do_read();
    }

    /// Answers an error the connection layer detected and closes after writing it.
    void reject(http::status st) {
        request req;
        req.version(11);
        if (parser_ && parser_->is_header_done()) {
            req.method(parser_->get().method());
            req.version(parser_->get().version());
        }
        reading_ = false;
        closing_ = true;
        enqueue(env_->pipeline.reject(req, st, remote_));
    }

    void enqueue(response res) {
        if (!res.keep_alive()) closing_ = true;
        queue_.push(std::move(res));
        if (queue_.size() == 1) do_write();
    }

    void do_write() {
        lowest().expires_after(env_->limits.write_timeout);
        http::async_write(stream_, queue_.front(),
                          [self = this->shared_from_this()](boost::system::error_code ec,
                                                            std::size_t) { self->on_write(ec); });
    }

    void on_write(boost::system::error_code ec) {
        if (ec) return close_socket();
        bool close = !queue_.front().keep_alive();
        queue_.pop();
        if (close) return close_socket();
        if (!queue_.empty()) return do_write();
        if (stopping_) return close_socket();
        // Reading paused at the pipeline limit (or between requests): resume.
        if (!reading_ && !closing_) do_read();
    }

    void close_socket() {
        phase_ = phase::closed;
        boost::system::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().close();
    }

    Stream stream_;
    std::shared_ptr<session_env> env_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::unique_ptr<http::response<http::empty_body>> continue_;
    std::queue<response> queue_;
    std::string remote_;
    std::uint64_t id_ = 0;
    std::size_t served_ = 0;
    phase phase_ = phase::header;
    bool reading_ = false;
    bool closing_ = false;
    bool stopping_ = false;
};

}  // namespace

void start_plain_session(tcp::socket&& socket, std::shared_ptr<session_env> env) {
    auto s = std::make_shared<http_session<beast::tcp_stream>>(env, std::move(socket));
    s->run();
}

void start_tls_session(tcp::socket&& socket, ssl::context& ctx, std::shared_ptr<session_env> env) {
    auto s =
        std::make_shared<http_session<ssl::stream<beast::tcp_stream>>>(env, std::move(socket), ctx);
    s->run();
}

}  // namespace schedulerd
