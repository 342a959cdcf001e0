#!/usr/bin/env bash
# The main job on the embedded default: `fsearch run --space configs/space.yaml` on CPU with
# Fashion-MNIST and a SQLite file under results/, then the report. Run again, it continues the sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
fsearch=${FSEARCH_BIN:-build/tools/fsearch}
mkdir -p results
"$fsearch" --version
echo
"$fsearch" run --space configs/space.yaml --db results/fsearch.db --device cpu
"$fsearch" report --db results/fsearch.db --out results/reports
