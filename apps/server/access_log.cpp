// SPDX-License-Identifier: Apache-2.0
#include "access_log.hpp"

#include <scheduler/clock.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace schedulerd {

namespace {
std::string now_text() {
    auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    return scheduler::format_rfc3339(scheduler::time_point{now.time_since_epoch()});
}
}  // namespace

namespace {
constexpr auto flush_interval = std::chrono::milliseconds(200);
constexpr std::size_t flush_bytes = 32 * 1024;
}  // namespace

logger::logger() : flusher_([this] { flush_loop(); }) {}

logger::logger(std::string const& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) file_ = ::fdopen(fd, "a");
    flusher_ = std::thread([this] { flush_loop(); });
}

logger::~logger() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    flusher_.join();
    std::lock_guard lock(mutex_);
    write_pending();
    if (file_) std::fclose(file_);
}

void logger::access(access_entry const& e) {
    boost::json::object o{{"ts", now_text()},   {"level", "info"},
                          {"msg", "request"},   {"request_id", e.request_id},
                          {"method", e.method}, {"route", e.route},
                          {"status", e.status}, {"duration_us", e.duration.count()},
                          {"user", e.user}};
    if (!e.remote.empty()) o["remote"] = e.remote;
    append(boost::json::serialize(o), false);
}

void logger::event(std::string_view level, std::string_view message) {
    boost::json::object o{{"ts", now_text()}, {"level", level}, {"msg", message}};
    append(boost::json::serialize(o), true);
}

void logger::append(std::string const& line, bool now) {
    std::lock_guard lock(mutex_);
    pending_ += line;
    pending_ += '\n';
    if (now || pending_.size() >= flush_bytes) write_pending();
}

void logger::flush() {
    std::lock_guard lock(mutex_);
    write_pending();
}

void logger::write_pending() {
    if (pending_.empty()) return;
    std::FILE* out = file_ ? file_ : stderr;
    std::fwrite(pending_.data(), 1, pending_.size(), out);
    std::fflush(out);
    pending_.clear();
}

void logger::flush_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        cv_.wait_for(lock, flush_interval, [this] { return stopping_; });
        write_pending();
    }
}

}  // namespace schedulerd
