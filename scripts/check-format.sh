#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fails when a tracked C++ file differs from what clang-format 14 would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if ((${#files[@]} == 0)); then echo "format: no files"; exit 0; fi
clang-format-14 --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
