// SPDX-License-Identifier: Apache-2.0
// A fake AWS KMS endpoint for tests: plain HTTP/1.1 (Beast) on 127.0.0.1 with an ephemeral
// port, JSON 1.1 like the real service. It verifies every request's SigV4 signature with the
// same secret, keeps key, alias, tag, policy and rotation state, pages list results (a small
// page size, so clients must follow Marker/Truncated) and can be told to throttle.
// One thread accepts, one thread per connection serves (keep-alive); stop() ends them all.
#pragma once

#include <cckm/aws/sigv4.hpp>
#include <scheduler/clock.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cckm_test {

class fake_kms {
public:
    /// One key as the fake keeps it.
    struct key {
        std::string id;
        std::string description;
        std::string state = "Enabled";  ///< Enabled, Disabled, PendingDeletion
        std::string spec = "SYMMETRIC_DEFAULT";
        std::string usage = "ENCRYPT_DECRYPT";
        double created = 0;
        std::optional<double> deletion_date;
        std::string policy = R"({"Version":"2012-10-17","Id":"key-default-1"})";
        std::map<std::string, std::string> tags;
        std::optional<int> rotation_period;  ///< automatic rotation on when set
        int on_demand_rotations = 0;
    };

    fake_kms(cckm::aws::credentials creds,
             scheduler::clock& clock,
             std::size_t page_size = 2,
             std::string region = "eu-west-1")
        : creds_(std::move(creds)),
          clock_(clock),
          page_size_(page_size),
          region_(std::move(region)) {
        namespace asio = boost::asio;
        acceptor_.open(asio::ip::tcp::v4());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~fake_kms() { stop(); }
    fake_kms(fake_kms const&) = delete;
    fake_kms& operator=(fake_kms const&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    /// The next `n` requests answer ThrottlingException (HTTP 400, as KMS does).
    void throttle_next(int n) { throttle_.store(n); }
    /// Requests whose signature failed verification.
    int bad_signatures() const { return bad_signatures_.load(); }
    /// Connections accepted so far (connection reuse keeps this low).
    int connections() const { return connections_.load(); }
    /// Operations served, in order ("ListKeys", ...), throttled ones included.
    std::vector<std::string> operations() const {
        std::lock_guard lock(mutex_);
        return ops_;
    }
    /// A copy of a key's state (by id or ARN); nullopt when unknown.
    std::optional<key> get(std::string const& id) const {
        std::lock_guard lock(mutex_);
        auto it = keys_.find(key_id_of(id));
        if (it == keys_.end()) return std::nullopt;
        return it->second;
    }
    /// The ARN of a key id, as DescribeKey reports it.
    std::string arn(std::string const& id) const {
        return "arn:aws:kms:" + region_ + ":111122223333:key/" + id;
    }
    /// Alias name -> key id.
    std::map<std::string, std::string> aliases() const {
        std::lock_guard lock(mutex_);
        return aliases_;
    }
    /// Adds a key directly (test setup); returns its id.
    std::string add_key(std::string description, std::vector<std::string> alias_names = {}) {
        std::lock_guard lock(mutex_);
        auto& k = new_key();
        k.description = std::move(description);
        for (auto& a : alias_names) aliases_[a] = k.id;
        return k.id;
    }

    void stop() {
        if (stopping_.exchange(true)) return;
        // Wake the blocking accept with a connection of our own, then end the sessions.
        boost::system::error_code ec;
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket wake(ioc);
        wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
        if (accept_thread_.joinable()) accept_thread_.join();
        {
            std::lock_guard lock(sessions_mutex_);
            for (auto& s : sockets_) ::shutdown(s.native_handle(), SHUT_RDWR);
        }
        for (auto& t : session_threads_)
            if (t.joinable()) t.join();
    }

private:
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;
    using object = boost::json::object;

    struct reply {
        unsigned status = 200;
        object body;
    };

    static reply error(std::string type, std::string message) {
        return {400, object{{"__type", std::move(type)}, {"message", std::move(message)}}};
    }

    void accept_loop() {
        while (!stopping_) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket s(ioc_);
            acceptor_.accept(s, ec);
            if (ec || stopping_) break;
            ++connections_;
            std::lock_guard lock(sessions_mutex_);
            sockets_.push_back(std::move(s));
            auto& sock = sockets_.back();
            session_threads_.emplace_back([this, &sock] { serve(sock); });
        }
    }

    void serve(boost::asio::ip::tcp::socket& s) {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        for (;;) {
            boost::system::error_code ec;
            request req;
            http::read(s, buffer, req, ec);
            if (ec) return;
            auto r = handle(req);
            response res{r.status == 200 ? http::status::ok : http::int_to_status(r.status), 11};
            res.set(http::field::content_type, "application/x-amz-json-1.1");
            res.body() = boost::json::serialize(r.body);
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(s, res, ec);
            if (ec || !req.keep_alive()) return;
        }
    }

    reply handle(request const& req) {
        cckm::aws::signable_request sr;
        sr.method = std::string(req.method_string());
        sr.target = std::string(req.target());
        for (auto const& f : req)
            sr.headers.push_back({std::string(f.name_string()), std::string(f.value())});
        sr.body = req.body();
        auto const target = std::string(req["X-Amz-Target"]);
        auto const op = target.starts_with("TrentService.") ? target.substr(13) : target;
        {
            std::lock_guard lock(mutex_);
            ops_.push_back(op);
        }
        if (auto ok = cckm::aws::verify(sr, creds_, region_, "kms"); !ok) {
            ++bad_signatures_;
            return error("InvalidSignatureException", ok.error().message());
        }
        if (req.method() != boost::beast::http::verb::post || req.target() != "/" ||
            req["Content-Type"] != "application/x-amz-json-1.1")
            return error("ValidationException", "not a JSON 1.1 request");
        if (throttle_.load() > 0) {
            --throttle_;
            return error("ThrottlingException", "Rate exceeded");
        }
        boost::system::error_code ec;
        auto body = boost::json::parse(req.body(), ec);
        if (ec || !body.is_object()) return error("SerializationException", "bad JSON");
        std::lock_guard lock(mutex_);
        return dispatch(op, body.as_object());
    }

    static std::string str(object const& o, char const* k) {
        auto const* v = o.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    }
    static std::optional<std::int64_t> num(object const& o, char const* k) {
        auto const* v = o.if_contains(k);
        return v && v->is_int64() ? std::optional(v->as_int64()) : std::nullopt;
    }
    double now() const {
        return std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
    }
    static std::string key_id_of(std::string const& ref) {
        auto const slash = ref.rfind("key/");
        return ref.starts_with("arn:") && slash != std::string::npos ? ref.substr(slash + 4) : ref;
    }

    key& new_key() {
        char id[64];
        // Ids repeat between fakes, as a multi-region key's id does between regions: only
        // the ARN (with the fake's region) names one key.
        std::snprintf(id, sizeof id, "1234abcd-12ab-34cd-56ef-%012d", ++next_id_);
        key k;
        k.id = id;
        k.created = now();
        order_.push_back(k.id);
        return keys_[k.id] = std::move(k);
    }

    // KeyId as a key id, key ARN or alias name, as KMS accepts.
    key* find(std::string const& ref) {
        auto id = ref;
        if (ref.starts_with("alias/")) {
            auto a = aliases_.find(ref);
            if (a == aliases_.end()) return nullptr;
            id = a->second;
        }
        // An ARN must be this endpoint's: region and account included.
        if (id.starts_with("arn:") && id != arn(key_id_of(id))) return nullptr;
        auto it = keys_.find(key_id_of(id));
        return it == keys_.end() ? nullptr : &it->second;
    }

    object metadata(key const& k) const {
        object m{{"AWSAccountId", "111122223333"},
                 {"KeyId", k.id},
                 {"Arn", arn(k.id)},
                 {"CreationDate", k.created},
                 {"Enabled", k.state == "Enabled"},
                 {"Description", k.description},
                 {"KeyUsage", k.usage},
                 {"KeyState", k.state},
                 {"Origin", "AWS_KMS"},
                 {"KeyManager", "CUSTOMER"},
                 {"KeySpec", k.spec}};
        if (k.deletion_date) m["DeletionDate"] = *k.deletion_date;
        return m;
    }

    // One page of `items` from the request's Marker (an index) and Limit.
    template <class Item>
    object page(object const& in, std::vector<Item> const& items, char const* field) const {
        auto const start = static_cast<std::size_t>(
            std::stoul(str(in, "Marker").empty() ? "0" : str(in, "Marker")));
        auto const limit = std::min<std::size_t>(
            page_size_, static_cast<std::size_t>(num(in, "Limit").value_or(100)));
        boost::json::array out;
        for (std::size_t i = start; i < items.size() && i < start + limit; ++i)
            out.push_back(items[i]);
        object o{{field, std::move(out)}, {"Truncated", start + limit < items.size()}};
        if (start + limit < items.size()) o["NextMarker"] = std::to_string(start + limit);
        return o;
    }

    reply not_found(std::string const& ref) {
        return error("NotFoundException", "Key '" + arn(ref) + "' does not exist");
    }

    reply dispatch(std::string const& op, object const& in) {
        if (op == "ListKeys") {
            std::vector<object> items;
            for (auto const& id : order_) items.push_back({{"KeyId", id}, {"KeyArn", arn(id)}});
            return {200, page(in, items, "Keys")};
        }
        if (op == "ListAliases") {
            std::vector<object> items;
            auto const* filter = in.contains("KeyId") ? find(str(in, "KeyId")) : nullptr;
            if (in.contains("KeyId") && !filter) return not_found(str(in, "KeyId"));
            for (auto const& [name, id] : aliases_)
                if (!filter || filter->id == id)
                    items.push_back(
                        {{"AliasName", name},
                         {"AliasArn", "arn:aws:kms:" + region_ + ":111122223333:" + name},
                         {"TargetKeyId", id}});
            return {200, page(in, items, "Aliases")};
        }
        if (op == "CreateKey") {
            auto& k = new_key();
            k.description = str(in, "Description");
            if (auto s = str(in, "KeySpec"); !s.empty()) k.spec = s;
            if (auto p = str(in, "Policy"); !p.empty()) k.policy = p;
            if (auto const* t = in.if_contains("Tags"))
                for (auto const& tag : t->as_array())
                    k.tags[str(tag.as_object(), "TagKey")] = str(tag.as_object(), "TagValue");
            return {200, object{{"KeyMetadata", metadata(k)}}};
        }
        if (op == "CreateAlias" || op == "UpdateAlias") {
            auto const name = str(in, "AliasName");
            if (!name.starts_with("alias/") || name.starts_with("alias/aws/"))
                return error("ValidationException", "bad alias name " + name);
            auto* target = find(str(in, "TargetKeyId"));
            if (!target) return not_found(str(in, "TargetKeyId"));
            bool const exists = aliases_.contains(name);
            if (op == "CreateAlias" && exists)
                return error("AlreadyExistsException",
                             "An alias with the name " + name + " already exists");
            if (op == "UpdateAlias" && !exists)
                return error("NotFoundException", "Alias " + name + " is not found.");
            aliases_[name] = target->id;
            return {200, {}};
        }
        if (op == "DeleteAlias") {
            if (aliases_.erase(str(in, "AliasName")) == 0)
                return error("NotFoundException", "Alias is not found.");
            return {200, {}};
        }
        auto* k = find(str(in, "KeyId"));
        if (!k) return not_found(str(in, "KeyId"));
        auto const pending = k->state == "PendingDeletion";
        auto invalid_state = [&] {
            return error("KMSInvalidStateException", arn(k->id) + " is pending deletion.");
        };
        if (op == "DescribeKey") return {200, object{{"KeyMetadata", metadata(*k)}}};
        if (op == "EnableKey" || op == "DisableKey") {
            if (pending) return invalid_state();
            k->state = op == "EnableKey" ? "Enabled" : "Disabled";
            return {200, {}};
        }
        if (op == "ScheduleKeyDeletion") {
            auto const days = num(in, "PendingWindowInDays").value_or(30);
            if (days < 7 || days > 30)
                return error("ValidationException", "PendingWindowInDays must be 7 to 30");
            if (pending) return invalid_state();
            k->state = "PendingDeletion";
            k->deletion_date = now() + static_cast<double>(days) * 86400;
            return {200, object{{"KeyId", arn(k->id)},
                                {"DeletionDate", *k->deletion_date},
                                {"KeyState", k->state},
                                {"PendingWindowInDays", days}}};
        }
        if (op == "CancelKeyDeletion") {
            if (!pending)
                return error("KMSInvalidStateException", arn(k->id) + " is not pending deletion.");
            k->state = "Disabled";
            k->deletion_date.reset();
            return {200, object{{"KeyId", arn(k->id)}}};
        }
        if (op == "GetKeyPolicy")
            return {200, object{{"Policy", k->policy}, {"PolicyName", "default"}}};
        if (op == "PutKeyPolicy") {
            k->policy = str(in, "Policy");
            return {200, {}};
        }
        if (op == "TagResource") {
            for (auto const& tag : in.at("Tags").as_array())
                k->tags[str(tag.as_object(), "TagKey")] = str(tag.as_object(), "TagValue");
            return {200, {}};
        }
        if (op == "ListResourceTags") {
            std::vector<object> items;
            for (auto const& [tk, tv] : k->tags)
                items.push_back({{"TagKey", tk}, {"TagValue", tv}});
            return {200, page(in, items, "Tags")};
        }
        if (op == "EnableKeyRotation") {
            auto const days = num(in, "RotationPeriodInDays").value_or(365);
            if (days < 90 || days > 2560)
                return error("ValidationException", "RotationPeriodInDays must be 90 to 2560");
            k->rotation_period = static_cast<int>(days);
            return {200, {}};
        }
        if (op == "DisableKeyRotation") {
            k->rotation_period.reset();
            return {200, {}};
        }
        if (op == "GetKeyRotationStatus") {
            object o{{"KeyId", k->id}, {"KeyRotationEnabled", k->rotation_period.has_value()}};
            if (k->rotation_period) o["RotationPeriodInDays"] = *k->rotation_period;
            return {200, o};
        }
        if (op == "RotateKeyOnDemand") {
            if (k->state != "Enabled")
                return error("DisabledException", arn(k->id) + " is disabled.");
            ++k->on_demand_rotations;
            return {200, object{{"KeyId", k->id}}};
        }
        return error("UnknownOperationException", "unknown operation " + op);
    }

    cckm::aws::credentials creds_;
    scheduler::clock& clock_;
    std::size_t page_size_;
    std::string region_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> throttle_{0};
    std::atomic<int> bad_signatures_{0};
    std::atomic<int> connections_{0};
    std::thread accept_thread_;
    std::mutex sessions_mutex_;
    std::list<boost::asio::ip::tcp::socket> sockets_;  // a list: sessions hold references
    std::vector<std::thread> session_threads_;
    mutable std::mutex mutex_;
    std::map<std::string, key> keys_;
    std::vector<std::string> order_;
    std::map<std::string, std::string> aliases_;
    std::vector<std::string> ops_;
    int next_id_ = 0;
};

}  // namespace cckm_test
