#!/usr/bin/env bash
# Stand-in worker for bench-sweep.sh: pays fsearch's real start-up cost, "trains" for
# FSEARCH_FAKE_SECONDS seconds, and writes the run directory's result.json like a finished job.
set -euo pipefail
while [[ $# -gt 0 && $1 != "--job" ]]; do shift; done
dir=$2
[[ -n "${FSEARCH_FAKE_NO_START:-}" ]] || "$FSEARCH_BIN" --version > /dev/null
sleep "${FSEARCH_FAKE_SECONDS:-10}"
printf '{"type":"train","step":1,"loss":1.0}\n' >> "$dir/events.jsonl"
printf '{"status":"done","test_acc":0.5,"steps":1,"diverged_step":-1}\n' > "$dir/result.json.tmp"
mv "$dir/result.json.tmp" "$dir/result.json"
