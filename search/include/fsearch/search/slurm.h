// The Slurm backend (backend.h): the same sweep, with Slurm starting and placing the workers.
//
// Pending jobs go out as job arrays (throttled with %N): task i runs `fsearch train --job RUN_DIR`
// for line i of a job list written beside the batch script. The script is constant text; every
// value (binary, list file, threads) reaches it as an argument and every sbatch option as its own
// argv entry, so no user-given name or path is ever parsed by a shell.
//
// The loop stays the only writer of the database (compute nodes only write their run
// directories). The backend polls squeue (and scontrol for tasks that left the queue) every few seconds,
// maps Slurm states onto job states, and decides a job's outcome from its run directory first:
// result.json means done or diverged, whatever Slurm says. Before its time limit a task gets
// SIGUSR1 (sbatch --signal), the trainer checkpoints and exits 75, and the job is resubmitted and
// continues; timeouts and preemptions are counted apart from failures. OUT_OF_MEMORY, DEADLINE and
// cancellations are not retried; other failures are, up to the job's max attempts.
//
// A scheduler that stops or is killed leaves its Slurm jobs running. The next one adopts the jobs
// the database says are on Slurm (by their Slurm ids, or by the array's unique name if it died
// between recording a submission and sbatch answering) and submits only what is missing.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/backend.h"

namespace fsearch::search {

struct SlurmOptions {
  std::string binary;                    // the fsearch executable the tasks run (on the shared filesystem)
  std::string partition, gres, time;     // sbatch --partition, --gres, --time (empty: Slurm's default)
  int max_parallel = 0;                  // array throttle %N; 0 = none
  std::vector<std::string> sbatch_args;  // extra sbatch options, each passed as one argument
  int threads = 0;                       // --threads per task; 0 = the task's CPUs (SLURM_CPUS_PER_TASK)
  std::string device;                    // --device for the tasks (e.g. cuda); empty = job.json's
  int signal_seconds = 60;               // SIGUSR1 this long before the time limit: checkpoint and exit
  int max_timeouts = 10;                 // a job that reaches the time limit this often fails
  double poll_seconds = 5;               // squeue / scontrol polling interval
  int max_array = 1000;                  // tasks per submitted array
  std::string work_dir;                  // scripts, job lists and Slurm logs (default: <runs>/<sweep>/slurm)
};

// What a Slurm job state means for the job.
enum class SlurmOutcome {
  Waiting,    // PENDING, CONFIGURING, REQUEUED, SUSPENDED, ...: still Slurm's
  Running,    // RUNNING, COMPLETING
  Ended,      // COMPLETED: the run directory decides
  Timeout,    // TIMEOUT: resubmit, continue from the checkpoint
  Preempted,  // PREEMPTED: resubmit unless Slurm requeues it
  Failed,     // FAILED, NODE_FAIL, BOOT_FAIL: retried up to max attempts
  Fatal,      // OUT_OF_MEMORY, DEADLINE: not retried
  Cancelled,  // CANCELLED: not retried
  Unknown,
};
SlurmOutcome classify_slurm_state(const std::string& state);  // "CANCELLED by 0" -> Cancelled

// The batch script (constant). Arguments: fsearch binary, job list file, threads, device.
const std::string& slurm_batch_script();

// sbatch's argv (without "sbatch") for an array of `count` tasks named `name`.
std::vector<std::string> sbatch_arguments(const SlurmOptions& options, const std::string& name,
                                          const std::string& script, const std::string& job_list, int count);

// A stop request makes it stop following: the Slurm jobs keep running, and the next loop adopts
// them. Its report() counts arrays, adoptions, time limits, preemptions, cancellations and polls.
std::unique_ptr<Backend> make_slurm_backend(db::Database& db, std::int64_t sweep, const SlurmOptions& options,
                                            std::function<void(const std::string&)> say = nullptr);

// scancel every Slurm job of the sweep that the database has on Slurm; returns the ids cancelled.
// The scheduler (running now or the next time) records them as cancelled.
std::vector<std::string> cancel_slurm_jobs(db::Database& db, std::int64_t sweep);

}  // namespace fsearch::search
