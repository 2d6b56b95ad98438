// SPDX-License-Identifier: Apache-2.0
// The notifier seam and the built-in file notifier: one JSON line per notice, written with a
// single O_APPEND write so concurrent writers (two runs, two processes) never interleave lines,
// to a file only its owner can read (it names users).
#include <cckm/notifier.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>

namespace cckm {

using scheduler::code;
using scheduler::result;
using scheduler::status;

notifier::~notifier() = default;

result<void> notifier::notify(password_expiry_notice const& notice) {
    try {
        auto r = do_notify(notice);
        if (!r && r.error().ok())
            return status{code::internal, "notifier failed without an error code"};
        return r;
    } catch (std::exception const& e) {
        return status{code::internal, std::string("notifier threw: ") + e.what()};
    } catch (...) {
        return status{code::internal, "notifier threw a non-standard exception"};
    }
}

namespace {

class file_notifier final : public notifier {
public:
    file_notifier(std::string path, scheduler::clock& clock)
        : path_(std::move(path)), clock_(clock) {}

protected:
    result<void> do_notify(password_expiry_notice const& n) override {
        auto line = boost::json::serialize(boost::json::object{
            {"type", "password_expiry"},
            {"user_id", n.user_id},
            {"username", n.username},
            {"password_changed_at", scheduler::format_rfc3339(n.password_changed_at, false)},
            {"expires_at", scheduler::format_rfc3339(n.expires_at, false)},
            {"expired", n.expired},
            {"run_id", n.run_id},
            {"job_config_id", n.job_config_id},
            {"sent_at", scheduler::format_rfc3339(clock_.now(), false)},
        });
        line += '\n';
        // One process writes through one descriptor at a time; O_APPEND orders the writes of
        // several processes.
        std::lock_guard lock(mutex_);
        int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) return failure("cannot open");
        // A file made by someone else, or before a umask change, is narrowed to the owner.
        if (::fchmod(fd, 0600) != 0) {
            auto s = failure("cannot restrict permissions of");
            ::close(fd);
            return s;
        }
        auto const n_written = ::write(fd, line.data(), line.size());
        auto const write_errno = errno;
        ::close(fd);
        if (n_written != static_cast<ssize_t>(line.size())) {
            errno = n_written < 0 ? write_errno : ENOSPC;
            return failure("cannot append to");
        }
        return {};
    }

private:
    // A full disk or a busy file system may clear up; a missing directory or a permission
    // problem will not without an operator.
    status failure(char const* what) const {
        int const e = errno;
        bool const transient = e == ENOSPC || e == EAGAIN || e == EINTR || e == EIO;
        return status{
            transient ? code::unavailable : code::failed_precondition,
            std::string("file notifier: ") + what + " " + path_ + ": " + std::strerror(e)};
    }

    std::string path_;
    scheduler::clock& clock_;
    std::mutex mutex_;
};

}  // namespace

std::unique_ptr<notifier> make_file_notifier(std::string path, scheduler::clock& clock) {
    return std::make_unique<file_notifier>(std::move(path), clock);
}

}  // namespace cckm
