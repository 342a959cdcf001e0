#include "fsearch/search/scheduler.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/trainers/run_dir.h"
#include "ingest.h"

namespace fsearch::search {
namespace {

using detail::ingest_result;
using detail::read_events;
using detail::tail_of;

namespace bp = boost::process;
namespace fs = std::filesystem;

// True if pid is a live `fsearch train` of this run directory (not a recycled pid).
bool is_worker_of(std::int64_t pid, const std::string& run_dir) {
  if (!process_alive(pid)) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(run_dir) != std::string::npos && cmdline.find("train") != std::string::npos;
}

struct Active {
  db::JobRow job;
  std::unique_ptr<bp::child> child;
  fs::path log;
  std::uintmax_t events_offset = 0;
  double started = 0, last_heartbeat = 0;
  int slot = 0;
};

}  // namespace

int recover_running_jobs(db::Database& db, std::int64_t sweep) {
  int recovered = 0;
  for (const auto& job : db.jobs(sweep, db::JobState::Running)) {
    if (!job.slurm_id.empty()) continue;  // on Slurm: the Slurm backend adopts it
    if (is_worker_of(job.worker_pid, job.run_dir)) {
      // A worker of a scheduler that died: ask it to checkpoint and stop, then continue the job here.
      ::kill(static_cast<pid_t>(job.worker_pid), SIGTERM);
      for (int i = 0; i < 600 && process_alive(job.worker_pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (process_alive(job.worker_pid)) ::kill(static_cast<pid_t>(job.worker_pid), SIGKILL);
    }
    if (!ingest_result(db, job)) db.requeue(job.key, "its scheduler stopped; continuing from the checkpoint");
    ++recovered;
  }
  return recovered;
}

SchedulerSummary run_scheduler(db::Database& db, std::int64_t sweep, const SchedulerOptions& options) {
  SchedulerSummary summary;
  const int workers = std::max(1, options.workers);
  const int threads =
      options.threads_per_worker > 0 ? options.threads_per_worker : std::max(1, available_cores() / workers);
  std::vector<std::string> devices =
      options.devices.empty() ? std::vector<std::string>{"0"} : options.devices;
  std::vector<Active> active;
  std::vector<bool> slot_busy(workers, false);
  double finished_seconds = 0;
  int finished_count = 0;
  double last_progress = 0;

  auto progress = [&](bool force) {
    if (!options.on_progress || (!force && unix_now() - last_progress < 1.0)) return;
    last_progress = unix_now();
    auto counts = db.job_counts(sweep);
    double eta = NAN;
    if (finished_count > 0) {
      int remaining = counts[db::JobState::Pending] + counts[db::JobState::Running];
      eta = finished_seconds / finished_count * remaining / workers;
    }
    options.on_progress(counts, eta);
  };

  auto start_job = [&](const db::JobRow& job, int slot) {
    fs::create_directories(job.run_dir);
    Active a;
    a.job = job;
    a.slot = slot;
    a.log = fs::path(job.run_dir) / "worker.log";
    auto env = boost::this_process::environment();
    env["OMP_WAIT_POLICY"] = "PASSIVE";  // see trainers/runtime.h
    std::vector<std::string> args = {"--threads", std::to_string(threads), "train", "--job", job.run_dir,
                                     "--quiet"};
    if (options.device != "cpu") {
      env["CUDA_VISIBLE_DEVICES"] =
          devices[static_cast<std::size_t>(slot / std::max(1, options.jobs_per_device)) % devices.size()];
      args.insert(args.end(), {"--device", "cuda"});
    }
    a.child = std::make_unique<bp::child>(bp::exe = options.binary, bp::args = args,
                                          (bp::std_out & bp::std_err) > a.log.string(), env);
    a.started = a.last_heartbeat = unix_now();
    db.mark_running(job.key, a.child->id(), a.started);
    slot_busy[slot] = true;
    ++summary.started;
    active.push_back(std::move(a));
  };

  auto finish = [&](Active& a) {
    a.child->wait();
    const int code = a.child->exit_code();
    db.add_curve(read_events(a.job.key, trainers::RunDir{a.job.run_dir}.events(), a.events_offset));
    if (ingest_result(db, a.job)) {
      ++summary.finished;
      finished_seconds += unix_now() - a.started;
      ++finished_count;
    } else if (code == 75) {
      db.requeue(a.job.key, "interrupted; continues from its checkpoint");
      ++summary.requeued;
    } else {
      std::string error = "worker exited with code " + std::to_string(code);
      if (auto line = detail::error_line(a.log); !line.empty()) error += ": " + line;
      if (!db.record_failure(a.job.key, error, tail_of(a.log), unix_now())) ++summary.failed;
    }
    slot_busy[a.slot] = false;
  };

  auto decide = [&] {
    if (options.decide) options.decide();
  };
  decide();  // a resumed sweep may have paused jobs to promote
  progress(true);
  double lock_refreshed_at = 0;
  for (;;) {
    if (unix_now() - lock_refreshed_at >= 10) db.refresh_lock(::getpid(), lock_refreshed_at = unix_now());  // live to other hosts
    const bool stopping = options.stop && options.stop->load();
    if (stopping && !summary.interrupted) {
      summary.interrupted = true;
      for (auto& a : active) ::kill(a.child->id(), SIGTERM);  // checkpoint and exit 75
    }
    const bool slot_free = std::find(slot_busy.begin(), slot_busy.end(), false) != slot_busy.end();
    if (!stopping && slot_free) {
      auto pending = db.jobs(sweep, db::JobState::Pending);
      std::size_t next = 0;
      for (int slot = 0; slot < workers && next < pending.size(); ++slot) {
        if (!slot_busy[slot]) start_job(pending[next++], slot);
      }
    }
    bool finished_any = false;
    for (auto it = active.begin(); it != active.end();) {
      if (!it->child->running()) {
        finish(*it);
        it = active.erase(it);
        finished_any = true;
        continue;
      }
      if (unix_now() - it->last_heartbeat > 2.0) {
        db.add_curve(read_events(it->job.key, trainers::RunDir{it->job.run_dir}.events(), it->events_offset));
        db.heartbeat(it->job.key, unix_now());
        it->last_heartbeat = unix_now();
      }
      ++it;
    }
    if (finished_any && !stopping) decide();
    progress(false);
    // Done when nothing runs and nothing waits (a paused job waits for a promotion that no
    // running job can bring any more: it stays paused); a job that failed just now may be pending again
    // (attempts left), so ask the database rather than the list read before the workers finished.
    if (active.empty() && (stopping || db.job_counts(sweep)[db::JobState::Pending] == 0)) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_seconds));
  }
  progress(true);
  return summary;
}

}  // namespace fsearch::search
