// SPDX-License-Identifier: Apache-2.0
// AES-256-GCM over a whole backup file, streamed in 64 KiB chunks so a large store is never
// held in memory. GCM authenticates the header (magic, nonce) and the key's name too: a
// mismatch anywhere is refused before the output is kept.
#include <cckm/backup_crypto.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cckm {

namespace fs = std::filesystem;
using scheduler::code;
using scheduler::result;
using scheduler::status;

namespace {

constexpr std::string_view magic = "SCHEDBK1";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::size_t chunk = 64 * 1024;

struct ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter>;

status io_error(std::string const& what, std::string const& path) {
    return status{code::unavailable, what + " " + path};
}

// Opens `path` for writing, created 0600 (truncated if present).
std::unique_ptr<std::FILE, int (*)(std::FILE*)> open_private(std::string const& path) {
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return {nullptr, &std::fclose};
    ::fchmod(fd, 0600);  // an existing file keeps its mode through O_TRUNC
    return {::fdopen(fd, "wb"), &std::fclose};
}

}  // namespace

bool valid_backup_key_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64 || name.front() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

result<backup_key> load_backup_key(std::string const& key_dir, std::string_view name, bool create) {
    if (!valid_backup_key_name(name))
        return scheduler::invalid_argument(
            "backupKey", "must be 1-64 letters, digits, '_', '-' or '.', not starting with '.'");
    backup_key key;
    key.name = std::string(name);
    auto const path = fs::path(key_dir) / (key.name + ".key");
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        if (!create) return scheduler::not_found("backup key '" + key.name + "' not found");
        fs::create_directories(key_dir, ec);
        fs::permissions(key_dir, fs::perms::owner_all, ec);
        if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1)
            return status{code::internal, "no randomness for a backup key"};
        // O_EXCL: two runs creating the same key at once cannot both win.
        int const fd =
            ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
        if (fd >= 0) {
            auto const n = ::write(fd, key.bytes.data(), key.bytes.size());
            bool const ok = n == static_cast<ssize_t>(key.bytes.size()) && ::fsync(fd) == 0;
            ::close(fd);
            if (!ok) {
                fs::remove(path, ec);
                return io_error("cannot write backup key", path.string());
            }
            return key;
        }
        if (errno != EEXIST) return io_error("cannot create backup key", path.string());
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return io_error("cannot read backup key", path.string());
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return status{code::failed_precondition,
                      "backup key " + path.string() + " is readable by others (chmod 600 it)"};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(key.bytes.data()), static_cast<long>(key.bytes.size()));
    if (in.gcount() != static_cast<long>(key.bytes.size()) || in.peek() != EOF)
        return status{code::failed_precondition,
                      "backup key " + path.string() + " is not 32 bytes"};
    return key;
}

result<void> encrypt_backup(std::string const& in, std::string const& out, backup_key const& key) {
    std::ifstream src(in, std::ios::binary);
    if (!src) return io_error("cannot read", in);
    auto dst = open_private(out);
    if (!dst) return io_error("cannot create", out);
    std::array<unsigned char, nonce_size> nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        return status{code::internal, "no randomness for a backup nonce"};
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce.data()) !=
            1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(magic.data()),
                          static_cast<int>(magic.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(key.name.data()),
                          static_cast<int>(key.name.size())) != 1)
        return status{code::internal, "backup encryption could not start"};
    std::fwrite(magic.data(), 1, magic.size(), dst.get());
    std::fwrite(nonce.data(), 1, nonce.size(), dst.get());
    std::vector<unsigned char> buf(chunk), enc(chunk + 16);
    while (src) {
        src.read(reinterpret_cast<char*>(buf.data()), static_cast<long>(buf.size()));
        auto const n = src.gcount();
        if (n <= 0) break;
        if (EVP_EncryptUpdate(ctx.get(), enc.data(), &len, buf.data(), static_cast<int>(n)) != 1)
            return status{code::internal, "backup encryption failed"};
        std::fwrite(enc.data(), 1, static_cast<std::size_t>(len), dst.get());
    }
    std::array<unsigned char, tag_size> tag{};
    if (EVP_EncryptFinal_ex(ctx.get(), enc.data(), &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                            tag.data()) != 1)
        return status{code::internal, "backup encryption could not finish"};
    std::fwrite(tag.data(), 1, tag.size(), dst.get());
    if (std::ferror(dst.get()) || std::fflush(dst.get()) != 0 || ::fsync(::fileno(dst.get())) != 0)
        return io_error("cannot write", out);
    return {};
}

result<void> decrypt_backup(std::string const& in, std::string const& out, backup_key const& key) {
    auto refuse = [&out](std::string const& why) {
        std::error_code ec;
        fs::remove(out, ec);
        return status{code::failed_precondition, why};
    };
    std::error_code ec;
    auto const size = fs::file_size(in, ec);
    if (ec) return io_error("cannot read", in);
    if (size < magic.size() + nonce_size + tag_size)
        return refuse(in + " is not an encrypted backup");
    std::ifstream src(in, std::ios::binary);
    std::array<char, 8> head{};
    std::array<unsigned char, nonce_size> nonce{};
    src.read(head.data(), static_cast<long>(head.size()));
    src.read(reinterpret_cast<char*>(nonce.data()), static_cast<long>(nonce.size()));
    if (!src || std::string_view(head.data(), head.size()) != magic)
        return refuse(in + " is not an encrypted backup");
    auto dst = open_private(out);
    if (!dst) return io_error("cannot create", out);
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce.data()) !=
            1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(magic.data()),
                          static_cast<int>(magic.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<unsigned char const*>(key.name.data()),
                          static_cast<int>(key.name.size())) != 1)
        return status{code::internal, "backup decryption could not start"};
    auto remaining = size - magic.size() - nonce_size - tag_size;
    std::vector<unsigned char> buf(chunk), dec(chunk + 16);
    while (remaining > 0) {
        auto const want = std::min<std::uintmax_t>(remaining, buf.size());
        src.read(reinterpret_cast<char*>(buf.data()), static_cast<long>(want));
        if (src.gcount() != static_cast<long>(want)) return refuse(in + " is truncated");
        if (EVP_DecryptUpdate(ctx.get(), dec.data(), &len, buf.data(), static_cast<int>(want)) != 1)
            return refuse("backup decryption failed");
        std::fwrite(dec.data(), 1, static_cast<std::size_t>(len), dst.get());
        remaining -= want;
    }
    std::array<unsigned char, tag_size> tag{};
    src.read(reinterpret_cast<char*>(tag.data()), static_cast<long>(tag.size()));
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                            tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), dec.data(), &len) != 1) {
        dst.reset();
        return refuse(in + ": wrong backup key, or the file was altered");
    }
    if (std::ferror(dst.get()) || std::fflush(dst.get()) != 0) return io_error("cannot write", out);
    return {};
}

}  // namespace cckm
