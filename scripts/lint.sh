#!/usr/bin/env bash
# Style gates: clang-format (the .clang-format style) and clang-tidy (the checks in .clang-tidy,
# as errors) over the project's C++ sources. Needs a configured build dir for the compile
# commands (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
files=$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'fuzz/*.cc' 'fuzz/*.h' 2>/dev/null ||
        find src tests bench fuzz -name '*.cc' -o -name '*.h')
echo "== clang-format"
clang-format --dry-run -Werror $files
echo "== clang-tidy"
run-clang-tidy -p "$build" -quiet 'src/.*\.cc$' >/tmp/aegis-tidy.log 2>&1 || {
  grep -E 'error:|warning:' /tmp/aegis-tidy.log | head -40
  echo "clang-tidy found problems (full log: /tmp/aegis-tidy.log)"
  exit 1
}
echo "lint: clean"
