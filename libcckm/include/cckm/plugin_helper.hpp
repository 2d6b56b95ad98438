// SPDX-License-Identifier: Apache-2.0
// File: cckm/plugin_helper.hpp
//
// For plugin authors who write a provider plugin in C++ (cckm/plugin_abi.h): turns a C++
// function that returns the JSON answer, or throws, into the C call the host expects. Nothing
// may unwind across the C boundary, so `guard` catches everything: a `plugin_error` keeps its
// code, any other exception becomes CCKM_PLUGIN_INTERNAL with its what().
//
// Header-only on purpose, unlike the rest of the project: a plugin includes it and links nothing
// of libcckm, so it never carries a second copy of the host's code or depends on its build.
//
//   int32_t acme_get_key(void* self, const char* req, size_t len, char** out, size_t* out_len) {
//       return cckm::plugin::guard(out, out_len, [&] {
//           return static_cast<acme*>(self)->get_key(std::string_view(req, len));
//       });
//   }
//   // in the table: .free_buffer = cckm::plugin::free_buffer
#pragma once

#include <cckm/plugin_abi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cckm::plugin {

/// An error with a CCKM_PLUGIN_* code, thrown by plugin code and answered by `guard`.
class plugin_error : public std::runtime_error {
public:
    plugin_error(std::int32_t code, std::string const& message)
        : std::runtime_error(message), code_(code) {}
    /// The CCKM_PLUGIN_* status code.
    [[nodiscard]] std::int32_t code() const noexcept { return code_; }

private:
    std::int32_t code_;
};

/// Copies `text` into a malloc'd buffer for the host (freed by `free_buffer`). Sets *out to
/// nullptr when memory runs out, which the host reads as a failed call.
inline void copy_out(std::string_view text, char** out, std::size_t* out_len) noexcept {
    *out = static_cast<char*>(std::malloc(text.size() + 1));
    *out_len = *out ? text.size() : 0;
    if (!*out) return;
    std::memcpy(*out, text.data(), text.size());
    (*out)[text.size()] = '\0';  // not needed by the host; handy in a debugger
}

/// The free_buffer of a plugin whose buffers come from copy_out.
inline void free_buffer(char* buffer) {
    std::free(buffer);
}

/// Runs `f` (returning the JSON answer as something convertible to std::string_view) and
/// answers the C call: CCKM_PLUGIN_OK with the answer, or the error code with the message.
template <class F>
std::int32_t guard(char** out, std::size_t* out_len, F&& f) noexcept {
    *out = nullptr;
    *out_len = 0;
    auto fail = [&](std::int32_t code, char const* message) {
        copy_out(message, out, out_len);
        return code;
    };
    try {
        std::string const answer(f());
        copy_out(answer, out, out_len);
        return *out ? CCKM_PLUGIN_OK : CCKM_PLUGIN_INTERNAL;
    } catch (plugin_error const& e) {
        return fail(e.code(), e.what());
    } catch (std::bad_alloc const&) {
        return CCKM_PLUGIN_INTERNAL;  // copying a message would likely fail too
    } catch (std::exception const& e) {
        return fail(CCKM_PLUGIN_INTERNAL, e.what());
    } catch (...) {
        return fail(CCKM_PLUGIN_INTERNAL, "a non-standard exception");
    }
}

}  // namespace cckm::plugin
