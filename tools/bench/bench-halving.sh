#!/usr/bin/env bash
# Successive halving against the grid on one fixed candidate set (tools/bench/halving.yaml: Table 7's
# 16 functions and LayerNorm on a pinned vit-tiny). The grid runs once per seed, each into its own
# database -- in one database halving would reuse the grid's results. Halving runs
#   per seed (the default): one halving database per seed, each against that seed's grid;
#   ARMS=1: one halving database over all the seeds, which ranks each candidate by its mean over
#           them (search/halving.h), against the grids' mean over the same seeds.
#   COOLDOWN=0.1: halving scores each rung on an annealed branch of this share of the rung's steps
#           (halving.cooldown); its databases are named ...-cool0.1, apart from those without.
# It prints the steps each trained and whether halving's top 3 are the grid's. Compute is counted in
# steps trained, so the numbers do not depend on machine load; the databases stay in OUT, and a rerun
# resumes them.
# Usage: tools/bench/bench-halving.sh [build/tools/fsearch]
#   (STEPS=1000 SEEDS="0 1 2" WORKERS=2 OUT=bench-halving ARMS=0 COOLDOWN=0)
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-build/tools/fsearch}")
bench=$(dirname "$bin")/bench/bench-halving
steps=${STEPS:-1000}
workers=${WORKERS:-2}
out=${OUT:-bench-halving}
seeds=${SEEDS:-0 1 2}
cooldown=${COOLDOWN:-0}
suffix=""
[[ "$cooldown" != 0 ]] && suffix="-cool$cooldown"
mkdir -p "$out"
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ) | $steps steps per job | cooldown $cooldown"

# run STRATEGY NAME SEEDS: one sweep of the candidate set into $out/NAME.db
run() {
  local space="$out/$2.yaml"
  sed "s|vit-tiny-2026-11-24.yaml|$PWD/tools/bench/vit-tiny-2026-11-24.yaml|" tools/bench/halving.yaml > "$space"
  printf 'strategy: %s\nseeds: [%s]\nbudget: {steps: %s}\n' "$1" "$3" "$steps" >> "$space"
  if [[ "$1" == halving && "$cooldown" != 0 ]]; then printf 'halving: {cooldown: %s}\n' "$cooldown" >> "$space"; fi
  "$bin" run --space "$space" --db "$out/$2.db" --runs "$out/runs-$2" --workers "$workers" --top 0 \
    > "$out/$2.log" 2>&1
}

grids=()
for seed in $seeds; do
  run grid "grid-$seed" "$seed"
  grids+=(--grid "$out/grid-$seed.db")
  if [[ "${ARMS:-0}" != 1 ]]; then
    run halving "halving-$seed$suffix" "$seed"
    echo "seed $seed:"
    "$bench" --grid "$out/grid-$seed.db" --halving "$out/halving-$seed$suffix.db" --sweep bench-halving | sed 's/^/  /'
  fi
done
if [[ "${ARMS:-0}" == 1 ]]; then
  name="halving-seeds-$(echo $seeds | tr ' ' '-')$suffix"
  run halving "$name" "$(echo $seeds | tr ' ' ',')"
  echo "seeds $seeds together (candidates ranked by their mean over the seeds):"
  "$bench" "${grids[@]}" --halving "$out/$name.db" --sweep bench-halving | sed 's/^/  /'
fi
exit
}
