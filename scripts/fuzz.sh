#!/usr/bin/env bash
# Fuzzes the parsers with libFuzzer + AddressSanitizer + UBSan (see doc/testing.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(csv xlsx json sms_alert profile http_query)
usage() {
  cat <<USAGE
Usage: scripts/fuzz.sh [--merge] [SECONDS] [TARGET...] [-- LIBFUZZER_FLAGS...]

Builds build-fuzz/ with clang, libFuzzer, AddressSanitizer and UBSan (every module instrumented)
and runs each fuzz target for SECONDS (default 600) on a copy of its seed corpus
(fuzz/corpus/TARGET), in build-fuzz/fuzz-runs/TARGET/. Prints executions per second per target
and, for a crash, leak, timeout or sanitizer report, the reproducer's path; exits 1 if any
target found one. The committed corpus is not changed unless --merge is given.

Targets: ${all_targets[*]} (default: all, one after the other)

  --merge   after the run, add the inputs that reach new code to fuzz/corpus/TARGET
            (libFuzzer -merge=1; review and commit them)
  --help    this text

Examples:
  scripts/fuzz.sh                      # every target, 10 minutes each
  scripts/fuzz.sh 60 csv json          # one minute each of two targets
  scripts/fuzz.sh 300 xlsx -- -jobs=2 -workers=2
Reproduce a finding (under the debugger, or after a fix):
  build-fuzz/fuzz/xlsx_fuzz build-fuzz/fuzz-runs/xlsx/crashes/crash-<sha1>
  build/fuzz/fuzz_replay_xlsx path/to/input        # the same input in the normal build
A reproducer belongs in fuzz/corpus/TARGET/ with the fix, so that ctest (fuzz_replay.TARGET)
replays it from then on.
USAGE
}

seconds=600
merge=0
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --merge) merge=1 ;;
    --) shift; extra=("$@"); break ;;
    ''|*[!0-9]*)
      ok=0
      for t in "${all_targets[@]}"; do [ "$t" = "$1" ] && ok=1; done
      if [ $ok = 0 ]; then
        echo "fuzz.sh: unknown target or option '$1'; targets: ${all_targets[*]} (see --help)" >&2
        exit 2
      fi
      targets+=("$1") ;;
    *) seconds=$1 ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; install clang (apt-get install clang)" >&2
  exit 2
fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# -O1 with line tables: quick to compile, and enough for symbolized stack traces.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DAEGIS_FUZZ=ON -DAEGIS_BUILD_TESTS=OFF -DAEGIS_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)" \
  --target "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=0
summary=()
for t in "${targets[@]}"; do
  run=build-fuzz/fuzz-runs/$t
  rm -rf "$run/corpus"
  mkdir -p "$run/corpus" "$run/crashes"
  cp -r "fuzz/corpus/$t/." "$run/corpus/"
  log=$run/fuzz.log
  echo "== $t: ${seconds}s on a copy of fuzz/corpus/$t (log: $log)"
  set +e
  "build-fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$run/crashes/" "${extra[@]}" "$run/corpus" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$run/corpus" -type f | wc -l)
  line=$(printf '%-11s %10s execs %7s exec/s  cov %6s  corpus %5s files' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "$files")
  if [ $rc != 0 ]; then
    failed=1
    repro=$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "!! $t: exit $rc; $(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|property violated' "$log" | head -3)"
    echo "!! reproducer: ${repro:-see $log}"
    line="$line  FOUND (exit $rc): ${repro:-see $log}"
  else
    echo "$line"
  fi
  summary+=("$line")
  if [ $merge = 1 ]; then
    before=$(find "fuzz/corpus/$t" -type f | wc -l)
    "build-fuzz/fuzz/${t}_fuzz" -merge=1 -rss_limit_mb=2048 "fuzz/corpus/$t" "$run/corpus" \
      >"$run/merge.log" 2>&1
    after=$(find "fuzz/corpus/$t" -type f | wc -l)
    echo "   merged: fuzz/corpus/$t has $after files ($((after - before)) new)"
  fi
done
echo
echo "Summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit $failed
