#!/usr/bin/env bash
# Builds fsearch with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ (gcc) and runs
# the unit and integration suites under them; any report fails the test it occurs in (halt_on_error).
# Extra arguments go to ctest (default: -L 'unit|integration'). Takes long: see the README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${FSEARCH_ASAN_BUILD_DIR:-build-asan}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFSEARCH_BUILD_BENCH=OFF \
    -DFSEARCH_SANITIZE_ADDRESS=ON -DFSEARCH_SANITIZE_UNDEFINED=ON
fi
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}"
# LibTorch is not instrumented: its one-time allocations at exit are not ours to report
# (scripts/lsan.supp); everything of fsearch's own is checked.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_odr_violation=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$build_dir"
if [[ $# -gt 0 ]]; then
  exec ctest --output-on-failure "$@"
fi
exec ctest --output-on-failure -L 'unit|integration'
