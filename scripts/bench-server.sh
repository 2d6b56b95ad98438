#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Server benchmarks of issue 4 / DESIGN.md §9, on loopback only, each load bounded in time:
#   1. GET one job config with keep-alive (wrk): requests/s of schedulerd vs the bare Beast
#      server of tests/bench/hello_server.cpp, measured in the same run -> ratio.
#   2. p99 latency of that GET at half of schedulerd's peak rate (hey, rate-limited).
#   3. GET of a list of 1,000 configs (limit=1000): latency percentiles (hey, one connection).
#   4. run-now -> in_progress: the run's own started_at - enqueued_at, and the HTTP round trip.
# Usage: bash scripts/bench-server.sh [seconds per load, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
bash scripts/setup.sh >/dev/null
cmake --preset release-bench >/dev/null
cmake --build --preset release-bench --target schedulerd bench_hello_server >/dev/null
bin=build/release-bench

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME CMD...: runs CMD in the background and echoes the URL of its "listening on" line.
start() {
    local name=$1
    shift
    "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    for _ in $(seq 100); do
        if grep -q '^listening on ' "$work/$name.out"; then
            sed -n 's/^listening on //p' "$work/$name.out"
            return
        fi
        sleep 0.1
    done
    echo "bench: $name did not start" >&2
    cat "$work/$name.err" >&2
    exit 1
}

export SCHEDULER_ADMIN_PASSWORD=bench-password-0123456789
url=$(start schedulerd "$bin/apps/schedulerd" --data-dir "$work/data" --listen 127.0.0.1:0 \
    --plain-http --enable-test-operations)
hello=$(start hello "$bin/tests/bench/bench_hello_server" 0 4)

login() {
    curl -s "$url/api/v1/auth/tokens" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$SCHEDULER_ADMIN_PASSWORD\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"])'
}
post() {  # post PATH JSON -> response body
    curl -s "$url$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
rps() { sed -n 's/^Requests\/sec: *//p'; }

token=$(login)
id=$(post /api/v1/scheduler/job-configs \
    '{"name":"bench","operation":"database_backup","run_at":"0 1 * * *","database_backup_params":{}}' |
    field id)
target="$url/api/v1/scheduler/job-configs/$id"

echo "## GET one job config, keep-alive, wrk -t2 -c32 -d${secs}s"
ours=$(wrk -t2 -c32 -d"${secs}s" -H "Authorization: Bearer $token" "$target" | rps)
base=$(wrk -t2 -c32 -d"${secs}s" "$hello/" | rps)
echo "schedulerd: $ours req/s; bare Beast hello: $base req/s; ratio $(python3 -c "print(round($ours/$base, 3))")"

half=$(python3 -c "print(max(1, int($ours / 2 / 8)))")
token=$(login)
echo
echo "## p99 at half the peak rate: hey -c 8 -q $half (= $((half * 8)) req/s) -z ${secs}s"
hey -z "${secs}s" -c 8 -q "$half" -H "Authorization: Bearer $token" "$target" |
    grep -E 'Requests/sec|50% in|90% in|99% in|\[[0-9]+\]'

echo
echo "## list of 1,000 configs (limit=1000), one connection, 50 requests"
for i in $(seq 1 999); do
    printf '{"name":"bench-%04d","operation":"database_backup","run_at":"%d %d * * *","database_backup_params":{}}\n' \
        "$i" $((i % 60)) $((i % 24))
done >"$work/configs.jsonl"
token=$(login)
xargs -P 4 -d '\n' -I{} curl -s -o /dev/null -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d {} "$url/api/v1/scheduler/job-configs" <"$work/configs.jsonl"
total=$(curl -s "$url/api/v1/scheduler/job-configs?limit=1" -H "Authorization: Bearer $token" | field total)
echo "configs stored: $total"
hey -n 50 -c 1 -H "Authorization: Bearer $token" "$url/api/v1/scheduler/job-configs?limit=1000" |
    grep -E 'Average|Fastest|Slowest|50% in|90% in|99% in|\[[0-9]+\]'

echo
echo "## run-now -> in_progress (test_sleep operation, 20 runs)"
sid=$(post /api/v1/scheduler/job-configs \
    '{"name":"bench-sleep","operation":"test_sleep","run_at":"0 1 * * *","overlap_policy":"allow_all","test_sleep_params":{"seconds":0.05}}' |
    field id)
: >"$work/runs.txt"
for _ in $(seq 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST -H "Authorization: Bearer $token" \
        "$url/api/v1/scheduler/job-configs/$sid/run-now" >>"$work/rtt.txt"
done
# Wait (bounded) until every run has finished before reading their timestamps.
for _ in $(seq 100); do
    active=$(curl -s "$url/api/v1/scheduler/jobs?job_config_id=$sid&status=in_progress&limit=1" \
        -H "Authorization: Bearer $token" | field total)
    [[ $active == 0 ]] && break
    sleep 0.1
done
curl -s "$url/api/v1/scheduler/jobs?job_config_id=$sid&limit=100" -H "Authorization: Bearer $token" |
    python3 -c '
import json, sys, statistics
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
runs = json.load(sys.stdin)["resources"]
d = sorted((t(r["started_at"]) - t(r["enqueued_at"])).total_seconds() * 1000 for r in runs if "started_at" in r)
rtt = sorted(float(x) * 1000 for x in open(sys.argv[1]))
print(f"runs: {len(d)}; enqueued->in_progress ms: median {statistics.median(d):.3f}, max {max(d):.3f}")
print(f"run-now HTTP round trip ms: median {statistics.median(rtt):.3f}, max {max(rtt):.3f}")
' "$work/rtt.txt"
