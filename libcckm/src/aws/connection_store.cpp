// SPDX-License-Identifier: Apache-2.0
// AWS connections kept in SQLite beside cckm_keys. A row holds what may be shown (`body`, JSON)
// and, for static credentials, the secrets sealed with AES-256-GCM (`secret`):
//   nonce (12) | ciphertext of {"secret_access_key": ..., "session_token": ...} | tag (16)
// with "CCKMCONN1" and the connection id as additional data, so a sealed secret copied to
// another row, or altered, does not open. The key is 32 random bytes in
// `<key_dir>/connection-secrets.key` (0600), made on first use by the backup-key code.
// Bound parameters only; SQLiteCpp and OpenSSL stop here.
#include <cckm/aws/connections.hpp>
#include <cckm/aws/credentials_source.hpp>
#include <cckm/backup_crypto.hpp>
#include <cckm/key_store.hpp>

#include "../sqlite_db.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

namespace cckm::aws {

using scheduler::code;
using scheduler::result;
using scheduler::status;
namespace json = boost::json;

namespace {

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// eu-west-1, us-gov-west-1, ap-southeast-2, cn-north-1, il-central-1: lower-case words
// joined by '-', ending in a number.
bool valid_region(std::string_view r) {
    if (r.size() < 4 || r.size() > 32) return false;
    auto const dash = r.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == r.size()) return false;
    auto const head = r.substr(0, dash);
    auto const num = r.substr(dash + 1);
    return std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           head.front() != '-' && head.back() != '-' && head.find("--") == std::string_view::npos &&
           std::all_of(head.begin(), head.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

// An access key id is printable ASCII without spaces (AKIA..., ASIA..., or a test double's).
bool valid_key_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

result<void> validate(connection_spec const& s) {
    if (s.name.empty() || s.name.size() > 64 || s.name.front() == '.' ||
        !std::all_of(s.name.begin(), s.name.end(), name_char))
        return scheduler::invalid_argument(
            "name", "must be 1-64 letters, digits, '_', '-' or '.', not starting with '.'");
    if (s.account_id.size() != 12 || !std::all_of(s.account_id.begin(), s.account_id.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; }))
        return scheduler::invalid_argument("account_id", "must be 12 digits");
    if (s.regions.empty() || s.regions.size() > 32)
        return scheduler::invalid_argument("regions", "must name 1-32 regions");
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
        if (!valid_region(s.regions[i]))
            return scheduler::invalid_argument("regions", "'" + s.regions[i] +
                                                              "' is not a region name such as "
                                                              "eu-west-1");
        if (std::find(s.regions.begin(), s.regions.begin() + static_cast<long>(i), s.regions[i]) !=
            s.regions.begin() + static_cast<long>(i))
            return scheduler::invalid_argument("regions", "'" + s.regions[i] + "' is repeated");
    }
    if (!s.endpoint_url.empty()) {
        if (auto ep = parse_endpoint(s.endpoint_url); !ep) return ep.error();
        // The server's own identity is only ever presented to AWS: whoever may add a
        // connection must not be able to send it (signed, with its session token) elsewhere.
        if (!s.creds)
            return scheduler::invalid_argument(
                "endpoint_url",
                "needs explicit credentials (access_key_id and "
                "secret_access_key): the server's own go to AWS endpoints only");
    }
    if (s.creds) {
        if (!valid_key_id(s.creds->access_key_id))
            return scheduler::invalid_argument("access_key_id",
                                               "must be 1-128 printable characters without spaces");
        // Lengths only: the secret's text is never quoted back.
        if (s.creds->secret_access_key.empty() || s.creds->secret_access_key.size() > 256)
            return scheduler::invalid_argument("secret_access_key",
                                               "is required with access_key_id (1-256 characters)");
        if (s.creds->session_token.size() > 4096)
            return scheduler::invalid_argument("session_token", "is longer than 4096 characters");
    }
    return {};
}

namespace {

constexpr std::string_view aad_magic = "CCKMCONN1";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter>;

// A string that wipes itself: plaintext secrets never linger in freed heap memory.
struct wiped {
    std::string text;
    ~wiped() {
        if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    }
};

result<std::string> seal(std::string_view plain, std::string_view id, backup_key const& key) {
    std::string out(nonce_size + plain.size() + tag_size, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(nonce, static_cast<int>(nonce_size)) != 1)
        return status{code::internal, "connection secrets: no randomness for a nonce"};
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    auto* ct = nonce + nonce_size;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(aad_magic.data()),
                          static_cast<int>(aad_magic.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(id.data()),
                          static_cast<int>(id.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<unsigned char const*>(plain.data()),
                          static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                            ct + plain.size()) != 1)
        return status{code::internal, "connection secrets: encryption failed"};
    return out;
}

result<void> open_sealed(std::string_view sealed,
                         std::string_view id,
                         backup_key const& key,
                         std::string& plain) {
    auto refuse = [&] {
        return status{code::failed_precondition,
                      "connection " + std::string(id) +
                          ": its secrets do not open with connection-secrets.key (altered, or "
                          "sealed with another key)"};
    };
    if (sealed.size() < nonce_size + tag_size) return refuse();
    auto const* nonce = reinterpret_cast<unsigned char const*>(sealed.data());
    auto const n = sealed.size() - nonce_size - tag_size;
    plain.assign(n, '\0');
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    std::array<unsigned char, tag_size> tag{};
    std::copy_n(nonce + nonce_size + n, tag_size, tag.begin());
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(aad_magic.data()),
                          static_cast<int>(aad_magic.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(id.data()),
                          static_cast<int>(id.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                          nonce + nonce_size, static_cast<int>(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size),
                            tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                            &len) != 1) {
        OPENSSL_cleanse(plain.data(), plain.size());
        plain.clear();
        return refuse();
    }
    return {};
}

std::int64_t micros(scheduler::time_point t) {
    return t.time_since_epoch().count();
}

std::string encode(connection_info const& c) {
    json::array regions;
    for (auto const& r : c.regions) regions.emplace_back(r);
    return json::serialize(json::object{{"id", c.id},
                                        {"name", c.name},
                                        {"account_id", c.account_id},
                                        {"regions", std::move(regions)},
                                        {"endpoint_url", c.endpoint_url},
                                        {"credential_source", c.credential_source},
                                        {"access_key_id", c.access_key_id},
                                        {"has_session_token", c.has_session_token},
                                        {"created_at", micros(c.created_at)}});
}

result<connection_info> decode(std::string_view text) {
    try {
        auto const v = json::parse(text);
        auto const& o = v.as_object();
        connection_info c;
        c.id = o.at("id").as_string();
        c.name = o.at("name").as_string();
        c.account_id = o.at("account_id").as_string();
        for (auto const& r : o.at("regions").as_array()) c.regions.emplace_back(r.as_string());
        c.endpoint_url = o.at("endpoint_url").as_string();
        c.credential_source = o.at("credential_source").as_string();
        c.access_key_id = o.at("access_key_id").as_string();
        c.has_session_token = o.at("has_session_token").as_bool();
        c.created_at = scheduler::time_point{
            std::chrono::microseconds{o.at("created_at").to_number<std::int64_t>()}};
        return c;
    } catch (std::exception const& e) {
        return status{code::internal,
                      std::string("aws connection store: unreadable connection: ") + e.what()};
    }
}

constexpr char const* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS cckm_meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO cckm_meta (name, value) VALUES ('aws_connections_schema_version', '1');
CREATE TABLE IF NOT EXISTS cckm_aws_connections (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) > 0),
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    secret     BLOB
);
)sql";

class sqlite_kms_connections final : public kms_connections {
public:
    sqlite_kms_connections(std::string const& db_path,
                           backup_key key,
                           connection_router& router,
                           kms_provider_factory factory,
                           scheduler::clock& clock)
        : sql_(db_path,
               schema_sql,
               {"aws connection store", std::chrono::seconds(5), false, "name"}),
          key_(std::move(key)),
          router_(router),
          factory_(std::move(factory)),
          clock_(clock) {}

    ~sqlite_kms_connections() override { OPENSSL_cleanse(key_.bytes.data(), key_.bytes.size()); }

    // Routes every stored connection. One that cannot be used (unreadable row, secret that
    // does not open, credentials gone) is marked unavailable in the router, so listings that
    // include it fail rather than come back without its keys; returns a warning for each.
    result<std::vector<std::string>> route_stored() {
        struct row {
            std::string id, name, body, sealed;
        };
        std::vector<std::string> warnings;
        auto rows = guarded<std::vector<row>>("load", [&]() -> result<std::vector<row>> {
            std::vector<row> out;
            SQLite::Statement st(db_,
                                 "SELECT id, name, body, secret FROM cckm_aws_connections "
                                 "ORDER BY created_at, id");
            while (st.executeStep())
                out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                               st.getColumn(2).getString(), st.getColumn(3).getString()});
            return out;
        });
        if (!rows) return rows.error();
        for (auto& r : *rows) {
            auto usable = unseal_and_build(r.body, r.sealed);
            if (usable) {
                router_.set_connection(r.name, std::move(*usable));
                continue;
            }
            router_.set_unavailable(r.name, usable.error().message());
            warnings.push_back("AWS connection " + r.name + " (" + r.id +
                               ") is not in use: " + usable.error().message());
        }
        return warnings;
    }

    result<std::vector<connection_router::regional_provider>> unseal_and_build(
        std::string const& body, std::string const& sealed) {
        auto info = decode(body);
        if (!info) return info.error();
        std::optional<credentials> creds;
        if (info->credential_source == "static") {
            wiped plain;
            if (auto ok = open_sealed(sealed, info->id, key_, plain.text); !ok) return ok.error();
            auto c = secrets_from(plain.text, *info);
            if (!c) return c.error();
            creds = std::move(*c);
        }
        return build(*info, std::move(creds));
    }

    result<connection_info> add(connection_spec spec) override {
        if (auto ok = validate(spec); !ok) return ok.error();
        connection_info info;
        info.id = new_key_id();
        info.name = spec.name;
        info.account_id = spec.account_id;
        info.regions = spec.regions;
        info.endpoint_url = spec.endpoint_url;
        info.credential_source = spec.creds ? "static" : "default";
        if (spec.creds) {
            info.access_key_id = spec.creds->access_key_id;
            info.has_session_token = !spec.creds->session_token.empty();
        }
        info.created_at = clock_.now();

        std::lock_guard writes(write_mutex_);  // the row and the routing change together
        auto taken = guarded<bool>("add", [&]() -> result<bool> {
            SQLite::Statement st(db_, "SELECT 1 FROM cckm_aws_connections WHERE name = ?1");
            st.bind(1, spec.name);
            return st.executeStep();
        });
        if (!taken) return taken.error();
        if (*taken)
            return status{code::already_exists,
                          "an AWS connection named '" + spec.name + "' exists", "name"};
        std::optional<std::string> sealed;
        if (spec.creds) {
            wiped plain{
                json::serialize(json::object{{"secret_access_key", spec.creds->secret_access_key},
                                             {"session_token", spec.creds->session_token}})};
            auto s = seal(plain.text, info.id, key_);
            if (!s) return s.error();
            sealed = std::move(*s);
        }
        auto providers = build(info, std::move(spec.creds));
        if (!providers) return providers.error();
        auto stored = guarded<void>("add", [&]() -> result<void> {
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement st(db_,
                                 "INSERT INTO cckm_aws_connections (id, name, created_at, body, "
                                 "secret) VALUES (?1, ?2, ?3, ?4, ?5)");
            st.bind(1, info.id);
            st.bind(2, info.name);
            st.bind(3, static_cast<std::int64_t>(micros(info.created_at)));
            st.bind(4, encode(info));
            if (sealed)
                st.bind(5, sealed->data(), static_cast<int>(sealed->size()));
            else
                st.bind(5);
            st.exec();
            tx.commit();
            return {};
        });
        if (!stored) {
            if (stored.error().error_code() == code::already_exists)  // a race on the name
                return status{code::already_exists,
                              "an AWS connection named '" + info.name + "' exists", "name"};
            return stored.error();
        }
        router_.set_connection(info.name, std::move(*providers));
        return info;
    }

    result<std::vector<connection_info>> list() override {
        return guarded<std::vector<connection_info>>(
            "list", [&]() -> result<std::vector<connection_info>> {
                std::vector<connection_info> out;
                SQLite::Statement st(db_,
                                     "SELECT body, id, name FROM cckm_aws_connections ORDER BY "
                                     "created_at, id");
                while (st.executeStep()) {
                    auto c = decode(st.getColumn(0).getString());
                    if (!c) {  // shown, so that it can be found and deleted
                        c = connection_info{};
                        c->id = st.getColumn(1).getString();
                        c->name = st.getColumn(2).getString();
                        c->credential_source = "unreadable";
                    }
                    out.push_back(std::move(*c));
                }
                return out;
            });
    }

    result<connection_info> get(std::string_view id_or_name) override { return find(id_or_name); }

    result<void> remove(std::string_view id_or_name) override {
        std::lock_guard writes(write_mutex_);
        // By the row's own columns, not its decoded body: an unreadable row can be deleted too.
        auto name = guarded<std::string>("remove", [&]() -> result<std::string> {
            SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement which(db_,
                                    "SELECT id, name FROM cckm_aws_connections WHERE id = ?1 OR "
                                    "name = ?1 ORDER BY id = ?1 DESC LIMIT 1");
            which.bind(1, std::string(id_or_name));
            if (!which.executeStep())
                return scheduler::not_found("AWS connection " + std::string(id_or_name) +
                                            " not found");
            std::string const id = which.getColumn(0).getString();
            std::string found = which.getColumn(1).getString();
            which.reset();
            SQLite::Statement st(db_, "DELETE FROM cckm_aws_connections WHERE id = ?1");
            st.bind(1, id);
            st.exec();
            tx.commit();
            return found;
        });
        if (!name) return name.error();
        router_.remove_connection(*name);
        return {};
    }

private:
    result<connection_info> find(std::string_view id_or_name) {
        return guarded<connection_info>("get", [&]() -> result<connection_info> {
            SQLite::Statement st(db_,
                                 "SELECT body FROM cckm_aws_connections WHERE id = ?1 OR name = "
                                 "?1 ORDER BY id = ?1 DESC LIMIT 1");
            st.bind(1, std::string(id_or_name));
            if (!st.executeStep())
                return scheduler::not_found("AWS connection " + std::string(id_or_name) +
                                            " not found");
            return decode(st.getColumn(0).getString());
        });
    }

    static result<credentials> secrets_from(std::string const& plain, connection_info const& info) {
        try {
            auto const v = json::parse(plain);
            credentials c;
            c.access_key_id = info.access_key_id;
            c.secret_access_key = v.at("secret_access_key").as_string();
            c.session_token = v.at("session_token").as_string();
            return c;
        } catch (std::exception const&) {
            return status{code::internal,
                          "AWS connection " + info.name + ": its sealed secrets are unreadable"};
        }
    }

    result<std::vector<connection_router::regional_provider>> build(
        connection_info const& info, std::optional<credentials> creds) {
        if (!creds) {
            auto found = default_credentials();
            if (!found)
                return status{code::invalid_argument,
                              "no access_key_id given and no credentials in the environment or "
                              "the AWS credentials file: " +
                                  found.error().message(),
                              "access_key_id"};
            creds = std::move(*found);
        }
        std::vector<connection_router::regional_provider> out;
        for (auto const& region : info.regions) {
            // A factory that throws (TLS set-up, allocation) fails this connection only.
            try {
                auto p = factory_(
                    kms_connection{info.name, info.account_id, region, info.endpoint_url, *creds});
                if (!p) return p.error();
                out.push_back({region, std::shared_ptr<cloud_provider>(std::move(*p))});
            } catch (std::exception const& e) {
                return status{code::internal,
                              "building the provider of " + region + " failed: " + e.what()};
            }
        }
        return out;
    }

    template <class T, class F>
    result<T> guarded(std::string_view what, F&& body) {
        return sql_.run<T>(what, std::forward<F>(body));
    }

    std::mutex write_mutex_;  // add/remove: check, store and route as one step
    detail::sqlite_db sql_;
    SQLite::Database& db_ = sql_.db();
    backup_key key_;
    connection_router& router_;
    kms_provider_factory factory_;
    scheduler::clock& clock_;
};

}  // namespace

result<std::unique_ptr<kms_connections>> open_kms_connections(
    std::string const& db_path,
    std::string const& key_dir,
    connection_router& router,
    kms_provider_factory factory,
    scheduler::clock& clock,
    std::function<void(std::string const&)> warn) {
    if (!factory) return scheduler::invalid_argument("factory", "is required");
    auto key = load_backup_key(key_dir, "connection-secrets", true);
    if (!key) return key.error();
    try {
        auto store = std::make_unique<sqlite_kms_connections>(db_path, std::move(*key), router,
                                                              std::move(factory), clock);
        auto warnings = store->route_stored();
        if (!warnings) return warnings.error();
        if (warn)
            for (auto const& w : *warnings) warn(w);
        return std::unique_ptr<kms_connections>(std::move(store));
    } catch (SQLite::Exception const& e) {
        return status{
            code::unavailable,
            detail::from_sqlite(e, "aws connection store", "open '" + db_path + "'").message()};
    }
}

kms_provider_factory default_kms_factory(scheduler::clock& clock, kms_provider_options options) {
    return [&clock, options](kms_connection c) {
        return make_kms_provider(std::move(c), clock, options);
    };
}

}  // namespace cckm::aws
