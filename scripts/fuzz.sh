#!/usr/bin/env bash
# Fuzzes fsearch's parsers with libFuzzer (clang from Debian; installs it through scripts/setup.sh):
#   bash scripts/fuzz.sh [MINUTES] [TARGET...]     targets: expression idx space run_dir (default: all)
# MINUTES 0 only builds.
# Builds the targets in build-fuzz/ (clang, ASan + UBSan, undefined behaviour fatal), then runs each
# for MINUTES (default 10), JOBS at a time (default: CPU cores), each on its own copy of the committed
# corpus fuzz/corpus/TARGET. Prints a table of executions, corpus size and findings per target; a
# finding (crash, sanitizer report, leak, timeout, uncaught exception) is kept in
# build-fuzz/findings/TARGET/ and makes the script exit 1. Replay one with
#   build-fuzz/fuzz/fuzz_TARGET build-fuzz/findings/TARGET/crash-...
# and, once fixed, commit it to fuzz/regressions/TARGET/ so that every build's tests replay it.
# FUZZ_MERGE=1 merges what the run found into fuzz/corpus/TARGET (minimised; keeps the corpus small).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(expression idx space run_dir)
jobs=${JOBS:-$(nproc)}
[[ $minutes =~ ^[0-9]+$ ]] || { echo "error: MINUTES must be a whole number of minutes, not '$minutes'" >&2; exit 2; }
build_dir=${FSEARCH_FUZZ_BUILD_DIR:-build-fuzz}

for t in "${targets[@]}"; do
  [[ -f fuzz/$t.cpp ]] || { echo "error: no fuzz target '$t' (fuzz/$t.cpp); known: expression idx space run_dir" >&2; exit 2; }
done
bash scripts/setup.sh clang libclang-rt-14-dev >/dev/null

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFSEARCH_FUZZ=ON -DFSEARCH_BUILD_TESTS=OFF -DFSEARCH_BUILD_BENCH=OFF -DFSEARCH_PCH=OFF
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$build_dir" --parallel "$(nproc)" "${build_targets[@]}"
((minutes > 0)) || exit 0

run_one() {
  local t=$1 work="$build_dir/corpus/$1" findings="$build_dir/findings/$1" log="$build_dir/logs/$1.log"
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  local dict=()
  [[ -f fuzz/$t.dict ]] && dict=(-dict="fuzz/$t.dict")
  # Exit status is libFuzzer's: non-zero when it stopped at a finding.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build_dir/fuzz/fuzz_$t" "$work" "${dict[@]}" -max_total_time=$((minutes * 60)) -timeout=10 \
    -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1 || true
}

echo "fuzzing ${targets[*]} for $minutes min each, $jobs at a time (logs: $build_dir/logs/)"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
done
wait

status=0
printf '\n%-12s %14s %10s %10s %9s\n' target executions "exec/s" corpus findings
for t in "${targets[@]}"; do
  log="$build_dir/logs/$t.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "$build_dir/corpus/$t" -type f | wc -l)
  found=$(find "$build_dir/findings/$t" -type f | wc -l)
  printf '%-12s %14s %10s %10s %9s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$found"
  if ((found > 0)); then
    status=1
    grep -m1 -E 'ERROR: |runtime error|deadly signal|uncaught exception' "$log" | sed "s/^/  $t: /" || true
  fi
  if [[ ${FUZZ_MERGE:-0} == 1 ]]; then
    rm -rf "$build_dir/merged/$t" && mkdir -p "$build_dir/merged/$t"
    "$build_dir/fuzz/fuzz_$t" -merge=1 "$build_dir/merged/$t" fuzz/corpus/"$t" "$build_dir/corpus/$t" >/dev/null 2>&1
    cp -n "$build_dir/merged/$t"/* fuzz/corpus/"$t"/ 2>/dev/null || true
  fi
done
exit $status
