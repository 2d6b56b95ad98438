/* SPDX-License-Identifier: Apache-2.0 */
/* File: cckm/plugin_abi.h
 *
 * The C ABI of cloud provider plugins (DESIGN.md §8, docs/cckm.md "Plugins"). A plugin is a
 * shared library that exports one function, cckm_plugin_entry, returning a table: the ABI
 * version, the cloud it serves and C function pointers mirroring the hooks of
 * cckm::cloud_provider. schedulerd loads plugins from --plugin-dir (cckm/plugin_loader.hpp).
 *
 * Why C and why JSON: only plain C crosses the boundary, so a plugin may be written in C, in
 * C++ with another compiler or standard library, or in anything that can export a C function;
 * no C++ type, exception or allocator crosses. Every call takes one JSON object (UTF-8 text plus
 * its length) and answers with one JSON object, so the table stays one function shape that new
 * fields can extend without a new ABI version (unknown members are ignored on both sides), and
 * the host checks every answer with one parser (Boost.JSON) instead of trusting C structs.
 *
 *   static const cckm_plugin acme = {CCKM_PLUGIN_ABI_VERSION, 0, "acme", "1.0", ...};
 *   CCKM_PLUGIN_EXPORT const cckm_plugin* cckm_plugin_entry(void) { return &acme; }
 *
 * Calls answer a status code (CCKM_PLUGIN_OK or an error) and set *out / *out_len to a buffer
 * the plugin allocated: the JSON answer on success, a human-readable message on error (may be
 * NULL). The host hands every such buffer back to free_buffer exactly once.
 *
 * Times are integers: microseconds since 1970-01-01T00:00:00Z. The JSON shapes of each call are
 * listed in docs/cckm.md; a key is {"native_id", "state", "name", "container", ...}.
 */
#ifndef CCKM_PLUGIN_ABI_H
#define CCKM_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes; a host loads only plugins reporting the same. */
#define CCKM_PLUGIN_ABI_VERSION 1

/** The name of the one symbol a plugin exports. */
#define CCKM_PLUGIN_ENTRY_SYMBOL "cckm_plugin_entry"

/** Marks the entry function visible even when the plugin builds with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define CCKM_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define CCKM_PLUGIN_EXPORT
#endif

/* Status codes of a call. The transient ones are worth a retry with backoff (the host retries
 * them as it does for built-in providers); every other error is permanent for that call. An
 * unknown code reads as CCKM_PLUGIN_INTERNAL. */
#define CCKM_PLUGIN_OK 0
#define CCKM_PLUGIN_UNAVAILABLE 1         /**< transient: the cloud is unreachable, 5xx */
#define CCKM_PLUGIN_RESOURCE_EXHAUSTED 2  /**< transient: throttled */
#define CCKM_PLUGIN_INVALID_ARGUMENT 3    /**< permanent: the request breaks a cloud rule */
#define CCKM_PLUGIN_NOT_FOUND 4           /**< permanent: no such key or backup */
#define CCKM_PLUGIN_FAILED_PRECONDITION 5 /**< permanent: wrong state (e.g. key disabled) */
#define CCKM_PLUGIN_ALREADY_EXISTS 6      /**< permanent: e.g. alias taken */
#define CCKM_PLUGIN_UNIMPLEMENTED 7       /**< permanent: the cloud has no such feature */
#define CCKM_PLUGIN_INTERNAL 8            /**< permanent: anything else */

/* Flags of cckm_plugin.flags. */
/** The host serializes every call of this plugin (one at a time), for plugins that are not
 * thread-safe. Without it calls may arrive concurrently from several threads. */
#define CCKM_PLUGIN_FLAG_SERIALIZE_CALLS 1u

/** One call: `instance` is what create returned; `request` is a JSON object of `request_len`
 * bytes (not NUL-terminated). Returns a status code and sets *out and *out_len (see above). */
typedef int32_t (*cckm_plugin_call_fn)(
    void* instance, const char* request, size_t request_len, char** out, size_t* out_len);

/** What cckm_plugin_entry returns. Static data of the plugin: the host never frees it. Members
 * after abi_version may change between ABI versions; abi_version stays the first forever. */
typedef struct cckm_plugin {
    uint32_t abi_version;       /**< CCKM_PLUGIN_ABI_VERSION as the plugin was built */
    uint32_t flags;             /**< CCKM_PLUGIN_FLAG_* */
    const char* cloud_name;     /**< the cloud served: 1-64 of [A-Za-z0-9_.-], NUL-terminated */
    const char* plugin_version; /**< free text for logs; may be NULL */

    /** Makes the plugin's state. `config` is a JSON object (ABI 1 passes "{}"). NULL means
     * failure; *error may then hold a message (freed with free_buffer). Called once per load,
     * before any call. */
    void* (*create)(const char* config, size_t config_len, char** error, size_t* error_len);
    /** Ends the state; called once, after every call has returned. */
    void (*destroy)(void* instance);
    /** Frees a buffer this plugin returned through out/error. */
    void (*free_buffer)(char* buffer);

    /* Required calls. */
    cckm_plugin_call_fn list_keys;  /**< {containers[], skip, limit} -> {keys[], total} */
    cckm_plugin_call_fn get_key;    /**< {native_id} -> key */
    cckm_plugin_call_fn create_key; /**< {name, container, region, account, key_type, origin,
                                         aliases[], tags{}, expires_at} -> key */
    cckm_plugin_call_fn rotate_key; /**< {native_id, expires_at, retain_alias, rotate_material}
                                         -> {key, archived, complete, incomplete_reason} */
    /* Optional calls: NULL answers "unimplemented". */
    cckm_plugin_call_fn set_enabled;            /**< {native_id, enabled} -> key */
    cckm_plugin_call_fn schedule_deletion;      /**< {native_id, days} -> key */
    cckm_plugin_call_fn cancel_deletion;        /**< {native_id} -> key */
    cckm_plugin_call_fn apply_policy;           /**< {native_id, policy (JSON text)} -> key */
    cckm_plugin_call_fn set_auto_rotation;      /**< {native_id, policy{period_h, expire_after_h}
                                                     or null} -> key */
    cckm_plugin_call_fn delete_key;             /**< {native_id, delete_if_backup_fails} -> key */
    cckm_plugin_call_fn restore_key;            /**< {native_id} -> key */
    cckm_plugin_call_fn list_backups;           /**< {native_id} -> {backups[{id, created_at}]} */
    cckm_plugin_call_fn delete_backup;          /**< {native_id, backup_id} -> {} */
    cckm_plugin_call_fn rotate_xks_credentials; /**< {custom_key_store_id} -> {custom_key_store_id,
                                                     access_key_id, secret_access_key,
                                                     rotated_at} */
    cckm_plugin_call_fn list_custom_key_stores; /**< {} -> {stores[{id, name, type,
                                                     connection_state, access_key_id,
                                                     credential_version, rotated_at,
                                                     created_at}]} */
} cckm_plugin;

/** The entry point every plugin defines (with CCKM_PLUGIN_EXPORT). Returns the plugin's static
 * table; must not fail and must not have side effects (the host may call it more than once). */
typedef const cckm_plugin* (*cckm_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CCKM_PLUGIN_ABI_H */
