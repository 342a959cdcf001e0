#!/usr/bin/env bash
# The trainer against its eager-Python twin (issue: throughput): images per second of `fsearch train`
# (the trainer's own count, real Fashion-MNIST, no stability probe) and of tools/bench/vit_twin.py
# (same model in plain eager PyTorch on Debian's python3-torch, which links the same LibTorch), one
# thread each, taken in turns RUNS times per norm; prints every run, the medians and the ratios.
# Usage: tools/bench/bench-twin.sh [build/tools/fsearch]   (RUNS=3 STEPS=150 NORMS="layernorm derf")
# Measure on a quiet machine: stop sweeps first (Ctrl-C checkpoints them; rerun to continue).
set -euo pipefail
cd "$(dirname "$0")/../.."
fsearch=$(realpath "${1:-build/tools/fsearch}")
runs=${RUNS:-3}
steps=${STEPS:-150}
norms=${NORMS:-"layernorm derf"}
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench-twin: the twin needs Debian's python3-torch (apt-get install python3-torch)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ) | $steps steps, 1 thread"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for norm in $norms; do
  : > "$tmp/trainer" && : > "$tmp/twin"
  for run in $(seq "$runs"); do
    rm -rf "$tmp/run"
    "$fsearch" --threads 1 train --proxy configs/proxies/vit-tiny.yaml --norm "$norm" --steps "$steps" \
      --stability-steps 0 --out "$tmp/run" -q > /dev/null
    trainer=$(grep -o '"images_per_sec": *[0-9.]*' "$tmp/run/result.json" | awk '{printf "%.0f", $2}')
    twin=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench/vit_twin.py --threads 1 --steps "$steps" \
      --norm "$norm" | grep -o '[0-9.]* images/s' | awk '{printf "%.0f", $1}')
    echo "$norm run $run: trainer $trainer img/s, twin $twin img/s"
    echo "$trainer" >> "$tmp/trainer" && echo "$twin" >> "$tmp/twin"
  done
  t=$(median < "$tmp/trainer") && p=$(median < "$tmp/twin")
  echo "$norm median: trainer $t, twin $p, trainer / twin $(echo "scale=2; $t / $p" | bc)x"
  echo "$t" > "$tmp/median-$norm"
done
if [[ -f "$tmp/median-layernorm" && -f "$tmp/median-derf" ]]; then
  echo "trainer derf / layernorm: $(echo "scale=3; $(cat "$tmp/median-derf") / $(cat "$tmp/median-layernorm")" | bc)"
fi
