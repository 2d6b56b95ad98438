// SPDX-License-Identifier: Apache-2.0
#include "tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace schedulerd {

namespace {

using scheduler::code;
using scheduler::status;

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
struct file_close {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

status tls_error(std::string what) {
    return {code::internal, "TLS: " + what};
}

/// Opens `path` for writing with `mode` (the key must never exist with wider permissions).
std::unique_ptr<std::FILE, file_close> open_private(std::string const& path, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return nullptr;
    ::fchmod(fd, mode);
    return std::unique_ptr<std::FILE, file_close>(::fdopen(fd, "w"));
}

bool add_extension(X509* cert, int nid, char const* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

std::unique_ptr<X509, x509_free> make_cert(EVP_PKEY* key) {
    std::unique_ptr<X509, x509_free> cert(X509_new());
    if (!cert) return nullptr;
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<unsigned char const*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") ||
        !add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_extension(cert.get(), NID_ext_key_usage, "serverAuth"))
        return nullptr;
    if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return nullptr;
    return cert;
}

}  // namespace

scheduler::result<void> ensure_self_signed(std::string const& cert_path,
                                           std::string const& key_path) {
    if (std::filesystem::exists(cert_path) && std::filesystem::exists(key_path)) return {};
    std::unique_ptr<EVP_PKEY, pkey_free> key(EVP_EC_gen("P-256"));
    if (!key) return tls_error("cannot generate an EC P-256 key");
    auto cert = make_cert(key.get());
    if (!cert) return tls_error("cannot build the self-signed certificate");
    auto kf = open_private(key_path, 0600);
    if (!kf ||
        PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return tls_error("cannot write " + key_path);
    auto cf = open_private(cert_path, 0644);
    if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1)
        return tls_error("cannot write " + cert_path);
    return {};
}

scheduler::result<void> configure_tls(boost::asio::ssl::context& ctx,
                                      std::string const& cert_path,
                                      std::string const& key_path) {
    boost::system::error_code ec;
    ctx.set_options(
        boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
            boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
            boost::asio::ssl::context::no_tlsv1_1 | boost::asio::ssl::context::single_dh_use,
        ec);
    if (ec) return tls_error("options: " + ec.message());
    ctx.use_certificate_chain_file(cert_path, ec);
    if (ec)
        return status{code::invalid_argument,
                      "cannot load certificate " + cert_path + ": " + ec.message(), "tls-cert"};
    ctx.use_private_key_file(key_path, boost::asio::ssl::context::pem, ec);
    if (ec)
        return status{code::invalid_argument, "cannot load key " + key_path + ": " + ec.message(),
                      "tls-key"};
    return {};
}

}  // namespace schedulerd
