#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests and benchmarks: one cluster in a folder of its
# own, listening on 127.0.0.1 only, trust authentication, superuser `aegis`, durability off
# (fsync, synchronous_commit, full_page_writes) because nothing in it is worth keeping.
#
#   scripts/pg-server.sh start [DIR] [PORT]   start (or find running) a cluster in DIR; prints
#                                             AEGIS_TEST_PG=postgresql://aegis@127.0.0.1:PORT/postgres
#   scripts/pg-server.sh stop [DIR]           stop it (fast mode) and remove DIR
#   scripts/pg-server.sh halt [DIR]           stop it and keep DIR (start starts it again, data
#                                             kept: a database going down under a server, in tests)
#   scripts/pg-server.sh status [DIR]         exit 0 and print the line if it runs, else exit 1
#
# DIR defaults to /tmp/aegis-pg-<uid>, PORT to 55432. `start` is idempotent: a cluster already
# running in DIR is only reported (its own port). As root, initdb and pg_ctl run as the
# `postgres` user (PostgreSQL refuses to run as root), so DIR is chowned to it and every folder
# above DIR must be traversable by it (a project under /root, mode 0700, is not: use a folder
# under /tmp); exit status 3 says so. Binaries: $PGBIN, else /usr/lib/postgresql/15/bin (Debian
# 12's postgresql package, see scripts/install-deps.sh).
# Exit status: 0 ok, 1 failure (the server log's tail is printed), 2 usage, 3 DIR unreachable
# for the postgres user, 4 PORT already taken by something else.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {  # $1 exit status, rest: message
  local rc=$1
  shift
  echo "pg-server: $*" >&2
  exit "$rc"
}

cmd=${1:-}
case "$cmd" in
  -h | --help | help) usage; exit 0 ;;
  start | stop | halt | status) shift ;;
  *) usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || die 2 "too many arguments (see --help)"
dir=${1:-/tmp/aegis-pg-$(id -u)}
port=${2:-55432}
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
  die 2 "PORT must be a number from 1024 to 65535, not '$port'"
fi
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
dir=${dir%/}
if [ -z "$dir" ] || [ "$dir" = / ]; then die 2 "DIR must not be /"; fi

pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$pgbin/pg_ctl" ] ||
  die 1 "no PostgreSQL 15 in $pgbin (install the postgresql package: scripts/install-deps.sh," \
    "or set PGBIN)"

# As root, PostgreSQL's programs run as `postgres`; as anyone else, as themselves.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die 1 "no 'postgres' user (install the postgresql package)"
  as_pg=(runuser -u postgres --)
fi
pg() { "${as_pg[@]}" "$@"; }

url_line() { echo "AEGIS_TEST_PG=postgresql://aegis@127.0.0.1:$1/postgres"; }

# The port of the cluster running in DIR (from postmaster.pid), or nothing.
running_port() {
  [ -f "$dir/postmaster.pid" ] || return 1
  pg "$pgbin/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 1
  sed -n 4p "$dir/postmaster.pid"
}

port_taken() {  # something already answers on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

case "$cmd" in
  status)
    if p=$(running_port) && [ -n "$p" ]; then
      url_line "$p"
      exit 0
    fi
    echo "pg-server: no cluster running in $dir" >&2
    exit 1
    ;;

  halt)
    if running_port >/dev/null; then
      pg "$pgbin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null ||
        die 1 "pg_ctl stop failed for $dir"
    fi
    echo "pg-server: stopped $dir (kept: start starts it again)"
    exit 0
    ;;

  stop)
    if [ ! -e "$dir" ]; then
      echo "pg-server: $dir does not exist; nothing to stop"
      exit 0
    fi
    # Remove only what this script made: a cluster folder, or an empty one.
    if [ ! -f "$dir/PG_VERSION" ] && [ ! -f "$dir/.aegis-pg-server" ] &&
      [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
      die 1 "$dir is not a PostgreSQL cluster made by this script; not removing it"
    fi
    if running_port >/dev/null; then
      pg "$pgbin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null ||
        die 1 "pg_ctl stop failed for $dir"
    fi
    rm -rf "$dir"
    echo "pg-server: stopped and removed $dir"
    exit 0
    ;;
esac

# --- start -------------------------------------------------------------------------------------
if p=$(running_port) && [ -n "$p" ]; then
  [ "$p" = "$port" ] || echo "pg-server: already running in $dir on port $p (not $port)" >&2
  url_line "$p"
  exit 0
fi

sock="$dir/.s.PGSQL.$port"
[ ${#sock} -le 100 ] ||
  die 2 "DIR is too long for the server's unix socket ($sock, ${#sock} > 100 characters);" \
    "use a shorter path, e.g. under /tmp"
if port_taken "$port"; then
  die 4 "port $port on 127.0.0.1 is already taken by another program; choose another PORT"
fi

fresh=0
if [ ! -f "$dir/PG_VERSION" ]; then
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    die 1 "$dir exists, is not empty and is not a PostgreSQL cluster; choose another DIR"
  fi
  mkdir -p "$dir"
  fresh=1
fi
chmod 0700 "$dir"
if [ ${#as_pg[@]} -gt 0 ]; then
  chown -R postgres:postgres "$dir"
  if ! runuser -u postgres -- test -r "$dir" -a -w "$dir" -a -x "$dir"; then
    blocked=""
    d=$(dirname "$dir")
    while [ "$d" != / ]; do
      runuser -u postgres -- test -x "$d" || blocked="$d"
      d=$(dirname "$d")
    done
    [ "$fresh" = 1 ] && rm -rf "$dir"
    die 3 "the postgres user cannot reach $dir${blocked:+ ($blocked is not traversable for it)};" \
      "put the cluster in a folder it can reach, e.g. $0 start /tmp/aegis-pg"
  fi
fi

if [ "$fresh" = 1 ]; then
  log=$(mktemp /tmp/aegis-initdb.XXXXXX)
  if ! pg "$pgbin/initdb" -D "$dir" -E UTF8 --locale=C -U aegis --auth=trust >"$log" 2>&1; then
    tail -20 "$log" >&2
    rm -f "$log"
    die 1 "initdb failed in $dir"
  fi
  rm -f "$log"
  pg touch "$dir/.aegis-pg-server"
fi
# Settings are rewritten on each start (the last one in the file wins), so a restart on another
# PORT works too.
pg tee "$dir/postgresql.auto.conf" >/dev/null <<CONF
# Written by aegis scripts/pg-server.sh: a throwaway server for tests, not for data.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
CONF

if ! pg "$pgbin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
  # The port may be held by a connection, not a listener (a client's ephemeral port in TIME-WAIT
  # after a load test): the same as taken, so that callers move to the next port.
  if grep -q "Address already in use" "$dir/server.log" 2>/dev/null; then
    die 4 "port $port on 127.0.0.1 is in use (a connection holds it); choose another PORT"
  fi
  tail -20 "$dir/server.log" >&2 2>/dev/null || true
  die 1 "the server did not start in $dir (log: $dir/server.log)"
fi
for _ in $(seq 100); do
  "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" -U aegis -d postgres && break
  sleep 0.1
done
"$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" -U aegis -d postgres ||
  die 1 "the server in $dir does not answer on 127.0.0.1:$port (log: $dir/server.log)"
url_line "$port"
