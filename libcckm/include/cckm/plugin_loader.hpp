// SPDX-License-Identifier: Apache-2.0
// File: cckm/plugin_loader.hpp
//
// Loads provider plugins (shared libraries speaking cckm/plugin_abi.h) and wraps each as a
// cckm::cloud_provider, so the operations call a plugin cloud exactly as a built-in one. The
// adapter checks everything a plugin answers: a failing call, an unknown status code, an answer
// that is not JSON or not the expected shape all become a permanent `internal` error of that
// one call plus a log line. A plugin that crashes (segfault, abort) cannot be contained in the
// same process: load only plugins you trust (docs/cckm.md "Plugins").
//
//   cckm::provider_registry providers;
//   auto added = cckm::load_plugins_from_dir("/etc/schedulerd/plugins", providers);
//   if (!added) { std::cerr << added.error().message() << '\n'; return 1; }  // names the file
#pragma once

#include <cckm/cloud_provider.hpp>
#include <scheduler/errors.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cckm {

/// Where the adapter reports a plugin's misbehaviour (one line per event, no secrets). Empty:
/// standard error. Called from whichever thread made the failing call.
using plugin_log = std::function<void(std::string_view line)>;

/// Loads one plugin file: dlopen, the entry symbol, the ABI version, the table and the
/// plugin's create(). The provider owns the library handle and unloads it when destroyed.
/// Errors are `invalid_argument` (field "plugin") with a message naming the file, e.g.
/// "plugin /p/x.so: ABI version 2, this server supports 1".
[[nodiscard]] scheduler::result<std::unique_ptr<cloud_provider>> load_plugin(
    std::string const& path, plugin_log log = {});

/// Loads every plugin in `dir` and adds it to `registry`: regular files named `*.so` directly
/// in the directory, in name order; subdirectories and other files are skipped, and a symlink
/// is followed only when its target is a regular file in the same directory. A plugin's cloud
/// may be a new name or a built-in one with no provider yet; a cloud that already has a
/// provider is refused. Stops at the first failure and returns it (the message names the file);
/// plugins added before stay added. Returns the clouds added, in load order.
[[nodiscard]] scheduler::result<std::vector<std::string>> load_plugins_from_dir(
    std::string const& dir, provider_registry& registry, plugin_log log = {});

}  // namespace cckm
