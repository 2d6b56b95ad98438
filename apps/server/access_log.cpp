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

logger::logger(std::string const& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) file_ = ::fdopen(fd, "a");
}

logger::~logger() {
    if (file_) std::fclose(file_);
}

void logger::access(access_entry const& e) {
    boost::json::object o{{"ts", now_text()},   {"level", "info"},
                          {"msg", "request"},   {"request_id", e.request_id},
                          {"method", e.method}, {"route", e.route},
                          {"status", e.status}, {"duration_us", e.duration.count()},
                          {"user", e.user}};
    if (!e.remote.empty()) o["remote"] = e.remote;
    write(boost::json::serialize(o));
}

void logger::event(std::string_view level, std::string_view message) {
    boost::json::object o{{"ts", now_text()}, {"level", level}, {"msg", message}};
    write(boost::json::serialize(o));
}

void logger::write(std::string const& line) {
    std::lock_guard lock(mutex_);
    std::FILE* out = file_ ? file_ : stderr;
    std::fputs(line.c_str(), out);
    std::fputc('\n', out);
    std::fflush(out);
}

}  // namespace schedulerd
