// One trainer per run directory. A worker holds an exclusive lock on RUN_DIR/worker.lock (flock,
// released by the kernel when the process ends, however it ends) for as long as it trains; the
// file holds its pid. Two trainers of one directory would interleave their checkpoints and events:
// a second one waits for the first, and a scheduler that lost track of a worker (killed between
// starting it and recording it) finds it here. Torch-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>

namespace fsearch::jobs {

class RunLock {
 public:
  // Takes the lock of `run_dir`, waiting while another process holds it: `on_wait(pid)` is called
  // once when the wait begins; `stop` (e.g. set by SIGTERM) ends the wait, and then held() is false.
  RunLock(const std::filesystem::path& run_dir, const std::atomic<bool>* stop = nullptr,
          const std::function<void(std::int64_t pid)>& on_wait = {});
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  bool held() const { return fd_ >= 0; }

  static std::filesystem::path file(const std::filesystem::path& run_dir) { return run_dir / "worker.lock"; }

 private:
  int fd_ = -1;
};

// The pid of the process that holds `run_dir`'s lock, or 0 when none does.
std::int64_t run_lock_holder(const std::filesystem::path& run_dir);

// Stops the worker that holds `run_dir`'s lock, if any: SIGTERM (it checkpoints and exits), then
// SIGKILL after `grace_seconds`. Returns once no process holds the lock; true if there was one.
bool stop_run_lock_holder(const std::filesystem::path& run_dir, double grace_seconds = 60);

}  // namespace fsearch::jobs
