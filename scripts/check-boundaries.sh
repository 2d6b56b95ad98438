#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# STYLE.md point 2: apps/, examples/ and libcckm never include libscheduler's detail headers,
# and no public header names SQLite, Beast or OpenSSL types; the plugin ABI header is plain C.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if grep -rnE '#include\s*[<"]scheduler/detail/' apps examples libcckm 2>/dev/null; then
    echo "boundaries: a detail header of libscheduler is included outside libscheduler"; status=1
fi
if grep -rnE '#include\s*[<"](SQLiteCpp|sqlite3|openssl/|boost/beast)' libscheduler/include libcckm/include 2>/dev/null; then
    echo "boundaries: a public header includes SQLite, OpenSSL or Beast"; status=1
fi
# The plugin ABI is C: it must compile as strict C89 and C99, so plugins need no C++ at all.
for std in c89 c99; do
    if ! gcc -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c \
        libcckm/include/cckm/plugin_abi.h; then
        echo "boundaries: cckm/plugin_abi.h is not valid $std"; status=1
    fi
done
[[ $status == 0 ]] && echo "boundaries: clean"
exit $status
