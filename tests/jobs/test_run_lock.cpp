// The run directory's lock: one trainer per directory; the holder is found and can be stopped.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "fsearch/jobs/run_lock.h"
#include "temp_dir.h"

namespace {

using fsearch::jobs::run_lock_holder;
using fsearch::jobs::RunLock;
using fsearch::jobs::stop_run_lock_holder;

// A child process that takes the lock and then sleeps until it is signalled.
pid_t child_holding(const std::filesystem::path& dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    RunLock lock(dir);
    for (;;) ::pause();
  }
  return pid;
}

bool wait_for_holder(const std::filesystem::path& dir, std::int64_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (run_lock_holder(dir) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(RunLock, NoHolderBeforeAndAfterALock) {
  fsearch::testing::TempDir dir("run-lock-free");
  EXPECT_EQ(run_lock_holder(dir.path()), 0);
  {
    RunLock lock(dir.path());
    EXPECT_TRUE(lock.held());
    EXPECT_EQ(run_lock_holder(dir.path()), ::getpid());
  }
  EXPECT_EQ(run_lock_holder(dir.path()), 0);  // released; the file stays, without a stale pid
  EXPECT_TRUE(std::filesystem::exists(RunLock::file(dir.path())));
  EXPECT_EQ(std::filesystem::file_size(RunLock::file(dir.path())), 0u);
  EXPECT_FALSE(stop_run_lock_holder(dir.path()));
}

TEST(RunLock, SecondLockWaitsForTheFirstAndSaysForWhom) {
  fsearch::testing::TempDir dir("run-lock-wait");
  const pid_t holder = child_holding(dir.path());
  ASSERT_TRUE(wait_for_holder(dir.path(), holder));
  std::int64_t told = -1;
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(holder, SIGKILL);  // however a holder ends, its lock is released
    ::waitpid(holder, nullptr, 0);
  });
  const auto start = std::chrono::steady_clock::now();
  RunLock lock(dir.path(), nullptr, [&](std::int64_t pid) { told = pid; });
  release.join();
  EXPECT_TRUE(lock.held());
  EXPECT_EQ(told, holder);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(run_lock_holder(dir.path()), ::getpid());
}

TEST(RunLock, AStopRequestEndsTheWaitWithoutTheLock) {
  fsearch::testing::TempDir dir("run-lock-stop");
  RunLock first(dir.path());
  std::atomic<bool> stop{false};
  int waits = 0;
  RunLock second(dir.path(), &stop, [&](std::int64_t pid) {
    ++waits;
    EXPECT_EQ(pid, ::getpid());  // flock locks belong to an open file: this process's other one
    stop = true;
  });
  EXPECT_FALSE(second.held());
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(run_lock_holder(dir.path()), ::getpid());
}

TEST(RunLock, StoppingTheHolderSignalsItAndReturnsOnceTheLockIsFree) {
  fsearch::testing::TempDir dir("run-lock-kill");
  const pid_t holder = child_holding(dir.path());
  ASSERT_TRUE(wait_for_holder(dir.path(), holder));
  std::thread reap([&] {
    int status = 0;
    ::waitpid(holder, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);  // asked first, not killed
  });
  EXPECT_TRUE(stop_run_lock_holder(dir.path(), 30));
  reap.join();
  EXPECT_EQ(run_lock_holder(dir.path()), 0);
}

}  // namespace
