#!/usr/bin/env bash
# Stand-in for `fsearch worker` in bench-sweep.sh: pays fsearch's real start-up cost once, then
# for each run directory on stdin "trains" for FSEARCH_FAKE_SECONDS seconds, writes result.json
# like a finished job and answers 0 (the protocol of search/src/worker_process.h).
set -euo pipefail
[[ -n "${FSEARCH_FAKE_NO_START:-}" ]] || "$FSEARCH_BIN" --version > /dev/null
while IFS= read -r dir; do
  sleep "${FSEARCH_FAKE_SECONDS:-10}"
  printf '{"type":"train","step":1,"loss":1.0}\n' >> "$dir/events.jsonl"
  printf '{"status":"done","test_acc":0.5,"steps":1,"diverged_step":-1}\n' > "$dir/result.json.tmp"
  mv "$dir/result.json.tmp" "$dir/result.json"
  echo 0
done
