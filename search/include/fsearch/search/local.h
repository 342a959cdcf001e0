// The local backend (backend.h): one worker process per job on this machine, `fsearch train --job
// RUN_DIR`, each in a slot of its own (a CPU share or a CUDA device). A crashed worker's job is
// retried; a stop request asks every worker to checkpoint and exit (75), and its job is requeued:
// the next run continues where this one stopped.
//
// Workers do not outlive the loop that watches them. Jobs that a dead loop left "running" are
// recovered when the next one starts: a worker still alive is asked to checkpoint and stop
// (SIGTERM), then the job is requeued and continues from its checkpoint.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fsearch/search/backend.h"

namespace fsearch::search {

struct LocalOptions {
  std::string binary;  // the fsearch executable that workers run
  int workers = 1;
  std::string device = "cpu";        // cpu | cuda
  std::vector<std::string> devices;  // CUDA device ids for --device cuda (default "0")
  int jobs_per_device = 1;
  int threads_per_worker = 0;  // CPU threads per worker; 0 = the available cores / workers
  double poll_seconds =
      0.05;  // how often finished workers are noticed (a poll costs no SQL when nothing changed)
};

std::unique_ptr<Backend> make_local_backend(db::Database& db, std::int64_t sweep, const LocalOptions& options,
                                            std::function<void(const std::string&)> say = nullptr);

// Jobs left "running" on this machine by a dead loop (no Slurm id): stop live workers, requeue.
// Returns how many.
int recover_running_jobs(db::Database& db, std::int64_t sweep);

}  // namespace fsearch::search
