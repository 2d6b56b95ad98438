#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test of issue 7, on loopback only and bounded in time: wrk holds CONNECTIONS keep-alive
# connections to schedulerd for SECONDS with a read/write mix (tests/load/mix.lua) while the
# engine fires a handful of every-5-seconds configs. Prints: requests/s and wrk's error counts
# (every request is valid, so any non-2xx is an error), schedulerd's RSS every 5 s (steady after
# warm-up means no growth), and the engine's lateness (started_at - scheduled_for) over the run.
# Usage: bash scripts/load-test.sh [seconds, default 60] [connections, default 1000]
#        MIX=tests/load/reads.lua bash scripts/load-test.sh ...   (reads only: RSS must stay flat)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
conns=${2:-1000}
bash scripts/setup.sh >/dev/null
cmake --preset release-bench >/dev/null
cmake --build --preset release-bench --target schedulerd >/dev/null
bin=build/release-bench
ulimit -n $((conns * 2 + 1024))

work=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

export SCHEDULER_ADMIN_PASSWORD=load-password-0123456789
cat >"$work/config.json" <<JSON
{"auth": {"pbkdf2_iterations": 1000}, "limits": {"max_connections": $((conns + 64))}}
JSON
"$bin/apps/schedulerd" --data-dir "$work/data" --listen 127.0.0.1:0 --plain-http \
    --enable-test-operations --config "$work/config.json" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/out")
[[ -n $url ]] || { echo "load: schedulerd did not start" >&2; cat "$work/err" >&2; exit 1; }

field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
token=$(curl -s "$url/api/v1/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$SCHEDULER_ADMIN_PASSWORD\"}" | field jwt)
post() {
    curl -s "$url/api/v1/scheduler/job-configs" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -d "$1" | field id
}
ids=()
for i in $(seq 1 100); do
    ids+=("$(post "{\"name\":\"read-$i\",\"operation\":\"database_backup\",\"run_at\":\"0 1 * * *\",\"database_backup_params\":{}}")")
done
fire_ids=()
for i in $(seq 1 5); do
    fire_ids+=("$(post "{\"name\":\"tick-$i\",\"operation\":\"test_sleep\",\"run_at\":\"*/5 * * * * *\",\"test_sleep_params\":{\"seconds\":0.01}}")")
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
(for _ in $(seq 0 5 "$secs"); do echo "$(rss)"; sleep 5; done) >"$work/rss.txt" &
sampler=$!

# A fresh token for wrk: on a loaded machine the set-up above can outlast a token's 300 s, and
# every request after that would be a 401.
token=$(curl -s "$url/api/v1/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$SCHEDULER_ADMIN_PASSWORD\"}" | field jwt)
echo "## wrk -t2 -c$conns -d${secs}s, mix ${MIX:-tests/load/mix.lua}"
TOKEN=$token IDS=$(IFS=,; echo "${ids[*]}") \
    wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "${MIX:-tests/load/mix.lua}" "$url" |
    grep -E 'Requests/sec|requests in|Socket errors|Non-2xx|Latency'
wait "$sampler" || true
echo
echo "## schedulerd RSS (KiB), every 5 s"
paste -sd' ' "$work/rss.txt"
python3 - "$work/rss.txt" <<'PY'
import sys
v = [int(x) for x in open(sys.argv[1]) if x.strip()]
warm = v[min(3, len(v) - 1)]  # 15 s of warm-up
print(f"after warm-up: {warm} KiB; at the end: {v[-1]} KiB; growth {v[-1] - warm:+d} KiB "
      f"({(v[-1] - warm) / warm * 100:+.1f} %)")
PY

echo
echo "## engine lateness under load (started_at - scheduled_for), configs firing every 5 s"
for id in "${fire_ids[@]}"; do
    curl -s "$url/api/v1/scheduler/jobs?job_config_id=$id&limit=-1" -H "Authorization: Bearer $token"
    echo
done | python3 -c '
import json, sys, statistics
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
late = []
for line in sys.stdin:
    if not line.strip(): continue
    for r in json.loads(line)["resources"]:
        if r.get("trigger") == "schedule" and "started_at" in r and "scheduled_for" in r:
            late.append((t(r["started_at"]) - t(r["scheduled_for"])).total_seconds() * 1000)
late.sort()
print(f"fires: {len(late)}; lateness ms: median {statistics.median(late):.1f}, "
      f"p99 {late[int(len(late) * 0.99) - 1 if len(late) > 1 else 0]:.1f}, max {late[-1]:.1f}")
'
