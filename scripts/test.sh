#!/usr/bin/env bash
# Every test: install what Aegis needs, build (the web application too), run the whole suite
# (unit, importer against the real files in ../shared/data, crash and CLI tests, the web
# application end to end in headless Chromium with screenshots in build/e2e-screenshots), check
# formatting and clang-tidy, then build again with AddressSanitizer and UBSan and run the suite
# again (without the browser test). Both passes run against a throwaway PostgreSQL server
# (scripts/pg-server.sh; $AEGIS_TEST_PG), removed on exit. Exit status is non-zero if anything
# fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build and test (RelWithDebInfo; the web app end to end in headless Chromium)"
./scripts/build-web.sh
./scripts/build.sh build

# A throwaway PostgreSQL 15 for the PostgreSQL and multi-process tests (they read
# $AEGIS_TEST_PG), stopped and removed on exit, failed or not. In build/pgdata when the
# postgres user can reach it (pg-server.sh exits 3 if not, e.g. a checkout under /root), else in
# /tmp. The port is the first free one from $AEGIS_TEST_PG_PORT (default 55432).
pg_dir=""
stop_pg() { [ -z "$pg_dir" ] || ./scripts/pg-server.sh stop "$pg_dir" >/dev/null || true; }
trap stop_pg EXIT
start_pg() {  # $1 folder; sets AEGIS_TEST_PG
  local port=${AEGIS_TEST_PG_PORT:-55432} line rc
  for _ in $(seq 20); do
    rc=0
    line=$(./scripts/pg-server.sh start "$1" "$port") || rc=$?
    [ "$rc" != 4 ] && break  # 4: the port is taken by another program
    port=$((port + 1))
  done
  [ "$rc" = 0 ] || return "$rc"
  export "${line?}"
}
echo "== throwaway PostgreSQL for the PostgreSQL and multi-process tests"
pg_dir=$PWD/build/pgdata
rc=0
start_pg "$pg_dir" || rc=$?
if [ "$rc" = 3 ]; then
  pg_dir=$(mktemp -d /tmp/aegis-test-pg.XXXXXX)
  rc=0
  start_pg "$pg_dir" || rc=$?
fi
[ "$rc" = 0 ] || { echo "could not start the throwaway PostgreSQL (exit $rc)"; exit 1; }
echo "AEGIS_TEST_PG=$AEGIS_TEST_PG (in $pg_dir)"
export AEGIS_REQUIRE_PG=1  # the pg.* tests fail, not skip, without it

ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

echo "== style: clang-format and clang-tidy"
./scripts/lint.sh build

echo "== build and test with AddressSanitizer + UBSan"
BUILD_TYPE=Debug ./scripts/build.sh build-asan -DAEGIS_SANITIZE=ON -DAEGIS_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 1800
echo "== all tests passed"
