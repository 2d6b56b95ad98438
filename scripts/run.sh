#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main command: installs what is missing, builds in Release and starts schedulerd on its
# defaults (data in ./data, https://127.0.0.1:8443, self-signed certificate, simulated clouds).
# On the first start the generated admin password is printed once (and kept in
# data/initial-admin-password). Extra arguments go to schedulerd, e.g. --plain-http.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target schedulerd schedulerctl
exec ./build/release/apps/schedulerd --data-dir ./data "$@"
