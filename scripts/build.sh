#!/usr/bin/env bash
# Configures (once) and builds fsearch in build/ (Release). Extra arguments go to CMake's configure
# step, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch for another LibTorch. FSEARCH_TARGETS="fsearch"
# builds only those targets (the quickstart: no tests, no benchmarks); default: everything.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${FSEARCH_BUILD_DIR:-build}
# ccache may serve files built with precompiled torch headers only with these relaxations.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
# Paths relative to the checkout, so that a clone elsewhere reuses the same cache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [[ ! -f "$build_dir/CMakeCache.txt" || $# -gt 0 ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
targets=()
for t in ${FSEARCH_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" --parallel "$(nproc)" "${targets[@]}"
