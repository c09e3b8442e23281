#!/usr/bin/env bash
# Every test: install what Aegis needs, build (the web application too), run the whole suite
# (unit, importer against the real files in ../shared/data, crash and CLI tests, the web
# application end to end in headless Chromium with screenshots in build/e2e-screenshots), check
# formatting and clang-tidy, then build again with AddressSanitizer and UBSan and run the suite
# again (without the browser test). Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build and test (RelWithDebInfo; the web app end to end in headless Chromium)"
./scripts/build-web.sh
./scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

echo "== style: clang-format and clang-tidy"
./scripts/lint.sh build

echo "== build and test with AddressSanitizer + UBSan"
BUILD_TYPE=Debug ./scripts/build.sh build-asan -DAEGIS_SANITIZE=ON -DAEGIS_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 1800
echo "== all tests passed"
