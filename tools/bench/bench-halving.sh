#!/usr/bin/env bash
# Successive halving against the grid on one fixed candidate set (tools/bench/halving.yaml: Table 7's
# 16 functions and LayerNorm, vit-tiny), once per seed. Each seed runs the grid and halving (eta 3,
# rungs at 1/9, 1/3 and the whole budget) into separate databases -- in one database halving would
# reuse the grid's results -- and prints the steps each trained and whether halving's top 3 are the
# grid's. Compute is counted in steps trained, so the numbers do not depend on machine load; the
# databases stay in OUT, and a rerun resumes them.
# Usage: tools/bench/bench-halving.sh [build/tools/fsearch]   (STEPS=1000 SEEDS="0 1 2" WORKERS=2 OUT=bench-halving)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-build/tools/fsearch}")
bench=$(dirname "$bin")/bench/bench-halving
steps=${STEPS:-1000}
workers=${WORKERS:-2}
out=${OUT:-bench-halving}
mkdir -p "$out"
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ) | $steps steps per job"
for seed in ${SEEDS:-0 1 2}; do
  for strategy in grid halving; do
    space="$out/$strategy-$seed.yaml"
    sed "s|\.\./\.\./configs|$PWD/configs|" tools/bench/halving.yaml > "$space"
    printf 'strategy: %s\nseeds: [%s]\nbudget: {steps: %s}\n' "$strategy" "$seed" "$steps" >> "$space"
    "$bin" run --space "$space" --db "$out/$strategy-$seed.db" --runs "$out/runs-$strategy-$seed" \
      --workers "$workers" --top 0 > "$out/$strategy-$seed.log" 2>&1
  done
  echo "seed $seed:"
  "$bench" --grid "$out/grid-$seed.db" --halving "$out/halving-$seed.db" --sweep bench-halving | sed 's/^/  /'
done
