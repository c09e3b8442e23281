#!/usr/bin/env bash
# Load benchmark of `aegis serve` with wrk over loopback, on SQLite (the demo store): an
# authenticated read route (a page of 20 incidents) and the incident-creation route, at 64 and
# 512 connections. Prints requests/s, p50/p99 latency, errors, and lost writes (201 answers
# counted by wrk against the rows added to the store).
# Usage: bench/serve_bench.sh [seconds per run, default 10]   (after ./scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
build=${BUILD:-build}
port=${PORT:-18123}
dir=$(mktemp -d /tmp/aegis-serve-bench.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
aegis="$build/aegis --data-dir data --db $dir/s.sqlite"
$aegis demo --dir "$dir/demo" >/dev/null
AEGIS_PASSWORD='bench password 2026!' $aegis user add bench --role imo --organisation DEMO-ALPHA >/dev/null 2>&1
$aegis serve --port "$port" --threads 64 >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/api/v1/openapi.json" >/dev/null && break; sleep 0.1; done
login=$(curl -s -D "$dir/h" -X POST "http://127.0.0.1:$port/api/v1/session" \
  -d '{"username":"bench","password":"bench password 2026!"}')
cookie=$(grep -i '^set-cookie:' "$dir/h" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
csrf=$(echo "$login" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"date_start":"2026-10-03","area_pcode":"SS010101","risks":["MOV"],"narrative":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "$cookie"
wrk.headers["X-CSRF-Token"] = "$csrf"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0 end
function response(status, headers, body) if status == 201 then created = created + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("created") end
  io.write(string.format("CREATED %d\n", n))
end
LUA
count() { sqlite3 "$dir/s.sqlite" "SELECT count(*) FROM incident"; }
report() {  # $1 label, $2 wrk output
  local rps p50 p99 errs non2xx
  rps=$(echo "$2" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$2" | awk '$1=="50%" {print $2}')
  p99=$(echo "$2" | awk '$1=="99%" {print $2}')
  errs=$(echo "$2" | awk '/Socket errors/ {print $0}' | sed 's/^ *//')
  non2xx=$(echo "$2" | awk '/Non-2xx/ {print $NF}')
  printf '%-34s %9s req/s  p50 %8s  p99 %8s  non-2xx %s  %s\n' "$1" "$rps" "$p50" "$p99" \
    "${non2xx:-0}" "${errs:-socket errors: none}"
}
echo "aegis serve on SQLite, 64 worker threads, wrk 2 threads, ${secs}s per run"
for c in 64 512; do
  out=$(wrk -t2 -c"$c" -d"${secs}s" --latency -H "Cookie: $cookie" \
    "http://127.0.0.1:$port/api/v1/incidents?limit=20")
  report "read  GET /incidents, $c conn" "$out"
done
for c in 64 512; do
  before=$(count)
  out=$(wrk -t2 -c"$c" -d"${secs}s" --latency -s "$dir/post.lua" \
    "http://127.0.0.1:$port/api/v1/incidents")
  after=$(count)
  created=$(echo "$out" | awk '/^CREATED/ {print $2}')
  report "write POST /incidents, $c conn" "$out"
  added=$((after - before))
  lost=$((created > added ? created - added : 0))
  echo "    201 answers ${created}, rows added ${added}: lost writes ${lost}" \
    "($((added - created + lost)) rows from requests still in flight when wrk stopped)"
done
