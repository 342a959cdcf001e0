// The sweep's ETA on the progress line of `fsearch run`, and the work a sweep has left per proxy
// (`fsearch status`): both time a job by the jobs of its proxy and budget.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/scope.h"
#include "fsearch/search/sweep.h"

namespace fsearch::search {

// Jobs are timed by their class: the proxy and the budget they were planned with (a vit-tiny job
// of 3 epochs and a dit-b one differ tenfold; the same proxy at another budget too).
std::string timing_class(const db::JobRow& job);

// What a running job says of itself (events.jsonl): the share of its steps still to train (1 when
// not known yet), and the length of a whole job at the pace of its latest start: the seconds since
// it started over the share trained since (NaN before a step is logged, or while its events are
// those of an earlier start). The length leaves out the final evaluation (a DiT job's sampling).
struct RunningJob {
  double share_left = 1;
  double length = NAN;
};
RunningJob running_job(const db::JobRow& job, const std::string& run_dir, double now);

// Seconds until the sweep's pending and running jobs are done, on `parallelism` slots: per timing
// class, its job length x (its pending jobs + the share of each running one still to train), summed,
// over `parallelism`. A class's length is `job_seconds(job)` for a job of it when finite (jobs that
// finished under this loop, or in the database before it); otherwise it is estimated from the class's
// running jobs' own progress (events.jsonl: steps trained since their latest start, against the
// seconds since they started), which leaves out a job's final evaluation (a DiT job's sampling). NaN
// while a class with work left has neither. Only the jobs in `scope` count: those the loop trains.
double eta_seconds(db::Database& db, std::int64_t sweep, const std::function<double(const db::JobRow&)>& job_seconds,
                   double parallelism, double now, const JobScope& scope = {});

// The median wall time of the jobs in `finished` that finished training (done; not diverged or
// rejected jobs, which stop early), per timing class, each job once (a job shared by two sweeps),
// with how many timed it. The median, because a job resumed from its checkpoint reports only its
// last start's time, and a job stopped for a while (SIGSTOP, a suspended laptop) too much.
struct MedianLength {
  double seconds = NAN;
  int jobs = 0;
};
std::map<std::string, MedianLength> median_lengths(const std::vector<JobReport>& finished);

// What one proxy of a sweep has left to train: `jobs` counts pending jobs whole and running ones
// by the share of their steps still to train; `job_seconds` is the median wall time of the jobs of
// the same proxy and budget (median_lengths) over `timed` of them; before one has finished, the
// mean length of its running jobs at their pace (`observed` of them), and NaN before those have
// logged a step. Paused jobs
// (successive halving) and failed ones are not counted: whether they train on is for the strategy,
// or for --retry-failed, to decide.
struct ProxyWork {
  std::string proxy, budget;
  double jobs = 0;
  double job_seconds = NAN;
  int timed = 0, observed = 0;
  double seconds() const { return jobs * job_seconds; }  // of one job slot; NaN when not timed
};

// Per proxy of `reports` (one sweep's jobs) that has work left, in the order the proxies first
// come. The lengths come from `finished`: any sweep's jobs (a job shared by two sweeps counts once),
// so that a sweep whose own jobs have not finished is timed by another's of the same proxy and
// budget. `running(job)` says what a running job says of itself (running_job).
std::vector<ProxyWork> work_left(const std::vector<JobReport>& reports, const std::vector<JobReport>& finished,
                                 const std::function<RunningJob(const db::JobRow&)>& running);

}  // namespace fsearch::search
