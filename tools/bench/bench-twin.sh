#!/usr/bin/env bash
# The trainer against its eager-Python twin (issue: throughput): images per second of `fsearch train`
# (the trainer's own count, real Fashion-MNIST, no stability probe) and of tools/bench/vit_twin.py
# (same model in plain eager PyTorch on Debian's python3-torch, which links the same LibTorch), one
# thread each, taken in turns RUNS times per norm; prints every run, the medians and the ratios.
# Two rates per trainer run: the whole run's (its result.json: every step, the first ones with their
# allocations and first touches included) and the steady state's (its events.jsonl: the log intervals
# after the first WARMUP steps), against the twin's over the same steps (it skips WARMUP steps too).
# The steady state is the like-for-like ratio; the whole run is what a job sees.
# Usage: tools/bench/bench-twin.sh [build/tools/fsearch]   (RUNS=3 STEPS=150 WARMUP=50 NORMS="layernorm derf")
# Measure on a quiet machine: stop sweeps first (Ctrl-C checkpoints them; rerun to continue).
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/../.."
fsearch=$(realpath "${1:-build/tools/fsearch}")
runs=${RUNS:-3}
steps=${STEPS:-150}
warmup=${WARMUP:-50}  # a multiple of the trainer's log interval (50 steps)
norms=${NORMS:-"layernorm derf"}
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench-twin: the twin needs Debian's python3-torch (apt-get install python3-torch)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ) | $steps steps after $warmup, 1 thread"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# Images per second over the train events after step $warmup (each gives its interval's rate): the
# images over the sum of the intervals' seconds.
steady() {
  awk -v after="$warmup" -F'[,:}]' '/"type":"train"/ {
      for (i = 1; i < NF; i++) { if ($i ~ /"step"/) step = $(i + 1); if ($i ~ /"images_per_sec"/) rate = $(i + 1) }
      if (step > after) { images += (step - last) * 128; seconds += (step - last) * 128 / rate }
      last = step }
    END { if (seconds > 0) printf "%.0f", images / seconds }' "$1"
}
for norm in $norms; do
  : > "$tmp/trainer" && : > "$tmp/steady" && : > "$tmp/twin"
  for run in $(seq "$runs"); do
    rm -rf "$tmp/run"
    "$fsearch" --threads 1 train --proxy configs/proxies/vit-tiny.yaml --norm "$norm" --steps $((warmup + steps)) \
      --batch-size 128 --stability-steps 0 --out "$tmp/run" -q > /dev/null
    trainer=$(grep -o '"images_per_sec": *[0-9.]*' "$tmp/run/result.json" | awk '{printf "%.0f", $2}')
    state=$(steady "$tmp/run/events.jsonl")
    twin=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench/vit_twin.py --threads 1 --steps "$steps" \
      --warmup "$warmup" --norm "$norm" | grep -o '[0-9.]* images/s' | awk '{printf "%.0f", $1}')
    echo "$norm run $run: trainer $trainer img/s (whole run), $state (after step $warmup); twin $twin img/s"
    echo "$trainer" >> "$tmp/trainer" && echo "$state" >> "$tmp/steady" && echo "$twin" >> "$tmp/twin"
  done
  t=$(median < "$tmp/trainer") && s=$(median < "$tmp/steady") && p=$(median < "$tmp/twin")
  echo "$norm median: trainer $t (whole run) / $s (after step $warmup), twin $p;" \
    "trainer / twin $(echo "scale=2; $t / $p" | bc)x (whole run), $(echo "scale=2; $s / $p" | bc)x (steady)"
  echo "$s" > "$tmp/median-$norm"
done
if [[ -f "$tmp/median-layernorm" && -f "$tmp/median-derf" ]]; then
  echo "trainer derf / layernorm: $(echo "scale=3; $(cat "$tmp/median-derf") / $(cat "$tmp/median-layernorm")" | bc)"
fi
exit
}
