#!/usr/bin/env bash
# The main job on the embedded default: `fsearch run --space configs/space.yaml` on CPU with
# Fashion-MNIST and a SQLite file under results/, then the report. Parts that are not built yet are
# named, not faked.
set -euo pipefail
cd "$(dirname "$0")/.."
fsearch=${FSEARCH_BIN:-build/tools/fsearch}
mkdir -p results
"$fsearch" --version
echo

# Whether the binary has a subcommand (`fsearch X --help` would exit 0 for any X).
has() { "$fsearch" --help 2>/dev/null | grep -qE "^  $1( |$)"; }

if has run; then
  "$fsearch" run --space configs/space.yaml --db results/fsearch.db --device cpu
else
  echo "fsearch run (sweeps in SQLite) is not built yet; showing what exists instead."
  echo
  "$fsearch" functions
  echo
  for f in "erf(x)" "tanh(x)" "flat(erf, 0.5)"; do
    "$fsearch" eval "$f" --at=-2,-0.5,0,0.5,2
    echo
  done
  if has property; then
    "$fsearch" property --test all --catalog
    echo
  fi
fi

if has report; then
  "$fsearch" report --db results/fsearch.db --out results/reports
else
  echo "fsearch report (paper tables from the database) is not built yet."
fi
