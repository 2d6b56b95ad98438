// SPDX-License-Identifier: Apache-2.0
#include <scheduler/errors.hpp>

#include <ostream>

namespace scheduler {

std::string_view to_string(code c) noexcept {
    switch (c) {
        case code::ok:
            return "ok";
        case code::invalid_argument:
            return "invalid_argument";
        case code::not_found:
            return "not_found";
        case code::already_exists:
            return "already_exists";
        case code::failed_precondition:
            return "failed_precondition";
        case code::aborted:
            return "aborted";
        case code::unavailable:
            return "unavailable";
        case code::deadline_exceeded:
            return "deadline_exceeded";
        case code::permission_denied:
            return "permission_denied";
        case code::unauthenticated:
            return "unauthenticated";
        case code::resource_exhausted:
            return "resource_exhausted";
        case code::cancelled:
            return "cancelled";
        case code::unimplemented:
            return "unimplemented";
        case code::internal:
            return "internal";
    }
    return "unknown";
}

namespace {
class category final : public std::error_category {
public:
    char const* name() const noexcept override { return "scheduler"; }
    std::string message(int ev) const override {
        return std::string(to_string(static_cast<code>(ev)));
    }
};
}  // namespace

std::error_category const& error_category() noexcept {
    static category const instance;
    return instance;
}

std::error_code make_error_code(code c) noexcept {
    return {static_cast<int>(c), error_category()};
}

std::string status::to_string() const {
    std::string out(scheduler::to_string(code_));
    out += ": ";
    if (!field_.empty()) {
        out += field_;
        out += ": ";
    }
    out += message_;
    return out;
}

std::ostream& operator<<(std::ostream& os, status const& s) {
    return os << s.to_string();
}

status invalid_argument(std::string field, std::string message) {
    return {code::invalid_argument, std::move(message), std::move(field)};
}

status not_found(std::string message) {
    return {code::not_found, std::move(message)};
}

error::error(scheduler::status s) : std::runtime_error(s.to_string()), status_(std::move(s)) {}

void throw_exception_from_error(status const& s, boost::source_location const&) {
    throw error(s);
}

}  // namespace scheduler
