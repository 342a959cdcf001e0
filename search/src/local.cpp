#include "fsearch/search/local.h"

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
#include "fsearch/jobs/run_dir.h"
#include "fsearch/jobs/run_lock.h"
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
    // A worker of a scheduler that died: ask it to checkpoint and stop, then continue the job here.
    // It holds its run directory's lock once it trains; just started, it may not hold it yet.
    if (!jobs::stop_run_lock_holder(job.run_dir) && is_worker_of(job.worker_pid, job.run_dir)) {
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

namespace {

class LocalBackend final : public Backend {
 public:
  LocalBackend(db::Database& db, std::int64_t sweep, const LocalOptions& options,
               std::function<void(const std::string&)> say)
      : Backend(db, sweep),
        options_(options),
        workers_(std::max(1, options.workers)),
        threads_(options.threads_per_worker > 0 ? options.threads_per_worker
                                                : std::max(1, available_cores() / workers_)),
        devices_(options.devices.empty() ? std::vector<std::string>{"0"} : options.devices),
        slot_busy_(static_cast<std::size_t>(workers_), false),
        say_(std::move(say)) {}

  void adopt() override {
    if (int n = recover_running_jobs(db_, sweep_); n > 0 && say_)
      say_(std::to_string(n) + " job(s) left running by a stopped scheduler: continuing them");
  }
  std::size_t capacity() const override {
    return static_cast<std::size_t>(std::count(slot_busy_.begin(), slot_busy_.end(), false));
  }
  void submit(const std::vector<db::JobRow>& jobs) override {
    std::size_t next = 0;
    for (int slot = 0; slot < workers_ && next < jobs.size(); ++slot) {
      if (!slot_busy_[static_cast<std::size_t>(slot)]) start(jobs[next++], slot);
    }
  }
  int poll() override;
  void cancel() override {
    for (auto& a : active_) ::kill(a.child->id(), SIGTERM);  // checkpoint and exit 75
  }
  bool following() const override { return !active_.empty(); }
  double parallelism() const override { return workers_; }
  double poll_seconds() const override { return options_.poll_seconds; }

 private:
  void start(const db::JobRow& job, int slot);
  void finish(Active& a);

  LocalOptions options_;
  int workers_, threads_;
  std::vector<std::string> devices_;
  std::vector<Active> active_;
  std::vector<bool> slot_busy_;
  std::function<void(const std::string&)> say_;
};

void LocalBackend::start(const db::JobRow& job, int slot) {
  fs::create_directories(job.run_dir);
  Active a;
  a.job = job;
  a.slot = slot;
  a.log = fs::path(job.run_dir) / "worker.log";
  auto env = boost::this_process::environment();
  env["OMP_WAIT_POLICY"] = "PASSIVE";  // see trainers/runtime.h
  std::vector<std::string> args = {"--threads", std::to_string(threads_), "train", "--job", job.run_dir, "--quiet"};
  if (options_.device != "cpu") {
    env["CUDA_VISIBLE_DEVICES"] =
        devices_[static_cast<std::size_t>(slot / std::max(1, options_.jobs_per_device)) % devices_.size()];
    args.insert(args.end(), {"--device", "cuda"});
  }
  a.child = std::make_unique<bp::child>(bp::exe = options_.binary, bp::args = args,
                                        (bp::std_out & bp::std_err) > a.log.string(), env);
  a.started = a.last_heartbeat = unix_now();
  db_.mark_running(job.key, a.child->id(), a.started);
  slot_busy_[static_cast<std::size_t>(slot)] = true;
  ++summary_.started;
  active_.push_back(std::move(a));
}

void LocalBackend::finish(Active& a) {
  a.child->wait();
  const int code = a.child->exit_code();
  db_.add_curve(read_events(a.job.key, jobs::RunDir{a.job.run_dir}.events(), a.events_offset));
  slot_busy_[static_cast<std::size_t>(a.slot)] = false;
  if (settle_result(a.job, a.started)) return;
  if (code == 75) {
    db_.requeue(a.job.key, "interrupted; continues from its checkpoint");
    ++summary_.requeued;
  } else {
    std::string error = "worker exited with code " + std::to_string(code);
    if (auto line = detail::error_line(a.log); !line.empty()) error += ": " + line;
    if (!db_.record_failure(a.job.key, error, tail_of(a.log), unix_now())) ++summary_.failed;
  }
}

int LocalBackend::poll() {
  int settled = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    if (!it->child->running()) {
      finish(*it);
      it = active_.erase(it);
      ++settled;
      continue;
    }
    if (unix_now() - it->last_heartbeat > 2.0) {
      db_.add_curve(read_events(it->job.key, jobs::RunDir{it->job.run_dir}.events(), it->events_offset));
      db_.heartbeat(it->job.key, unix_now());
      it->last_heartbeat = unix_now();
    }
    ++it;
  }
  return settled;
}

}  // namespace

std::unique_ptr<Backend> make_local_backend(db::Database& db, std::int64_t sweep, const LocalOptions& options,
                                            std::function<void(const std::string&)> say) {
  return std::make_unique<LocalBackend>(db, sweep, options, std::move(say));
}

}  // namespace fsearch::search
