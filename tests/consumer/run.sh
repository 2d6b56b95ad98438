#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Consumer tests (STYLE.md point 18): examples/embed is built
#   1. against an installed scheduler with find_package(scheduler), and
#   2. inside a project that add_subdirectory()s the source tree,
# and each build's example is run in its self-check mode. examples/provider_plugin is built
# against the install too (only the installed headers go into the plugin) and its test run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "consumers: building and installing the library"
cmake -S "$root" -B "$work/lib" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSCHEDULER_BUILD_TESTS=OFF -DSCHEDULER_BUILD_APPS=OFF -DSCHEDULER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$work/lib"
cmake --install "$work/lib" --prefix "$work/prefix" >/dev/null

echo "consumers: find_package(scheduler) against the install"
cmake -S "$root/examples/embed" -B "$work/find" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/find"
"$work/find/embed_example" --self-check --data-dir "$work/find-data"

echo "consumers: examples/provider_plugin against the install"
cmake -S "$root/examples/provider_plugin" -B "$work/plugin" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/plugin"
"$work/plugin/acme_plugin_test"

echo "consumers: add_subdirectory(scheduler)"
cmake -S "$root/tests/consumer/add_subdirectory" -B "$work/sub" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSCHEDULER_SOURCE_DIR="$root" >/dev/null
cmake --build "$work/sub"
"$work/sub/embed/embed_example" --self-check --data-dir "$work/sub-data"
echo "consumers: both passed"
