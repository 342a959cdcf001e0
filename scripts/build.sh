#!/usr/bin/env bash
# Configures (once) and builds fsearch in build/ (Release). Extra arguments go to CMake's configure
# step, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch for another LibTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${FSEARCH_BUILD_DIR:-build}
if [[ ! -f "$build_dir/CMakeCache.txt" || $# -gt 0 ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$build_dir" --parallel "$(nproc)"
