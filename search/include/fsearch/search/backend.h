// How a sweep's jobs get run, behind one interface: worker processes on this machine (local.h) or
// Slurm job arrays (slurm.h). One loop (run_backend) drives either and owns what they share:
// handing pending jobs over, the search strategy's decisions, the database lock's heartbeat, stop
// requests, progress with its ETA, and the summary counters. A backend only knows how to start,
// watch, stop and adopt its own kind of worker; what a worker's run directory means for its job
// (result.json, events, the error line) is ingest.h, the same for both.
//
// The database is written only by the process that runs the loop: workers write their run
// directories, never the database.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/scope.h"

namespace fsearch::search {

enum class BackendKind { Local, Slurm };
inline constexpr BackendKind kBackendKinds[] = {BackendKind::Local, BackendKind::Slurm};
std::string to_string(BackendKind kind);
BackendKind parse_backend_kind(const std::string& text);  // throws ConfigError

// What the loop reports and asks; the same for every backend.
struct LoopOptions {
  const std::atomic<bool>* stop = nullptr;  // a stop request (SIGINT/SIGTERM in the CLI)
  std::function<void(const std::map<db::JobState, int>&, double eta_seconds)> on_progress;
  // The search strategy (halving.h apply_strategy): called at the start and after every poll that
  // settled a job; it may requeue paused jobs. Returns how many it requeued.
  std::function<int()> decide;
  // The jobs this loop trains (default: all); others stay pending, and progress counts only these.
  JobScope scope;
  // Dispatch by seed (dispatch_order): every cell's first seed before any cell's second, so that a
  // long sweep has a whole table of one seed early, and more seeds refine it. The grid sets it;
  // halving does not (an arm is ranked once all its seeds reach a rung).
  bool seeds_first = false;
};

// Orders pending jobs (in the database's dispatch order: promoted jobs first, then the plan's) for
// a loop with `seeds_first`: after promoted jobs, those begun before (requeued, to continue from
// their checkpoints), then by seed; the plan's order otherwise.
void dispatch_order(std::vector<db::JobRow>& pending);

struct RunSummary {
  int started = 0, finished = 0, requeued = 0, failed = 0;
  bool interrupted = false;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Before the first submission: the jobs the database has as running, left by a loop that
  // stopped or died. Follow them, or requeue them to continue from their checkpoints.
  virtual void adopt() = 0;
  // How many pending jobs it takes now (0: none until one of its jobs ends).
  virtual std::size_t capacity() const = 0;
  // Starts these pending jobs (at most capacity()) and marks them running.
  virtual void submit(const std::vector<db::JobRow>& jobs) = 0;
  // Looks at its running jobs: heartbeats and new curve points, and settles each one that ended
  // (done, diverged, requeued, failed). Returns how many it settled.
  virtual int poll() = 0;
  // A stop request. Local workers checkpoint and exit, and their jobs are requeued as they end;
  // Slurm jobs keep running for the next loop to adopt.
  virtual void cancel() = 0;
  // True while it has jobs to watch: the loop ends when it has none and nothing is pending.
  virtual bool following() const = 0;
  // Jobs that run at once (for the ETA) and the pause between polls.
  virtual double parallelism() const = 0;
  virtual double poll_seconds() const = 0;
  // Waits up to `seconds` between polls. A backend that can tell when news arrives (a worker's
  // answer) returns true as soon as it does; the default sleeps and returns false.
  virtual bool wait(double seconds);
  // A line on what the backend did beyond the summary's counts ("" when there is nothing to say).
  virtual std::string report() const { return ""; }

  const RunSummary& summary() const { return summary_; }
  // Seconds a whole job of `job`'s timing class (its proxy and budget, eta.h) takes. From the jobs
  // of the class that finished under this loop: their seconds over the share of a job each trained
  // here (a job resumed from a checkpoint at half way counts half; one that diverged early counts
  // whole: divergence is how such jobs end). Until half a job's worth of the class has finished
  // here (a resumed job's last few steps and its evaluation say little), the median wall time of
  // the class's finished jobs in the database, any sweep's, as it was at the first call. NaN when
  // neither is known.
  double job_seconds(const db::JobRow& job) const;

 protected:
  Backend(db::Database& db, std::int64_t sweep) : db_(db), sweep_(sweep) {}
  // A job whose worker ended: its run directory decides (ingest.h). Counts it as finished, with
  // the seconds since `started_at`, and returns true when it had a result.
  bool settle_result(const db::JobRow& job, double started_at);

  db::Database& db_;
  std::int64_t sweep_;
  RunSummary summary_;

 private:
  struct Finished {
    double seconds = 0, work = 0;  // work in whole jobs
  };
  std::map<std::string, Finished> finished_;  // per timing class
  mutable std::optional<std::map<std::string, double>> history_;  // timing class -> median seconds
};

// Runs the sweep's pending jobs on `backend` until none is pending or running (or a stop request
// was handled). The caller holds the database lock (Database::acquire_lock, this process on
// this_machine()); the loop refreshes its heartbeat every 10 s and throws StorageError, before it
// writes anything more, once the lock is another run's.
RunSummary run_backend(db::Database& db, std::int64_t sweep, Backend& backend, const LoopOptions& options);

}  // namespace fsearch::search
