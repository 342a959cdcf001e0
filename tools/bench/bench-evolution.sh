#!/usr/bin/env bash
# Evolution from the default primitives with a fixed compute budget (tools/bench/evolution.yaml:
# 8 initial members, 4 generations of 4 children, every job STEPS steps), then the best function it
# found and Derf (erf with a scalar shift) trained again side by side with seeds 0, 1, 2. Prints the
# candidates screened, rejected, deduplicated and trained, the best and its lineage, and the two
# functions' accuracy (mean ± sd over the seeds). The databases stay in OUT; a rerun resumes.
# Usage: tools/bench/bench-evolution.sh [build/tools/fsearch]   (STEPS=1000 WORKERS=2 OUT=bench-evolution)
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-build/tools/fsearch}")
steps=${STEPS:-1000}
workers=${WORKERS:-2}
out=${OUT:-bench-evolution}
mkdir -p "$out"
echo "commit $(git rev-parse --short HEAD) | $(nproc) cores | $(date -u +%Y-%m-%dT%H:%M:%SZ) | $steps steps per job"
space="$out/evolution.yaml"
sed "s|\.\./\.\./configs|$PWD/configs|" tools/bench/evolution.yaml > "$space"
printf 'budget: {steps: %s}\n' "$steps" >> "$space"
"$bin" run --space "$space" --db "$out/evolution.db" --workers "$workers" --top 0 > "$out/evolution.log" 2>&1
bench=$(dirname "$bin")/bench/bench-evolution
"$bench" --search "$out/evolution.db" --sweep bench-evolution | sed 's/^/  /'
best=$("$bench" --search "$out/evolution.db" --sweep bench-evolution --best-only)
cat > "$out/check.yaml" <<YAML
name: bench-evolution-check
primitives: ["$best", "erf(x)"]
require: []
include_base: true
proxies: [$PWD/configs/proxies/vit-tiny.yaml]
layer:
  shift: [scalar]
seeds: [0, 1, 2]
budget: {steps: $steps}
YAML
"$bin" run --space "$out/check.yaml" --db "$out/check.db" --workers "$workers" --top 0 > "$out/check.log" 2>&1
"$bench" --check "$out/check.db" --sweep bench-evolution-check | sed 's/^/  /'
exit
}
