#!/usr/bin/env bash
# Load benchmark of `aegis serve` with wrk over loopback, on SQLite (the demo store): an
# authenticated read route (a page of 20 incidents) and the incident-creation route, at 64 and
# 512 connections. Prints requests/s, p50/p99 latency, errors, and writes lost or duplicated
# (201 answers counted by wrk against the rows added to the store; bench/wrk_lib.sh).
# Usage: bench/serve_bench.sh [seconds per run, default 10]   (after ./scripts/build.sh)
# SERVE_ARGS adds options to `aegis serve` (e.g. SERVE_ARGS=--log-requests=off).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
build=${BUILD:-build}
port=${PORT:-18123}
dir=$(mktemp -d /tmp/aegis-serve-bench.XXXXXX)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
aegis="$build/aegis --data-dir data --db $dir/s.sqlite"
password='bench password 2026!'
$aegis demo --dir "$dir/demo" >/dev/null
AEGIS_PASSWORD=$password $aegis user add bench --role imo --organisation DEMO-ALPHA >/dev/null 2>&1
# shellcheck disable=SC2086  # SERVE_ARGS: several words
$aegis serve --port "$port" --threads 64 ${SERVE_ARGS:-} >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/api/v1/openapi.json" >/dev/null && break; sleep 0.1; done
count() { sqlite3 "$dir/s.sqlite" "SELECT count(*) FROM incident"; }
# shellcheck source=bench/wrk_lib.sh
. bench/wrk_lib.sh
echo "aegis serve on SQLite, 64 worker threads, wrk 2 threads, ${secs}s per run"
for conns in 64 512; do
  bench "$conns connections" "$port" count
done
