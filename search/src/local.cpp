#include "fsearch/search/local.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/core/process.h"
#include "fsearch/jobs/run_dir.h"
#include "fsearch/jobs/run_lock.h"
#include "ingest.h"
#include "worker_process.h"

namespace fsearch::search {
namespace {

using detail::ingest_result;
using detail::read_events;
using detail::tail_of;

namespace fs = std::filesystem;

// True if pid is a live worker that may train this run directory (not a recycled pid): `fsearch
// train --job RUN_DIR`, `fsearch worker --runs SWEEP_DIR` for its sweep, or a forked worker slot,
// whose stderr is in the sweep's folder (its slot's log, or the job's worker.log during a job).
bool is_worker_of(std::int64_t pid, const std::string& run_dir) {
  if (!process_alive(pid)) return false;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream in(proc + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto sweep_dir = fs::path(run_dir).parent_path();
  const bool trains = cmdline.find(run_dir) != std::string::npos && cmdline.find("train") != std::string::npos;
  const bool serves =
      cmdline.find(sweep_dir.string()) != std::string::npos && cmdline.find("worker") != std::string::npos;
  if (trains || serves) return true;
  std::ifstream comm_in(proc + "/comm");
  std::string comm;
  std::getline(comm_in, comm);
  if (comm != "fsearch-worker") return false;
  std::error_code ec;
  const auto err = fs::read_symlink(proc + "/fd/2", ec);
  if (ec) return false;
  const auto rel = err.lexically_relative(fs::weakly_canonical(sweep_dir, ec));
  return !ec && !rel.empty() && *rel.begin() != "..";
}

struct Active {
  db::JobRow job;
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
        slots_(static_cast<std::size_t>(workers_)),
        say_(std::move(say)) {}
  // Ends the workers; a worker log with nothing in it (the usual case) is not left behind.
  ~LocalBackend() override {
    for (auto& s : slots_) {
      s.worker.reset();
      std::error_code ec;
      if (!s.log.empty() && fs::exists(s.log, ec) && fs::file_size(s.log, ec) == 0) fs::remove(s.log, ec);
    }
  }

  void adopt() override {
    if (int n = recover_running_jobs(db_, sweep_); n > 0 && say_)
      say_(std::to_string(n) + " job(s) left running by a stopped scheduler: continuing them");
  }
  std::size_t capacity() const override {
    return static_cast<std::size_t>(workers_) - active_.size();
  }
  void submit(const std::vector<db::JobRow>& jobs) override {
    std::size_t next = 0;
    for (int slot = 0; slot < workers_ && next < jobs.size(); ++slot) {
      if (!busy(slot)) start(jobs[next++], slot);
    }
  }
  int poll() override;
  void cancel() override {
    for (auto& a : active_) ::kill(slot(a.slot).worker->pid(), SIGTERM);  // checkpoint, answer 75
  }
  bool following() const override { return !active_.empty(); }
  double parallelism() const override { return workers_; }
  double poll_seconds() const override { return options_.poll_seconds; }
  bool wait(double seconds) override;
  std::string report() const override {
    if (workers_started_ == 0) return "";
    // Starts, not jobs: a resumed, promoted or retried job starts again.
    return std::to_string(summary_.started) + " job start(s) on " + std::to_string(workers_started_) +
           " worker process(es)";
  }

 private:
  // A worker slot: a CPU share or a device, and the worker process that serves it (started with
  // its first job, kept for the next ones, started again if it died).
  struct Slot {
    std::unique_ptr<detail::WorkerProcess> worker;
    fs::path root;  // the run folder its worker serves (`fsearch worker --runs`)
    fs::path log;   // what its workers say outside their jobs
  };

  bool busy(int slot) const {
    return std::any_of(active_.begin(), active_.end(), [&](const Active& a) { return a.slot == slot; });
  }
  Slot& slot(int i) { return slots_[static_cast<std::size_t>(i)]; }
  detail::WorkerProcess& worker_for(int slot, const db::JobRow& job);
  void start(const db::JobRow& job, int slot);
  void finish(Active& a, int code);

  LocalOptions options_;
  int workers_, threads_;
  std::vector<std::string> devices_;
  std::vector<Active> active_;
  std::vector<Slot> slots_;
  int workers_started_ = 0;
  std::function<void(const std::string&)> say_;
};

detail::WorkerProcess& LocalBackend::worker_for(int slot_index, const db::JobRow& job) {
  auto& s = slot(slot_index);
  const auto sweep_dir = fs::path(job.run_dir).parent_path();
  if (s.worker && s.worker->running() && s.root == sweep_dir) return *s.worker;
  // Gone, or serving another folder: a job that another sweep planned first keeps its run
  // directory in that sweep's folder, and a worker refuses jobs outside its own. An idle worker
  // exits when its input ends.
  s.worker.reset();
  s.root = sweep_dir;
  std::map<std::string, std::string> env = {{"OMP_WAIT_POLICY", "PASSIVE"}};  // see trainers/runtime.h
  std::vector<std::string> args = {"--threads", std::to_string(threads_), "worker", "--runs", sweep_dir.string()};
  if (options_.device != "cpu") {
    env["CUDA_VISIBLE_DEVICES"] =
        devices_[static_cast<std::size_t>(slot_index / std::max(1, options_.jobs_per_device)) % devices_.size()];
    args.insert(args.end(), {"--device", "cuda"});
  }
  // What a worker says outside its jobs (it could not start, say) goes to the sweep's folder.
  s.log = sweep_dir / ("worker-" + std::to_string(slot_index) + ".log");
  if (options_.serve && options_.device == "cpu" && threads_ == 1) {
    // The loop runs no other thread here: a fork is safe (worker_process.h).
    s.worker = std::make_unique<detail::WorkerProcess>([&] { return options_.serve(sweep_dir.string(), threads_); },
                                                       s.log.string());
  } else {
    s.worker = std::make_unique<detail::WorkerProcess>(options_.binary, args, env, s.log.string());
  }
  ++workers_started_;
  return *s.worker;
}

void LocalBackend::start(const db::JobRow& job, int slot_index) {
  make_directories(job.run_dir, "the job's run directory");
  Active a;
  a.job = job;
  a.slot = slot_index;
  a.log = fs::path(job.run_dir) / "worker.log";
  auto* worker = &worker_for(slot_index, job);
  if (!worker->send(job.run_dir)) {  // it exited since the last job: a new one
    slot(slot_index).worker.reset();
    worker = &worker_for(slot_index, job);
    worker->send(job.run_dir);  // if this one is gone too, poll() records why
  }
  a.started = a.last_heartbeat = unix_now();
  db_.mark_running(job.key, worker->pid(), a.started);
  ++summary_.started;
  active_.push_back(std::move(a));
}

void LocalBackend::finish(Active& a, int code) {
  db_.add_curve(read_events(a.job.key, jobs::RunDir{a.job.run_dir}.events(), a.events_offset));
  if (settle_result(a.job, a.started)) return;
  if (code == 75) {
    db_.requeue(a.job.key, "interrupted; continues from its checkpoint");
    ++summary_.requeued;
  } else {
    std::string error = "worker exited with code " + std::to_string(code);
    auto line = detail::error_line(a.log);
    if (line.empty()) line = detail::error_line(slot(a.slot).log);  // it failed before the job began
    if (!line.empty()) error += ": " + line;
    if (!db_.record_failure(a.job.key, error, tail_of(a.log), unix_now())) ++summary_.failed;
  }
}

bool LocalBackend::wait(double seconds) {
  std::vector<pollfd> fds;
  for (const auto& a : active_) {
    const auto& worker = slots_[static_cast<std::size_t>(a.slot)].worker;
    if (worker && worker->socket() >= 0) fds.push_back({worker->socket(), POLLIN, 0});
  }
  // A worker that closed its socket is exiting: poll() notices its exit at the next tick (its
  // socket, always readable now, would wake this wait at once, over and over).
  if (fds.empty()) return Backend::wait(seconds);
  // A signal (a stop request) ends it early too, with EINTR: the loop looks at once.
  return ::poll(fds.data(), fds.size(), static_cast<int>(std::ceil(seconds * 1000))) > 0;
}

int LocalBackend::poll() {
  int settled = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    auto& worker = *slot(it->slot).worker;
    std::optional<int> code = worker.reply();
    if (!code && !worker.running()) {  // its last answer may have come just before it ended
      code = worker.reply();
      if (!code) code = worker.exit_code();
    }
    if (code) {
      finish(*it, *code);
      if (!worker.running()) slot(it->slot).worker.reset();
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
