#!/usr/bin/env bash
# The README's first command: set up, build, run the default search on CPU, write the report.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase says how long it took; on a fresh 2-core machine (README, "Expected times"): set-up
# ~3 min, build ~5 min (the fsearch binary only; the tests and benchmarks are built by the test
# command), the default search and its report ~6 min.
phase() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name took $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s"
}
phase "set-up (apt-get)" bash scripts/setup.sh
phase "build (fsearch only)" env FSEARCH_TARGETS=fsearch bash scripts/build.sh
mkdir -p results
phase "the default search and its report" bash scripts/run-default.sh
