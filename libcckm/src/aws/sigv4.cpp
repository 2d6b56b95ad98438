// SPDX-License-Identifier: Apache-2.0
// AWS Signature Version 4, header form. The canonicalization rules follow the aws-c-auth test
// suite (tests/data/aws-sigv4-testsuite), which botocore also passes: path encoded once from
// raw bytes, query names and values decoded then re-encoded and sorted, header values trimmed
// with inner whitespace runs collapsed, repeated headers joined with ',' in order.
#include <cckm/aws/sigv4.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <utility>

namespace cckm::aws {

using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// Trims the value and collapses each inner run of whitespace (folded lines included) to one
// space, as SigV4 asks; quoted strings are not exempt (get-header-value-trim).
std::string trim_collapse(std::string_view v) {
    std::string out;
    bool pending_space = false;
    for (char c : v) {
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string to_hex(unsigned char const* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0x0f];
    }
    return out;
}

std::string hmac(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<unsigned char const*>(data.data()), data.size(), md.data(), &len);
    return std::string(reinterpret_cast<char const*>(md.data()), len);
}

bool unreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0x0f];
        }
    }
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoding only: '+' is a literal plus in SigV4 query strings.
std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int const hi = hex_value(s[i + 1]);
            int const lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// Removes empty, `.` and `..` segments (RFC 3986 dot removal plus slash merging, as every
// service but S3 expects); a trailing slash survives.
std::string normalize(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        auto const next = std::min(path.find('/', pos), path.size());
        auto const seg = path.substr(pos, next - pos);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        pos = next + 1;
    }
    std::string out;
    for (auto seg : segments) {
        out += '/';
        out += seg;
    }
    if (out.empty() || path.ends_with('/')) out += '/';
    return out;
}

std::string canonical_path(std::string_view path, bool normalize_path) {
    if (path.empty()) return "/";
    return uri_encode(normalize_path ? normalize(path) : std::string(path), true);
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    std::size_t pos = 0;
    while (pos < query.size()) {
        auto const next = std::min(query.find('&', pos), query.size());
        auto const item = query.substr(pos, next - pos);
        if (!item.empty()) {
            auto const eq = item.find('=');
            auto const name = item.substr(0, eq);
            auto const value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
            params.emplace_back(uri_encode(percent_decode(name), false),
                                uri_encode(percent_decode(value), false));
        }
        pos = next + 1;
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (auto const& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += name + '=' + value;
    }
    return out;
}

// Lower-case name -> values in order of appearance.
std::map<std::string, std::vector<std::string>> header_map(std::vector<http_header> const& hs) {
    std::map<std::string, std::vector<std::string>> out;
    for (auto const& h : hs) out[lower(h.name)].push_back(trim_collapse(h.value));
    return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        auto const next = std::min(s.find(sep, pos), s.size());
        out.emplace_back(s.substr(pos, next - pos));
        pos = next + 1;
    }
    return out;
}

void remove_headers(std::vector<http_header>& hs, std::string_view name) {
    auto const n = lower(name);
    std::erase_if(hs, [&](http_header const& h) { return lower(h.name) == n; });
}

std::string const* find_header(std::vector<http_header> const& hs, std::string_view name) {
    auto const n = lower(name);
    for (auto const& h : hs)
        if (lower(h.name) == n) return &h.value;
    return nullptr;
}

std::string scope_of(std::string_view date, std::string_view region, std::string_view service) {
    return std::string(date.substr(0, 8)) + '/' + std::string(region) + '/' + std::string(service) +
           "/aws4_request";
}

std::string string_to_sign(std::string_view date, std::string_view scope, std::string_view creq) {
    return std::string(algorithm) + '\n' + std::string(date) + '\n' + std::string(scope) + '\n' +
           sha256_hex(creq);
}

std::string signature_of(std::string_view secret,
                         std::string_view date,
                         std::string_view region,
                         std::string_view service,
                         std::string_view sts) {
    auto k = hmac("AWS4" + std::string(secret), date.substr(0, 8));
    k = hmac(k, region);
    k = hmac(k, service);
    k = hmac(k, "aws4_request");
    auto const sig = hmac(k, sts);
    return to_hex(reinterpret_cast<unsigned char const*>(sig.data()), sig.size());
}

status invalid(std::string field, std::string message) {
    return scheduler::invalid_argument(std::move(field), std::move(message));
}

status unauthenticated(std::string message) {
    return status{code::unauthenticated, std::move(message)};
}

// The pieces of "AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
struct authorization_fields {
    std::vector<std::string> credential;
    std::string signed_headers;
    std::string signature;
};

result<authorization_fields> parse_authorization(std::string_view value) {
    if (!value.starts_with(algorithm)) return unauthenticated("not an AWS4-HMAC-SHA256 signature");
    authorization_fields out;
    for (auto part : split(value.substr(algorithm.size()), ',')) {
        auto const field = trim_collapse(part);
        auto const eq = field.find('=');
        if (eq == std::string::npos) return unauthenticated("malformed Authorization header");
        auto const name = field.substr(0, eq);
        auto const v = field.substr(eq + 1);
        if (name == "Credential") out.credential = split(v, '/');
        if (name == "SignedHeaders") out.signed_headers = v;
        if (name == "Signature") out.signature = v;
    }
    if (out.credential.size() != 5 || out.credential[4] != "aws4_request" ||
        out.signed_headers.empty() || out.signature.empty())
        return unauthenticated("malformed Authorization header");
    return out;
}

}  // namespace

bool is_signed_header(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 5> never{"authorization", "connection", "expect",
                                                           "user-agent", "x-amzn-trace-id"};
    auto const n = lower(name);
    return std::find(never.begin(), never.end(), n) == never.end();
}

std::string amz_date(scheduler::time_point t) {
    using namespace std::chrono;
    auto const secs = floor<seconds>(t);
    auto const day = floor<days>(secs);
    year_month_day const ymd{day};
    hh_mm_ss const hms{secs - day};
    std::array<char, 20> buf{};
    std::snprintf(buf.data(), buf.size(), "%04d%02u%02uT%02d%02d%02dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return std::string(buf.data());
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
    SHA256(reinterpret_cast<unsigned char const*>(data.data()), data.size(), md.data());
    return to_hex(md.data(), md.size());
}

std::string canonical_request(signable_request const& request,
                              std::string_view signed_headers,
                              std::string_view payload_hash,
                              bool normalize_path) {
    auto const q = request.target.find('?');
    auto const path = std::string_view(request.target).substr(0, q);
    auto const query = q == std::string::npos ? std::string_view{}
                                              : std::string_view(request.target).substr(q + 1);
    auto const headers = header_map(request.headers);
    std::string out = request.method + '\n' + canonical_path(path, normalize_path) + '\n' +
                      canonical_query(query) + '\n';
    for (auto const& name : split(signed_headers, ';')) {
        out += name + ':';
        if (auto it = headers.find(name); it != headers.end()) {
            for (std::size_t i = 0; i < it->second.size(); ++i)
                out += (i == 0 ? "" : ",") + it->second[i];
        }
        out += '\n';
    }
    out += '\n';
    out += signed_headers;
    out += '\n';
    out += payload_hash;
    return out;
}

result<signature_parts> sign(signable_request& request, signing_params const& params) {
    if (request.method.empty()) return invalid("method", "is required");
    if (request.target.empty() || request.target.front() != '/')
        return invalid("target", "must start with '/'");
    if (find_header(request.headers, "host") == nullptr) return invalid("host", "is required");
    if (params.creds.access_key_id.empty() || params.creds.secret_access_key.empty())
        return invalid("credentials", "access key id and secret are required");
    if (params.region.empty()) return invalid("region", "is required");
    if (params.service.empty()) return invalid("service", "is required");

    signature_parts parts;
    auto add = [&](std::string name, std::string value) {
        remove_headers(request.headers, name);
        request.headers.push_back({name, value});
        parts.added_headers.push_back({std::move(name), std::move(value)});
    };
    auto const date = amz_date(params.time);
    auto const payload_hash = sha256_hex(request.body);
    bool const token = !params.creds.session_token.empty();
    if (token) add("X-Amz-Security-Token", params.creds.session_token);
    add("X-Amz-Date", date);
    if (params.add_content_sha256) add("x-amz-content-sha256", payload_hash);
    remove_headers(request.headers, "authorization");

    std::string signed_headers;
    for (auto const& [name, values] : header_map(request.headers)) {
        if (!is_signed_header(name)) continue;
        // A token not signed is still sent: added "after signing" (post-sts-header-after).
        if (name == "x-amz-security-token" && !params.sign_session_token) continue;
        if (!signed_headers.empty()) signed_headers += ';';
        signed_headers += name;
    }
    auto const scope = scope_of(date, params.region, params.service);
    parts.canonical_request =
        canonical_request(request, signed_headers, payload_hash, params.normalize_path);
    parts.string_to_sign = string_to_sign(date, scope, parts.canonical_request);
    parts.signature = signature_of(params.creds.secret_access_key, date, params.region,
                                   params.service, parts.string_to_sign);
    parts.authorization = std::string(algorithm) + " Credential=" + params.creds.access_key_id +
                          '/' + scope + ", SignedHeaders=" + signed_headers +
                          ", Signature=" + parts.signature;
    add("Authorization", parts.authorization);
    return parts;
}

result<void> verify(signable_request const& request,
                    credentials const& creds,
                    std::string_view region,
                    std::string_view service,
                    bool normalize_path) {
    auto const* authz = find_header(request.headers, "authorization");
    if (authz == nullptr) return unauthenticated("missing Authorization header");
    auto fields = parse_authorization(*authz);
    if (!fields) return fields.error();
    auto const& cred = fields->credential;
    if (cred[0] != creds.access_key_id) return unauthenticated("unknown access key " + cred[0]);
    if ((!region.empty() && cred[2] != region) || (!service.empty() && cred[3] != service))
        return unauthenticated("credential scope names another region or service");
    auto const* date = find_header(request.headers, "x-amz-date");
    if (date == nullptr || date->size() != 16 || date->substr(0, 8) != cred[1])
        return unauthenticated("X-Amz-Date missing or not in the credential scope");
    for (auto const& name : split(fields->signed_headers, ';'))
        if (find_header(request.headers, name) == nullptr)
            return unauthenticated("signed header " + name + " is missing");
    auto const* content_hash = find_header(request.headers, "x-amz-content-sha256");
    auto const payload_hash = content_hash ? *content_hash : sha256_hex(request.body);
    auto const creq =
        canonical_request(request, fields->signed_headers, payload_hash, normalize_path);
    auto const sts = string_to_sign(*date, scope_of(*date, cred[2], cred[3]), creq);
    auto const expected = signature_of(creds.secret_access_key, *date, cred[2], cred[3], sts);
    if (expected.size() != fields->signature.size() ||
        CRYPTO_memcmp(expected.data(), fields->signature.data(), expected.size()) != 0)
        return unauthenticated("signature does not match");
    return {};
}

}  // namespace cckm::aws
