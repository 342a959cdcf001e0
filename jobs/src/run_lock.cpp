#include "fsearch/jobs/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "fsearch/core/error.h"

namespace fsearch::jobs {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);

int open_lock_file(const std::filesystem::path& run_dir) {
  const auto path = RunLock::file(run_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot open " + path.string() + ": " + std::strerror(errno));
  return fd;
}

std::int64_t read_pid(int fd) {
  char text[32] = {};
  const auto n = ::pread(fd, text, sizeof text - 1, 0);
  return n > 0 ? std::strtoll(text, nullptr, 10) : 0;
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& run_dir, const std::atomic<bool>* stop,
                 const std::function<void(std::int64_t pid)>& on_wait) {
  const int fd = open_lock_file(run_dir);
  bool told = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int error = errno;
      ::close(fd);
      throw Error("cannot lock " + file(run_dir).string() + ": " + std::strerror(error));
    }
    if (stop && stop->load()) {
      ::close(fd);
      return;
    }
    if (!told && on_wait) {
      on_wait(read_pid(fd));
      told = true;
    }
    std::this_thread::sleep_for(kPoll);
  }
  const auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd);
    throw Error("cannot write " + file(run_dir).string() + ": " + std::strerror(error));
  }
  fd_ = fd;
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // No pid is left behind for the next holder's waiters to name; the file itself stays (removing
  // it would race a waiter that has it open). Closing releases the lock.
  [[maybe_unused]] const int cleared = ::ftruncate(fd_, 0);
  ::close(fd_);
}

std::int64_t run_lock_holder(const std::filesystem::path& run_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(RunLock::file(run_dir), ec)) return 0;
  const int fd = ::open(RunLock::file(run_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::int64_t pid = 0;
  // The holder writes its pid just after locking: give it a moment.
  for (int i = 0; i < 50; ++i) {
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
      pid = 0;
      break;
    }
    pid = read_pid(fd);
    if (pid > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::close(fd);
  return pid;
}

bool stop_run_lock_holder(const std::filesystem::path& run_dir, double grace_seconds) {
  const auto pid = run_lock_holder(run_dir);
  if (pid <= 0) return false;
  ::kill(static_cast<pid_t>(pid), SIGTERM);  // it checkpoints and exits
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_seconds);
  while (run_lock_holder(run_dir) == pid && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(kPoll);
  for (int i = 0; i < 100 && run_lock_holder(run_dir) == pid; ++i) {
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    std::this_thread::sleep_for(kPoll);
  }
  if (run_lock_holder(run_dir) == pid)
    throw Error("process " + std::to_string(pid) + " holds " + RunLock::file(run_dir).string() +
                " and does not stop on SIGKILL");
  return true;
}

}  // namespace fsearch::jobs
