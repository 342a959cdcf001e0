#!/usr/bin/env bash
# Scheduler benchmarks (issue: sweeps in SQLite):
#  1. planning: a space of about 10,000 generated candidates, screened, deduplicated and planned
#     (`fsearch run --plan-only`), timed;
#  2. overhead: 100 jobs of FAKE_SECONDS each through the real scheduler with stand-in jobs that
#     sleep; overhead = (wall time - jobs x seconds / workers) / wall time, start-up included. Two
#     ways to start a worker slot:
#     - forked (what `fsearch run` does for CPU slots of one thread): bench-sweep, a program with
#       LibTorch loaded like fsearch, runs the sweep library with its slots forked from it;
#     - own process (GPU slots, slots of several threads, --worker-binary): `fsearch run
#       --worker-binary fake_worker.sh`, which starts the real fsearch binary once per slot, as
#       `fsearch worker` loads LibTorch once.
# Usage: tools/bench/bench-sweep.sh [build/tools/fsearch]   (WORKERS=10 FAKE_SECONDS=10 JOBS=100)
# Measure on a quiet machine: the start-ups compete for the cores.
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/../.."
export FSEARCH_BIN=$(realpath "${1:-build/tools/fsearch}")
workers=${WORKERS:-10}
seconds=${FAKE_SECONDS:-10}
jobs=${JOBS:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ)"

start=$(date +%s.%N)
"$FSEARCH_BIN" run --space tools/bench/space-10k.yaml --db "$tmp/plan.db" --runs "$tmp/plan-runs" --plan-only 2>&1 |
  sed 's/^/  /'
end=$(date +%s.%N)
echo "planning: $(echo "$end - $start" | bc) s for the whole --plan-only run (screening, database, job.json files)"

# 100 distinct kept functions: tanh(k x) for k = 1..100 (each passes all four properties).
{
  echo "name: overhead"
  echo "primitives:"
  for k in $(seq 1 "$jobs"); do echo "  - tanh($k * x)"; done
  echo "proxies: [$PWD/configs/proxies/vit-tiny.yaml]"
} > "$tmp/space.yaml"
ideal=$(echo "$jobs * $seconds / $workers" | bc -l)
overhead() {  # wall seconds -> the line
  echo "wall $1 s, ideal $ideal s, overhead $(echo "($1 - $ideal) / $1 * 100" | bc -l | cut -c1-5)% of the wall time"
}

start=$(date +%s.%N)
"$(dirname "$FSEARCH_BIN")/bench/bench-sweep" --space "$tmp/space.yaml" --db "$tmp/f.db" --runs "$tmp/f-runs" \
  --workers "$workers" --seconds "$seconds" > "$tmp/f.out" 2>&1
end=$(date +%s.%N)
echo "overhead, forked slots: $jobs jobs x ${seconds} s on $workers workers: $(overhead "$(echo "$end - $start" | bc)")"
sed 's/^/  /' "$tmp/f.out"

export FSEARCH_FAKE_SECONDS=$seconds
start=$(date +%s.%N)
"$FSEARCH_BIN" run --space "$tmp/space.yaml" --db "$tmp/o.db" --runs "$tmp/o-runs" --workers "$workers" \
  --worker-binary "$PWD/tools/bench/fake_worker.sh" --top 0 > /dev/null 2>&1
end=$(date +%s.%N)
echo "overhead, slots of their own: $jobs jobs x ${seconds} s on $workers workers: $(overhead "$(echo "$end - $start" | bc)")"
"$FSEARCH_BIN" status --db "$tmp/o.db" | head -2 | sed 's/^/  /'
exit
}
