#!/usr/bin/env bash
# The README's first command: set up, build, run the default search on CPU, write the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
mkdir -p results
exec bash scripts/run-default.sh
