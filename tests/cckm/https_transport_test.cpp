// SPDX-License-Identifier: Apache-2.0
// The KMS HTTPS transport against a TLS endpoint on loopback with a self-signed certificate
// made here for `localhost`: refused with the default trust store (verification is on by
// default), accepted when that certificate is the trusted CA, refused again when the host name
// does not match the certificate.
#include <cckm/aws/http_transport.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <unistd.h>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};

// A self-signed certificate for DNS:localhost only, written as PEM files in a temp dir.
struct test_cert {
    fs::path dir = fs::temp_directory_path() / ("cckm-tls-" + std::to_string(::getpid()));
    fs::path cert = dir / "cert.pem";
    fs::path key = dir / "key.pem";

    test_cert() {
        fs::create_directories(dir);
        std::unique_ptr<EVP_PKEY, pkey_free> k(EVP_EC_gen("P-256"));
        REQUIRE(k);
        std::unique_ptr<X509, x509_free> c(X509_new());
        X509_set_version(c.get(), 2);
        ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 1);
        X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
        X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600);
        X509_set_pubkey(c.get(), k.get());
        X509_NAME* name = X509_get_subject_name(c.get());
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<unsigned char const*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(c.get(), name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, c.get(), c.get(), nullptr, nullptr, 0);
        X509_EXTENSION* ext =
            X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
        REQUIRE(ext);
        X509_add_ext(c.get(), ext, -1);
        X509_EXTENSION_free(ext);
        REQUIRE(X509_sign(c.get(), k.get(), EVP_sha256()) != 0);
        std::FILE* kf = std::fopen(key.c_str(), "w");
        PEM_write_PrivateKey(kf, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(kf);
        std::FILE* cf = std::fopen(cert.c_str(), "w");
        PEM_write_X509(cf, c.get());
        std::fclose(cf);
    }
    ~test_cert() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// Serves one TLS connection on 127.0.0.1: every request is answered 200 `{"ok":true}`.
class tls_server {
public:
    explicit tls_server(test_cert const& cert) {
        ctx_.use_certificate_chain_file(cert.cert.string());
        ctx_.use_private_key_file(cert.key.string(), ssl::context::pem);
        acceptor_.open(asio::ip::tcp::v4());
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~tls_server() {
        // Unblock an accept nobody came to.
        boost::system::error_code ec;
        asio::ip::tcp::socket wake(ioc_);
        wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
        wake.close(ec);  // so a handshake on it ends at once
        thread_.join();
    }
    std::string port() const { return std::to_string(port_); }

private:
    void serve() {
        boost::system::error_code ec;
        ssl::stream<asio::ip::tcp::socket> s(ioc_, ctx_);
        acceptor_.accept(s.next_layer(), ec);
        if (ec) return;
        s.handshake(ssl::stream_base::server, ec);
        if (ec) return;  // the client refused the certificate
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            http::read(s, buffer, req, ec);
            if (ec) return;
            http::response<http::string_body> res{http::status::ok, 11};
            res.body() = R"({"ok":true})";
            res.prepare_payload();
            http::write(s, res, ec);
            if (ec) return;
        }
    }

    asio::io_context ioc_;
    ssl::context ctx_{ssl::context::tls_server};
    asio::ip::tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::thread thread_;
};

cckm::aws::signable_request ping(std::string const& host) {
    return {"POST", "/", {{"Host", host}, {"Content-Type", "application/x-amz-json-1.1"}}, "{}"};
}

}  // namespace

TEST_CASE("https transport verifies the certificate and the host name", "[kms][tls]") {
    test_cert cert;
    tls_server server(cert);
    cckm::aws::transport_options o;
    o.connect_timeout = std::chrono::seconds{10};
    o.request_timeout = std::chrono::seconds{10};

    SECTION("an untrusted certificate is refused by default") {
        auto t = cckm::aws::make_http_transport("https://localhost:" + server.port(), o);
        REQUIRE(t.has_value());
        auto r = (*t)->send(ping("localhost"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().error_code() == scheduler::code::unavailable);
        CHECK_THAT(r.error().message(), Catch::Contains("TLS handshake"));
    }
    SECTION("the certificate trusted as CA and the right host name: served, connection reused") {
        o.ca_file = cert.cert.string();
        auto t = cckm::aws::make_http_transport("https://localhost:" + server.port(), o);
        REQUIRE(t.has_value());
        for (int i = 0; i < 3; ++i) {
            auto r = (*t)->send(ping("localhost"));
            INFO((r ? std::string("ok") : r.error().to_string()));
            REQUIRE(r.has_value());
            CHECK(r->status == 200);
            CHECK(r->body == R"({"ok":true})");
        }
    }
    SECTION("a trusted certificate for another name is refused") {
        o.ca_file = cert.cert.string();
        auto t = cckm::aws::make_http_transport("https://127.0.0.1:" + server.port(), o);
        REQUIRE(t.has_value());
        auto r = (*t)->send(ping("127.0.0.1"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().error_code() == scheduler::code::unavailable);
    }
    SECTION("a missing CA file is a configuration error") {
        o.ca_file = (cert.dir / "missing.pem").string();
        auto t = cckm::aws::make_http_transport("https://localhost:" + server.port(), o);
        REQUIRE_FALSE(t.has_value());
        CHECK(t.error().field() == "ca_file");
    }
}
