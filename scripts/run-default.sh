#!/usr/bin/env bash
# The main job on the embedded default: `fsearch run --space configs/space.yaml` on CPU with
# Fashion-MNIST and a SQLite file under results/, then the report. Run again, it continues the sweep.
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/.."
fsearch=${FSEARCH_BIN:-build/tools/fsearch}
mkdir -p results
"$fsearch" --version
echo
"$fsearch" run --space configs/space.yaml --db results/fsearch.db --device cpu
"$fsearch" report --db results/fsearch.db --out results/reports
exit
}
