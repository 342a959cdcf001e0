#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, run the unit, integration and Slurm tests
# (the Slurm tests start and stop a one-node Slurm on this machine; they need root).
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit.
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd "${FSEARCH_BUILD_DIR:-build}"
if [[ $# -gt 0 ]]; then
  exec ctest --output-on-failure "$@"
fi
exec ctest --output-on-failure -L 'unit|integration|slurm'
exit
}
