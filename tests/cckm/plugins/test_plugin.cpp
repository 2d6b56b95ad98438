// SPDX-License-Identifier: Apache-2.0
// Broken plugins for plugin_loader_test.cpp, one source built once per variant
// (TEST_PLUGIN_VARIANT, see CMakeLists.txt): each breaks one rule of cckm/plugin_abi.h and the
// host must refuse it, or fail its calls, with a clear message and without crashing.
//   1 wrong_abi     reports ABI version 2
//   2 no_entry      exports no cckm_plugin_entry
//   3 misbehaving   loads, then answers every call wrongly in a different way
//   4 create_fails  create() returns null with a message
//   5 no_get_key    the table lacks a required call
#include <cckm/plugin_abi.h>
#include <cckm/plugin_helper.hpp>

#include <cstdint>
#include <stdexcept>
#include <string_view>

#ifndef TEST_PLUGIN_VARIANT
#error "TEST_PLUGIN_VARIANT must be set"
#endif

namespace {

int instance_token = 0;

using cckm::plugin::guard;

void* create(char const*, std::size_t, char** error, std::size_t* error_len) {
    if (TEST_PLUGIN_VARIANT == 4) {
        cckm::plugin::copy_out("the broken cloud has no credentials", error, error_len);
        return nullptr;
    }
    return &instance_token;
}
void destroy(void*) {}

std::int32_t answer(char** out, std::size_t* out_len, std::string_view text) {
    return guard(out, out_len, [&] { return std::string(text); });
}

// list_keys: text that is not JSON.
std::int32_t not_json(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return answer(out, out_len, "{\"keys\": [oops");
}
// get_key: JSON of the wrong shape (native_id is a number).
std::int32_t wrong_shape(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return answer(out, out_len, R"({"native_id": 5, "state": "enabled"})");
}
// create_key: throws inside guard, as a C++ plugin's bug would.
std::int32_t throws(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return guard(out, out_len, []() -> std::string { throw std::logic_error("acme bug #42"); });
}
// rotate_key: success without an answer.
std::int32_t no_answer(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    *out = nullptr;
    *out_len = 0;
    return CCKM_PLUGIN_OK;
}
// set_enabled: a status code the ABI does not have.
std::int32_t unknown_code(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    *out = nullptr;
    *out_len = 0;
    return 99;
}
// schedule_deletion: JSON that is not an object.
std::int32_t not_object(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return answer(out, out_len, "[1, 2]");
}
// cancel_deletion: a transient failure, done right (the code must survive).
std::int32_t transient(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return guard(out, out_len, []() -> std::string {
        throw cckm::plugin::plugin_error(CCKM_PLUGIN_UNAVAILABLE, "broken cloud is down");
    });
}
// apply_policy: an unknown state in an otherwise fine key.
std::int32_t bad_state(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return answer(out, out_len, R"({"native_id": "k1", "state": "melted"})");
}

// list_custom_key_stores: the one well-formed answer, so the decoder is seen to work too.
std::int32_t key_stores(void*, char const*, std::size_t, char** out, std::size_t* out_len) {
    return answer(out, out_len,
                  R"({"stores": [{"id": "cks-1", "name": "xks", "access_key_id": "AKIA1",
                                  "credential_version": 3, "rotated_at": 1000000}]})");
}

cckm_plugin const table = {
    TEST_PLUGIN_VARIANT == 1 ? 2u : static_cast<std::uint32_t>(CCKM_PLUGIN_ABI_VERSION),
    CCKM_PLUGIN_FLAG_SERIALIZE_CALLS,
    "broken",
    nullptr,
    create,
    destroy,
    cckm::plugin::free_buffer,
    not_json,
    TEST_PLUGIN_VARIANT == 5 ? nullptr : wrong_shape,
    throws,
    no_answer,
    unknown_code,
    not_object,
    transient,
    bad_state,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    key_stores,
};

}  // namespace

#if TEST_PLUGIN_VARIANT == 2
extern "C" CCKM_PLUGIN_EXPORT cckm_plugin const* cckm_plugin_entry_misspelled(void) {
    return &table;
}
#else
extern "C" CCKM_PLUGIN_EXPORT cckm_plugin const* cckm_plugin_entry(void) {
    return &table;
}
#endif
