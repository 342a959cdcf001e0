// A whole sweep, as `fsearch run` does it: take the database lock, expand and screen the space,
// record candidates, plan jobs, run them, release the lock. Running it again continues the sweep.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fsearch/core/defaults.h"
#include "fsearch/db/database.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/search/backend.h"
#include "fsearch/search/local.h"
#include "fsearch/search/slurm.h"

namespace fsearch::search {

struct SweepOptions {
  std::string db_path = kDefaultDatabase;
  std::string runs_root;  // default: <db folder>/runs
  std::string budget;     // overrides the space's budget when set
  std::vector<std::int64_t> seeds;  // override the space's seeds when not empty
  double max_candidates = 100000;   // a space that would make more is refused before expansion
  bool plan_only = false;
  bool retry_failed = false;  // failed jobs run again (fresh attempts), from their checkpoints
  // Rejected jobs (early rejection) train on to the end from their checkpoints, rejection off;
  // grid sweeps only (a halving or evolution sweep has already decided on their scores).
  bool retry_rejected = false;
  // Finished jobs of the plan that these builds trained (result.json's git_commit: a commit, or one
  // with "-dirty") train again from the start, their results kept in replaced_results
  // (search/retrain.h). Grid sweeps only. Each must match a finished job of the sweep.
  std::vector<std::string> retrain_builds;
  // The sweep's jobs this plan does not list and that never started leave the sweep (and the
  // database, with their run directories, when no other sweep has them): after the space was
  // narrowed, so that the loop does not train cells the space dropped. Grid sweeps only.
  bool drop_unplanned = false;
  // Called before anything of the run is recorded, with the database and the specs of the plan's
  // jobs that the run may train (new, unfinished, queued again); throws ConfigError to refuse the
  // run. `fsearch run` checks there that FIDs keep to the database's extractor (trainers/fid_pin.h),
  // which may train the extractor first: minutes in which it calls `keep_lock` now and then, the
  // heartbeat that keeps the run's database lock from looking dead to runs on other machines
  // (throws StorageError when the lock was taken over all the same).
  std::function<void(db::Database&, const std::vector<jobs::JobSpec>&, const std::function<void()>& keep_lock)>
      check_plan;
  BackendKind backend = BackendKind::Local;     // worker processes here | Slurm job arrays
  LocalOptions local;                           // local backend
  SlurmOptions slurm;                           // slurm backend (work_dir defaults to <runs>/<sweep>/slurm)
  // loop.scope: train only the jobs of some proxies and/or seeds (search/scope.h); the plan still
  // records every job, and the others stay pending for a run without the filter. Grid sweeps only.
  LoopOptions loop;                             // stop request, progress, scope, for either backend
  std::function<void(const std::string&)> say;  // progress messages (one line each)
};

struct SweepOutcome {
  std::int64_t sweep = 0;
  std::string name;
  int generated = 0, kept = 0, rejected = 0, duplicates = 0;
  int jobs_total = 0, jobs_new = 0;
  int promoted = 0;  // paused jobs the strategy continued (successive halving)
  RunSummary run;
  std::string backend_report;  // what the backend did beyond the counts (Slurm: arrays, polls, ...)
};

// Throws ConfigError for a bad space, StorageError when another live `fsearch run` holds the database.
SweepOutcome run_sweep(const std::string& space_file, const SweepOptions& options);

// One row per job of a sweep, with its candidate, result and furthest rung, best first (for status,
// export, ranking): finished jobs by their metric, then paused jobs by rung and score, then jobs
// that diverged or were rejected, then the rest.
struct JobReport {
  db::JobRow job;
  std::optional<db::ResultRow> result;
  std::optional<db::CandidateRow> candidate;
  std::optional<db::RungRow> rung;  // the furthest successive-halving rung it reached, if any
};
std::vector<JobReport> job_reports(db::Database& db, std::int64_t sweep);

// Every sweep's job_reports by sweep id (a job shared by two sweeps is in both), and those rows in
// one list: the history that times a job by the finished jobs of its proxy and budget (median_lengths).
std::map<std::int64_t, std::vector<JobReport>> job_reports_by_sweep(db::Database& db);
std::vector<JobReport> flattened(const std::map<std::int64_t, std::vector<JobReport>>& by_sweep);

}  // namespace fsearch::search
