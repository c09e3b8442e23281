#!/usr/bin/env bash
# ThreadSanitizer run of the tests (not in CI: a TSan build and run take ~25 min on 2 cores).
# Builds build-tsan/ and runs aegis_tests there; the environment decides the backend, as for
# ./scripts/test.sh (AEGIS_TEST_BACKEND=postgresql with AEGIS_TEST_PG for PostgreSQL).
#   scripts/tsan.sh                       every test on SQLite
#   scripts/tsan.sh 'StoreTest.*:Multi*'  a gtest filter
# Suppressions: scripts/tsan.supp (GDAL's own lock order). Exit 1 on any report or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-*}
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAEGIS_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
ninja -C build-tsan aegis aegis_tests
log=build-tsan/tsan.log
export TSAN_OPTIONS="halt_on_error=0 report_signal_unsafe=0 suppressions=$PWD/scripts/tsan.supp"
set +e
build-tsan/aegis_tests --gtest_filter="$filter:-DbCopy.*" >"$log" 2>&1
rc=$?
set -e
grep -E '^\[  (PASSED|FAILED) ' "$log" || true
reports=$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)
echo "ThreadSanitizer reports: $reports (full log: $log)"
[ "$reports" = 0 ] && exit "$rc"
exit 1
