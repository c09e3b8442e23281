#!/usr/bin/env bash
# Load benchmark of Aegis as one process and as a cluster, from the same run and the same data:
#   (i)  one `aegis serve` on SQLite (the demo store), as bench/serve_bench.sh;
#   (ii) three `aegis serve` processes on one PostgreSQL database (a copy of the same demo store,
#        `aegis db copy`) behind nginx (round robin, keep-alive to the upstreams).
# For each, wrk over loopback at 64 connections: an authenticated read (GET
# /api/v1/incidents?limit=20) and incident creation (POST /api/v1/incidents): requests/s,
# p50/p99 latency, non-2xx answers, socket errors, and writes lost or duplicated (201 answers
# counted by wrk against the rows added to the store; requests still in flight when wrk stops
# may or may not have written their row). A throwaway PostgreSQL is started in a temporary
# folder with scripts/pg-server.sh and removed at the end, as is everything else.
#
# Usage: bench/cluster_bench.sh [SECONDS]     seconds per wrk run (default 10), after
#                                             ./scripts/build.sh
# Environment: BUILD (build dir, default build), CONNECTIONS (default 64), THREADS (worker
# threads per server, default 64), PORT (first of the ports used, default 18200), PG_PORT
# (default 55440; the next free one is taken). AEGIS_BENCH_CLUSTER_SQLITE=1 runs (ii) on one
# SQLite file (a copy of the demo store) instead of PostgreSQL, to compare or to run without it.
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "" | [0-9]*) ;;
  *) usage >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
secs=${1:-10}
build=${BUILD:-build}
conns=${CONNECTIONS:-64}
threads=${THREADS:-64}
base_port=${PORT:-18200}
servers=3
[ -x "$build/aegis" ] || { echo "no $build/aegis: run ./scripts/build.sh first" >&2; exit 1; }
for tool in wrk sqlite3 curl /usr/sbin/nginx; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: ./scripts/install-deps.sh" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/aegis-cluster-bench.XXXXXX)
pgdir=""
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -z "$pgdir" ] || ./scripts/pg-server.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

export AEGIS_KEY_FILE="$dir/s.sqlite.keys"  # one key file for the store and its copy
aegis=("$build/aegis" --data-dir data)
password='bench password 2026!'

wait_http() {  # $1 port: the API answers
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$1/api/v1/openapi.json" >/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2
  return 1
}

echo "== preparing: demo store (SQLite), its copy on PostgreSQL, $servers servers, nginx"
"${aegis[@]}" --db "$dir/s.sqlite" demo --dir "$dir/demo" >"$dir/demo.log" 2>&1 || {
  cat "$dir/demo.log" >&2
  exit 1
}
AEGIS_PASSWORD=$password "${aegis[@]}" --db "$dir/s.sqlite" user add bench --role imo \
  --organisation DEMO-ALPHA >/dev/null 2>&1

if [ "${AEGIS_BENCH_CLUSTER_SQLITE:-0}" = 1 ]; then
  cluster_label="SQLite file (copy of the demo store)"
  cluster_db="$dir/cluster.sqlite"
  "${aegis[@]}" --db "$dir/s.sqlite" db backup "$cluster_db" >/dev/null
  count_cluster() { sqlite3 "$cluster_db" "SELECT count(*) FROM incident"; }
else
  pgdir=$(mktemp -d /tmp/aegis-bench-pg.XXXXXX)
  pg_port=${PG_PORT:-55440}
  for _ in $(seq 20); do
    rc=0
    line=$(./scripts/pg-server.sh start "$pgdir" "$pg_port") || rc=$?
    [ "$rc" != 4 ] && break
    pg_port=$((pg_port + 1))
  done
  [ "$rc" = 0 ] || { echo "could not start PostgreSQL (scripts/pg-server.sh exit $rc)" >&2; exit 1; }
  pg_base=${line#AEGIS_TEST_PG=}
  cluster_db="${pg_base%/*}/aegis_bench"
  cluster_label="PostgreSQL 15 (127.0.0.1:$pg_port, fsync off)"
  "${aegis[@]}" db copy "$dir/s.sqlite" "$cluster_db" >"$dir/copy.log" 2>&1 || {
    cat "$dir/copy.log" >&2
    echo "aegis db copy to PostgreSQL failed (is the PostgreSQL backend built in?)" >&2
    exit 1
  }
  count_cluster() {
    psql "$cluster_db" -tAqc "SELECT count(*) FROM incident" 2>/dev/null ||
      "${aegis[@]}" --db "$cluster_db" db check | sed -n 's/.* \([0-9][0-9]*\) incidents.*/\1/p'
  }
fi
count_single() { sqlite3 "$dir/s.sqlite" "SELECT count(*) FROM incident"; }

# (i) one process on SQLite
single_port=$base_port
"${aegis[@]}" --db "$dir/s.sqlite" serve --port "$single_port" --threads "$threads" \
  >"$dir/single.log" 2>&1 &
pids+=($!)
wait_http "$single_port"

# (ii) three processes on the shared store, nginx in front
upstreams=""
for i in $(seq "$servers"); do
  p=$((base_port + i))
  "${aegis[@]}" --db "$cluster_db" serve --port "$p" --threads "$threads" --behind-proxy >"$dir/serve$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$p;"$'\n'
done
for i in $(seq "$servers"); do wait_http $((base_port + i)); done
nginx_port=$((base_port + servers + 1))
mkdir -p "$dir/nginx"
cat >"$dir/nginx/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo "user root;")
daemon off;
worker_processes auto;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi;
  scgi_temp_path $dir/nginx/scgi;
  upstream aegis {
$upstreams    keepalive 32;
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://aegis;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP \$remote_addr;
    }
  }
}
CONF
/usr/sbin/nginx -p "$dir/nginx/" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &
pids+=($!)
wait_http "$nginx_port"

# shellcheck source=bench/wrk_lib.sh
. bench/wrk_lib.sh

echo "wrk 2 threads, $conns connections, ${secs}s per run; $threads worker threads per server"
bench "(i)  1 aegis serve, SQLite (demo store), port $single_port" "$single_port" count_single
bench "(ii) $servers aegis serve behind nginx, $cluster_label, port $nginx_port" "$nginx_port" \
  count_cluster
grep -h -i 'error\|warn' "$dir"/nginx/error.log 2>/dev/null | sort | uniq -c | sort -rn | head -5 |
  sed 's/^/  nginx: /' || true
