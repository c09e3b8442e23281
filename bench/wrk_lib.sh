# shellcheck shell=bash disable=SC2154  # dir, password, secs, conns: set by the caller
# What the wrk benchmarks share (bench/serve_bench.sh, bench/cluster_bench.sh); sourced. The caller
# sets dir (a scratch folder), password (of the user "bench"), secs and conns (per wrk run).
# bench LABEL PORT COUNT_FUNCTION signs in, runs an authenticated read and the incident-creation
# route with wrk, and prints requests/s, p50/p99, errors, and writes lost or duplicated (201
# answers against the rows COUNT_FUNCTION counts before and after).

sign_in() {  # $1 port; sets cookie and csrf
  local login
  login=$(curl -s -D "$dir/h" -X POST "http://127.0.0.1:$1/api/v1/session" \
    -d "{\"username\":\"bench\",\"password\":\"$password\"}")
  cookie=$(grep -i '^set-cookie:' "$dir/h" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
  csrf=$(echo "$login" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
  [ -n "$cookie" ] || { echo "sign-in on port $1 failed: $login" >&2; exit 1; }
}

write_lua() {  # $1 file; counts requests sent and 201 answers per thread
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '{"date_start":"2026-10-03","area_pcode":"SS010101","risks":["MOV"],"narrative":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "$cookie"
wrk.headers["X-CSRF-Token"] = "$csrf"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; sent = 0; answered = 0 end
function request() sent = sent + 1; return wrk.format() end
function response(status, headers, body)
  answered = answered + 1
  if status == 201 then created = created + 1 end
end
function done(summary, latency, requests)
  local c, s, a = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); s = s + t:get("sent"); a = a + t:get("answered") end
  io.write(string.format("CREATED %d SENT %d ANSWERED %d\n", c, s, a))
end
LUA
}

report() {  # $1 label, $2 wrk output
  local rps p50 p99 errs non2xx
  rps=$(echo "$2" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$2" | awk '$1=="50%" {print $2}')
  p99=$(echo "$2" | awk '$1=="99%" {print $2}')
  errs=$(echo "$2" | awk '/Socket errors/ {print $0}' | sed 's/^ *//')
  non2xx=$(echo "$2" | awk '/Non-2xx/ {print $NF}')
  printf '  %-22s %9s req/s  p50 %8s  p99 %8s  non-2xx %s  %s\n' "$1" "$rps" "$p50" "$p99" \
    "${non2xx:-0}" "${errs:-socket errors: none}"
}

bench() {  # $1 label, $2 port, $3 row-count function (conns connections, secs seconds)
  local out before after created sent answered added lost inflight dup
  sign_in "$2"
  echo "$1"
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Cookie: $cookie" \
    "http://127.0.0.1:$2/api/v1/incidents?limit=20")
  report "read  GET /incidents" "$out"
  write_lua "$dir/post.lua"
  before=$($3)
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/post.lua" \
    "http://127.0.0.1:$2/api/v1/incidents")
  sleep 1  # let requests in flight when wrk stopped finish
  after=$($3)
  report "write POST /incidents" "$out"
  read -r created sent answered < <(echo "$out" | awk '/^CREATED/ {print $2, $4, $6}')
  added=$((after - before))
  inflight=$((sent - answered))
  lost=$((created > added ? created - added : 0))
  dup=$((added > created + inflight ? added - created - inflight : 0))
  echo "    writes: ${created} answered 201, ${added} rows added, ${inflight} unanswered when wrk" \
    "stopped: lost ${lost}, duplicated ${dup}"
}

