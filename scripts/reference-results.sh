#!/usr/bin/env bash
# Regenerates the reference results shipped in docs/results/: the paper's tables on the proxies as
# configured, with three seeds, into docs/results/reference.db; after every table (and when
# interrupted) the report (markdown, figures, fidelity), a CSV export and the provenance of all the
# database holds. It resumes: run it again, on any machine, and it continues where the database
# stands (commit the database as it grows: scripts/snapshot-results.sh).
#   TABLES="5 4"  which tables, in order (default: the ViT tables, then those with DiT columns)
#   PASSES="vit-tiny vit-small dit-b:0 dit-b"  the passes before the last, each over every table in
#                 turn: the jobs of some proxies (comma-separated), with ":SEEDS" only those seeds'
#                 (dit-b:0: one seed of every DiT-B cell of every table before any gets its second);
#                 a last pass trains everything left (here DiT-L: weeks on 2 cores). The default puts
#                 the cheap columns first, then every DiT-B cell's first seed, its spread, then
#                 DiT-L. PASSES= : one pass. FIRST=P, the older name, is PASSES=P.
#   SEEDS=0,1,2   BUDGET=default|quick|smoke   WORKERS=N (default: one per core)
#   FSEARCH_BIN=path  the fsearch to run (default: build/tools/fsearch); one built from a tree with
#   uncommitted changes ("-dirty" in its --version) is refused: its jobs could not be traced to a
#   commit (FSEARCH_ALLOW_DIRTY=1 runs it anyway, for a trial, not for the shipped results)
set -euo pipefail
# One block, read whole before it runs: a `git pull` or an edit of this file while it runs cannot
# make bash read the rest of it from the new text.
{
cd "$(dirname "$0")/.."
fsearch=${FSEARCH_BIN:-build/tools/fsearch}
if "$fsearch" --version | head -1 | grep -q -- '-dirty' && [[ -z "${FSEARCH_ALLOW_DIRTY:-}" ]]; then
  echo "reference-results: $fsearch was built from uncommitted changes ($("$fsearch" --version | head -1));" \
    "commit them and rebuild, or set FSEARCH_ALLOW_DIRTY=1 for a trial run" >&2
  exit 2
fi
# FIDs compare only within one feature extractor, and each machine would train its own: score with
# the one kept beside the results (README, "FID").
export FSEARCH_CACHE_DIR=${FSEARCH_CACHE_DIR:-$PWD/docs/results/fid-cache}
db=docs/results/reference.db
out=docs/results/reference
tables=${TABLES:-"5 4 3 2 1 6 15 7 14 16 13"}
seeds=${SEEDS:-0,1,2}
budget=${BUDGET:-default}
workers=()
[[ -n "${WORKERS:-}" ]] && workers=(--workers "$WORKERS")

passes=${PASSES-${FIRST-vit-tiny vit-small dit-b:0 dit-b}}

# The builds with uncommitted changes that trained finished jobs of Table $1 (comma-separated; empty
# without sqlite3, or when this run's own build is such a trial build): those jobs train again on
# this clean build, their old results kept in the database (fsearch run --retrain-build).
dirty_builds_of() {
  [[ -f $db && -z "${FSEARCH_ALLOW_DIRTY:-}" ]] && command -v sqlite3 > /dev/null || return 0
  sqlite3 -readonly "$db" "SELECT DISTINCT json_extract(r.result, '\$.git_commit') FROM results r
    JOIN jobs j ON j.key = r.job_key JOIN sweep_jobs sj ON sj.job_key = r.job_key
    JOIN sweeps s ON s.id = sj.sweep_id WHERE s.name = 'table$1'
    AND j.state IN ('done', 'diverged', 'rejected') AND json_extract(r.result, '\$.git_commit') LIKE '%-dirty'" |
    paste -sd,
}

# Runs one table's sweep; extra arguments go to `fsearch run`.
run_table() {
  local t=$1 code=0 dirty
  shift
  dirty=$(dirty_builds_of "$t")
  echo "== Table $t${*:+ ($*)}${dirty:+ (retraining the jobs of $dirty)} ($(date -u +%H:%M))"
  # Failed jobs (a lost worker, a machine that went away: never a result) get fresh attempts on
  # every run of this script; diverged and rejected jobs are results and stay. The table as
  # configured is the plan: jobs of cells it no longer has that never started leave its sweep.
  "$fsearch" run --space "configs/tables/table$t.yaml" --db "$db" --runs results/reference-runs \
    --seeds "$seeds" --budget "$budget" "${workers[@]}" ${dirty:+--retrain-build "$dirty"} --retry-failed \
    --drop-unplanned "$@" ||
    code=$?
  # The report follows every table, so that a run stopped in the middle (Ctrl-C: the jobs
  # checkpoint, fsearch exits 75) leaves the report, export and provenance of what it has.
  case $code in
    0) write_report ;;
    3) echo "Table $t: some jobs failed (fsearch status --db $db); going on"; write_report ;;
    75) echo "Table $t interrupted: writing the report of what is done; run this script again to continue"
      write_report
      exit 75 ;;
    *) exit "$code" ;;
  esac
}

# The table's proxies that are among $2 (comma-separated), comma-separated; empty when none is. The
# table names a shipped proxy (vit-tiny) or its file (../proxies/vit-tiny.yaml, whose model.name is
# vit-tiny): either gives NAME.
proxies_of() {
  grep -m1 '^proxies:' "configs/tables/table$1.yaml" | sed 's/^proxies:[[:space:]]*\[//; s/\].*$//' |
    tr ',' '\n' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s|.*/||; s|\.yaml$||' |
    grep -x -F -f <(tr ',' '\n' <<< "$2") | paste -sd, || true
}

# The seeds of $1 (comma-separated) that this run has (SEEDS), comma-separated; empty when none is.
seeds_of() {
  tr ',' '\n' <<< "$1" | grep -x -F -f <(tr ',' '\n' <<< "$seeds") | paste -sd, || true
}

write_report() {
  # The report covers every table the database has run, not only those of this call (TABLES="1"
  # continues one table; its index must still list the others).
  list=$("$fsearch" status --db "$db" --json | grep -o '"sweep": *"table[0-9]*"' | grep -o '[0-9]*' | sort -n | paste -sd,)
  "$fsearch" report --db "$db" --out "$out" --tables "$list"
  # Each file is written whole, then moved into place: a second Ctrl-C leaves the old one.
  "$fsearch" export --db "$db" --format csv > docs/results/reference.csv.tmp
  mv docs/results/reference.csv.tmp docs/results/reference.csv
  {
    echo "# Provenance of the reference results"
    echo
    echo "- made by: scripts/reference-results.sh (its latest call: TABLES=\"$tables\" PASSES=\"$passes\" SEEDS=$seeds BUDGET=$budget)"
    echo "- fsearch: $("$fsearch" --version | head -1)"
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet -- . ':(exclude)docs' || echo -dirty)"
    echo "- this call's machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GB", $2/1e6}' /proc/meminfo)"
    echo "- date: $(date -u +%Y-%m-%d)"
    # Each job records the build that trained it; a table may span builds (the run resumes).
    if command -v sqlite3 >/dev/null; then
      # Tables share jobs (erf's cell of Tables 1, 3 and 5 is one job): count each job once.
      echo "- jobs (each counted once, however many tables share it):" \
        "$(sqlite3 "$db" "SELECT count(*) || ' ' || state FROM jobs GROUP BY state ORDER BY state" | paste -sd, | sed 's/,/, /g')"
      echo "- builds that trained the jobs (commit: jobs):" \
        "$(sqlite3 "$db" "SELECT json_extract(result, '\$.git_commit') || ': ' || count(*) FROM results GROUP BY json_extract(result, '\$.git_commit') ORDER BY min(rowid)" | paste -sd, | sed 's/,/, /g')"
      # Jobs record their CPU from 2026-12-06 on (result.json's cpu); the run may span machines.
      echo "- machines that trained the jobs (CPU: jobs):" \
        "$(sqlite3 "$db" "SELECT cpu || ': ' || count(*) FROM (SELECT rowid, coalesce(nullif(json_extract(result,
          '\$.cpu'), ''), 'not recorded') AS cpu FROM results) GROUP BY cpu ORDER BY min(rowid)" | paste -sd, | sed 's/,/, /g')"
      replaced=$(sqlite3 "$db" "SELECT json_extract(result, '\$.git_commit') || ': ' || count(*) FROM replaced_results
        GROUP BY json_extract(result, '\$.git_commit') ORDER BY min(rowid)" | paste -sd, | sed 's/,/, /g')
      [[ -z $replaced ]] ||
        echo "- results replaced by training their jobs again on a clean build (build: results), kept in the table replaced_results: $replaced"
    else
      echo "- jobs: $("$fsearch" status --db "$db" --json | grep -o '"done": [0-9]*' | awk '{s+=$2} END {print s+0}') done" \
        "(summed over the tables: a job two tables share counts twice; install sqlite3 for exact counts)"
    fi
  } > "$out/PROVENANCE.md.tmp"
  mv "$out/PROVENANCE.md.tmp" "$out/PROVENANCE.md"
}

# The passes of PASSES, each over every table; then the last pass, everything left.
n=0
for pass in $passes; do
  n=$((n + 1))
  only=()
  if [[ $pass == *:* ]]; then
    pass_seeds=$(seeds_of "${pass#*:}")
    if [[ -z $pass_seeds ]]; then
      echo "pass $n ($pass): none of its seeds is in SEEDS=$seeds; skipped"
      continue
    fi
    only=(--only-seeds "$pass_seeds")
  fi
  for t in $tables; do
    mine=$(proxies_of "$t" "${pass%%:*}")
    if [[ -n $mine ]]; then run_table "$t" --proxies "$mine" "${only[@]}"; fi
  done
  echo "pass $n ($pass) complete; the jobs left follow"
done
for t in $tables; do run_table "$t"; done
echo "reference results in $out (index.md); commit them with: bash scripts/snapshot-results.sh && git add $out docs/results/reference.csv"
exit
}
