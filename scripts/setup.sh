#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package the project needs to build, test and benchmark.
# Idempotent: installs only what is missing, so running it twice costs a dpkg query.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git ca-certificates openssl
    g++-12 clang-14 clang-format-14 libclang-rt-14-dev lld-14
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libboost-program-options1.81-dev libboost-system1.81-dev
    libsqlitecpp-dev libsqlite3-dev sqlite3
    libhowardhinnant-date-dev tzdata
    libssl-dev
    catch2 libbenchmark-dev
    curl wrk hey procps python3
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "setup: all packages present"
fi
