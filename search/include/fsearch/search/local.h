// The local backend (backend.h): worker processes on this machine, one per slot (a CPU share or a
// CUDA device). A slot's worker is `fsearch worker`, or a fork of the scheduler that serves the
// same way (LocalOptions::serve); it loads LibTorch at most once and trains the jobs it is handed
// one after another (src/worker_process.h), each as `fsearch train --job RUN_DIR` would. A worker
// that crashed fails its job (retried while attempts remain) and its slot starts a new one; a stop
// request asks every busy worker to checkpoint and exit (75), and its job is requeued: the next
// run continues where this one stopped.
//
// A worker ends with its input, when the loop that watches it ends or dies (a killed loop's busy
// workers finish their job first). Jobs that a dead loop left "running" are recovered when the
// next one starts: a worker still training one (it holds the run directory's lock,
// jobs/run_lock.h) is asked to checkpoint and stop (SIGTERM), then the job is requeued and
// continues from its checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fsearch/search/backend.h"

namespace fsearch::search {

struct LocalOptions {
  std::string binary;  // the fsearch executable that workers run
  // How a CPU worker slot with one thread starts when this is set: a fork of the scheduler that
  // calls it with the sweep's run folder and the thread count, and serves jobs on its stdin and
  // stdout exactly as `binary worker --runs DIR` does (search/src/worker_process.h). A fork shares
  // the LibTorch the scheduler has already loaded, where a new process would load it again (about
  // half a second of CPU each). Slots with more threads or a GPU, and every slot when this is
  // empty, run `binary`: their OpenMP must start with OMP_WAIT_POLICY=PASSIVE, which only a new
  // process reads.
  std::function<int(const std::string& runs_dir, int threads)> serve;
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
