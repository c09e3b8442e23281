#!/usr/bin/env bash
# Configures and builds Aegis into build/ (or $1), passing any further arguments to CMake.
# Used by demo.sh and test.sh; safe to re-run (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DAEGIS_DECISION_SOURCE= "$@" >/dev/null
cmake --build "$dir" -j "$jobs"
