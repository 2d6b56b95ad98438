#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (preset `fuzz`, build/fuzz, incremental) and runs each for a
# bounded time on a temporary copy of its seed corpus (tests/fuzz/corpus/<target>), so the repo
# stays clean. Fails on any crash, sanitizer report, timeout (> 5 s per input) or OOM; the
# reproducer is kept under build/fuzz/artifacts/. Two targets run at a time (2 cores).
#   scripts/fuzz.sh [seconds-per-target (default 30)] [target ...]
#   FUZZ_NO_BUILD=1 skips the configure and build (the binaries must exist).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
(($# > 0)) && shift
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(cron_fuzz duration_fuzz query_fuzz jwt_fuzz handlers_fuzz)
fi

if [[ -z ${FUZZ_NO_BUILD:-} ]]; then
    [[ -f build/fuzz/CMakeCache.txt ]] || cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/scheduler-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$PWD/build/fuzz/artifacts
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# run_one <target>: fuzzes one target; its log is $work/<target>.log.
run_one() {
    local t=$1
    cp -r "tests/fuzz/corpus/$t" "$work/$t"
    mkdir -p "$work/$t-artifacts"
    local rc=0
    "build/fuzz/tests/fuzz/$t" "$work/$t" -max_total_time="$seconds" -timeout=5 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$t-artifacts/" \
        >"$work/$t.log" 2>&1 || rc=$?
    local execs files bytes cov
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/$t.log" | tail -1 || true)
    files=$(find "$work/$t" -type f | wc -l)
    bytes=$(du -sb "$work/$t" | cut -f1)
    if ((rc != 0)); then
        mkdir -p "$artifacts"
        cp "$work/$t-artifacts/"* "$artifacts/" 2>/dev/null || true
        echo "fuzz: $t FAILED (exit $rc); reproducers in $artifacts" >&2
        tail -n 60 "$work/$t.log" >&2
        return 1
    fi
    echo "fuzz: $t ok: ${seconds}s, ${execs:-?} executions, ${cov:-cov: ?}," \
        "corpus ${files} files (${bytes} bytes)"
}

failed=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for t in "${targets[@]:i:2}"; do
        run_one "$t" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
done
exit "$failed"
