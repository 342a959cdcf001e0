#!/usr/bin/env bash
# Stages a consistent snapshot of every database under docs/results/ (and one folder below it, e.g.
# docs/results/bench-halving/) for the next commit, while
# sweeps may still be writing to them: SQLite's online backup copies each database (WAL included)
# to a temporary file, whose content is staged under the database's own path. The live file is
# not touched. Then commit what it staged, naming no paths:  git commit -m "Results: ..."
# (`git commit ... docs/results` would commit the live files instead, without their write-ahead logs).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { echo "snapshot-results: needs sqlite3 (bash scripts/setup.sh installs it)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
for db in docs/results/*.db docs/results/*/*.db; do
  sqlite3 "$db" ".backup '$tmp/snapshot.db'"
  sqlite3 "$tmp/snapshot.db" "PRAGMA journal_mode=DELETE;" >/dev/null  # a file that stands alone
  # The same rows as the committed file (a copy differs in its header's change counter only):
  # nothing to stage.
  if git cat-file -e "HEAD:$db" 2>/dev/null; then
    git show "HEAD:$db" > "$tmp/committed.db"
    if [[ "$(sqlite3 "$tmp/snapshot.db" .dump | md5sum)" == "$(sqlite3 "$tmp/committed.db" .dump | md5sum)" ]]; then
      echo "unchanged $db"
      rm -f "$tmp/snapshot.db" "$tmp/committed.db"
      continue
    fi
    rm -f "$tmp/committed.db"
  fi
  blob=$(git hash-object -w "$tmp/snapshot.db")
  git update-index --add --cacheinfo "100644,$blob,$db"
  echo "staged $db ($(stat -c %s "$tmp/snapshot.db") bytes, $(sqlite3 "$tmp/snapshot.db" "select count(*) from results") results)"
  rm -f "$tmp/snapshot.db"
done
