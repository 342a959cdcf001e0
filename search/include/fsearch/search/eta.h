// The sweep's ETA on the progress line of `fsearch run`, and the work a sweep has left per proxy
// (`fsearch status`).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/scope.h"
#include "fsearch/search/sweep.h"

namespace fsearch::search {

// Seconds until the sweep's pending and running jobs are done, on `parallelism` slots:
// job length x (pending jobs + the share of each running job still to train) / parallelism.
// The job length is `mean_job_seconds` (jobs finished under this loop) when finite; before the
// first job finishes it is estimated from the running jobs' own progress (events.jsonl: steps
// trained since their latest start, against the seconds since they started), which leaves out a
// job's final evaluation (a DiT job's sampling). NaN when neither is known yet. Only the jobs in
// `scope` count: those the loop trains.
double eta_seconds(db::Database& db, std::int64_t sweep, double mean_job_seconds, double parallelism, double now,
                   const JobScope& scope = {});

// What one proxy of a sweep has left to train: `jobs` counts pending jobs whole and running ones
// by the share of their steps still to train; `job_seconds` is the median wall time of the jobs of
// the same proxy and budget that finished training (done; not diverged or rejected jobs, which
// stop early), NaN before one has, over `timed` of them. The median, because a job resumed from
// its checkpoint reports only its last start's time, and a job stopped for a while (SIGSTOP, a
// suspended laptop) too much. Paused jobs (successive halving) and failed ones are not counted:
// whether they train on is for the strategy, or for --retry-failed, to decide.
struct ProxyWork {
  std::string proxy, budget;
  double jobs = 0;
  double job_seconds = NAN;
  int timed = 0;
  double seconds() const { return jobs * job_seconds; }  // of one job slot; NaN when not timed
};

// Per proxy of `reports` (one sweep's jobs) that has work left, in the order the proxies first
// come. The lengths come from `finished`: any sweep's jobs (a job shared by two sweeps counts once),
// so that a sweep whose own jobs have not finished is timed by another's of the same proxy and
// budget. `running_share(job)` is the share of a running job still to train (1 when not known).
std::vector<ProxyWork> work_left(const std::vector<JobReport>& reports, const std::vector<JobReport>& finished,
                                 const std::function<double(const db::JobRow&)>& running_share);

}  // namespace fsearch::search
