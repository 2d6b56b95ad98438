#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# STYLE.md point 2: apps/, examples/ and libcckm never include libscheduler's detail headers,
# and no public header names SQLite, Beast or OpenSSL types.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if grep -rnE '#include\s*[<"]scheduler/detail/' apps examples libcckm 2>/dev/null; then
    echo "boundaries: a detail header of libscheduler is included outside libscheduler"; status=1
fi
if grep -rnE '#include\s*[<"](SQLiteCpp|sqlite3|openssl/|boost/beast)' libscheduler/include libcckm/include 2>/dev/null; then
    echo "boundaries: a public header includes SQLite, OpenSSL or Beast"; status=1
fi
[[ $status == 0 ]] && echo "boundaries: clean"
exit $status
