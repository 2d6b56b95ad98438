// SPDX-License-Identifier: Apache-2.0
// Include this instead of <catch2/catch.hpp>: it teaches Catch2 to print scheduler::status and
// scheduler::result<T> (Boost's operator<< for result needs T streamable, which time_point isn't).
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace Catch {

template <>
struct StringMaker<scheduler::status> {
    static std::string convert(scheduler::status const& s) { return s.ok() ? "ok" : s.to_string(); }
};

template <>
struct StringMaker<scheduler::time_point> {
    static std::string convert(scheduler::time_point t) { return scheduler::format_rfc3339(t); }
};

template <class T>
struct StringMaker<boost::system::result<T, scheduler::status>> {
    static std::string convert(boost::system::result<T, scheduler::status> const& r) {
        if (r) return "result{value}";
        return "result{" + r.error().to_string() + "}";
    }
};

}  // namespace Catch
