// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: scheduler::duration::parse with all units and with days/hours only. The
// input is the text. Beyond "no crash, no sanitizer report": what days/hours accepts, all units
// accept with the same value; an accepted duration is non-negative and echoes its text; and
// duration::from(value) renders a text that parses back to the same value.
#include <scheduler/duration.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    auto any = scheduler::duration::parse(text, "timeout", scheduler::duration::all);
    auto dh = scheduler::duration::parse(text, "expire_in", scheduler::duration::days_hours);
    if (dh && (!any || any->value() != dh->value())) __builtin_trap();
    if (!any) return 0;
    if (any->value().count() < 0 || any->text() != text) __builtin_trap();
    auto const rendered = scheduler::duration::from(any->value());
    auto back = scheduler::duration::parse(rendered.text(), "timeout");
    if (!back || back->value() != any->value()) __builtin_trap();
    return 0;
}
