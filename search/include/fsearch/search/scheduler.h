// Runs a sweep's pending jobs on local worker processes (one `fsearch train --job RUN_DIR` each),
// and is the only writer of the database while it does: it ingests events and results from the run
// directories, keeps heartbeats, retries crashed workers, and never loses a job.
//
// On start it recovers jobs left "running" by a scheduler that died: a worker still alive is asked
// to checkpoint and stop (SIGTERM), then the job is requeued and continues from its checkpoint.
// A stop request (SIGINT/SIGTERM in the CLI) stops dispatching, lets running workers checkpoint and
// exit, requeues them, and returns: the next run continues where this one stopped.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fsearch/db/database.h"

namespace fsearch::search {

struct SchedulerOptions {
  std::string binary;  // the fsearch executable that workers run
  int workers = 1;
  std::string device = "cpu";        // cpu | cuda
  std::vector<std::string> devices;  // CUDA device ids for --device cuda (default "0")
  int jobs_per_device = 1;
  int threads_per_worker = 0;  // CPU threads per worker; 0 = the available cores / workers
  double poll_seconds =
      0.05;  // how often finished workers are noticed (a poll costs no SQL when nothing changed)
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::map<db::JobState, int>&, double eta_seconds)> on_progress;
  // The search strategy (halving.h apply_strategy): called at the start and after every job that
  // finished or paused; it may requeue paused jobs. Returns how many it requeued.
  std::function<int()> decide;
};

struct SchedulerSummary {
  int started = 0, finished = 0, requeued = 0, failed = 0;
  bool interrupted = false;
};

SchedulerSummary run_scheduler(db::Database& db, std::int64_t sweep, const SchedulerOptions& options);

// Jobs left "running" by a dead scheduler: stop live workers, requeue. Returns how many.
int recover_running_jobs(db::Database& db, std::int64_t sweep);

}  // namespace fsearch::search
