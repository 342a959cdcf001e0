// The local backend's worker process and its line protocol, with /bin/sh standing in for
// `fsearch worker`, and a forked worker slot serving with a function of the test (the real ones are
// tested end to end in tests/cli/test_sweep_cli.cpp).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "temp_dir.h"
#include "worker_process.h"

namespace {

using fsearch::search::detail::WorkerProcess;

// Polls `worker` for an answer for up to ten seconds.
std::optional<int> answer(WorkerProcess& worker) {
  for (int i = 0; i < 1000; ++i) {
    if (auto code = worker.reply()) return code;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

TEST(WorkerProcess, AnswersEachJobInTurnAndEndsWithItsInput) {
  fsearch::testing::TempDir dir("worker-process");
  // Answers 0 for a line ending in "a", 75 otherwise; says its environment variable on stderr.
  WorkerProcess worker("/bin/sh",
                       {"-c", "echo \"FOO=$FOO\" >&2; while read d; do case $d in *a) echo 0;; *) echo 75;; esac; done"},
                       {{"FOO", "bar"}}, (dir / "worker.log").string());
  EXPECT_EQ(worker.reply(), std::nullopt);  // nothing asked yet, and reply() never blocks
  ASSERT_TRUE(worker.send("/runs/a"));
  EXPECT_EQ(answer(worker), 0);
  ASSERT_TRUE(worker.send("/runs/b"));
  ASSERT_TRUE(worker.send("/runs/a"));
  EXPECT_EQ(answer(worker), 75);
  EXPECT_EQ(answer(worker), 0);
  EXPECT_TRUE(worker.running());
  std::ifstream in(dir / "worker.log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(log, "FOO=bar\n");
}

TEST(WorkerProcess, AWorkerThatDiedSaysHowAndTakesNoMoreJobs) {
  fsearch::testing::TempDir dir("worker-process-dies");
  WorkerProcess worker("/bin/sh", {"-c", "read d; echo 0; read d; exit 3"}, {}, (dir / "log").string());
  ASSERT_TRUE(worker.send("/runs/a"));
  EXPECT_EQ(answer(worker), 0);
  ASSERT_TRUE(worker.send("/runs/b"));
  for (int i = 0; i < 1000 && worker.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(worker.running());
  EXPECT_EQ(worker.exit_code(), 3);
  EXPECT_GE(worker.socket(), 0);
  EXPECT_EQ(worker.reply(), std::nullopt);
  EXPECT_EQ(worker.socket(), -1) << "a closed socket is nothing to wait on";
  EXPECT_FALSE(worker.send("/runs/c"));  // and no SIGPIPE ends this test
}

TEST(WorkerProcess, KilledBySignalIs128PlusTheSignal) {
  fsearch::testing::TempDir dir("worker-process-killed");
  WorkerProcess worker("/bin/sh", {"-c", "kill -9 $$"}, {}, (dir / "log").string());
  for (int i = 0; i < 1000 && worker.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(worker.exit_code(), 137);
}

TEST(WorkerProcess, AMissingBinaryIsAnErrorThatNamesIt) {
  fsearch::testing::TempDir dir("worker-process-missing");
  try {
    WorkerProcess worker("/no/such/fsearch", {}, {}, (dir / "log").string());
    FAIL() << "started a binary that does not exist";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/fsearch"), std::string::npos) << e.what();
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {(std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()};
}

TEST(ForkedWorker, ServesOnItsStdinAndStdoutAndSaysOutsideJobsInItsLog) {
  fsearch::testing::TempDir dir("forked-worker");
  // A descriptor of the scheduler's (its database, say) that the worker must not keep open.
  const int held = ::open((dir / "held").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(held, 0);
  WorkerProcess worker(
      [held] {
        const bool closed = ::fcntl(held, F_GETFD) == -1;  // before this function opens a file of its own
        std::ifstream comm("/proc/self/comm");
        std::string name;
        std::getline(comm, name);
        std::cerr << "name " << name << ", scheduler's file " << (closed ? "closed" : "open") << std::endl;
        // Answers 0 for a line ending in "a", 75 otherwise, like the /bin/sh worker above.
        for (std::string line; std::getline(std::cin, line);) std::cout << (line.back() == 'a' ? 0 : 75) << std::endl;
        return 0;
      },
      (dir / "worker.log").string());
  ::close(held);
  ASSERT_TRUE(worker.send("/runs/a"));
  ASSERT_TRUE(worker.send("/runs/b"));
  EXPECT_EQ(answer(worker), 0);
  EXPECT_EQ(answer(worker), 75);
  EXPECT_TRUE(worker.running());
  EXPECT_EQ(read_file(dir / "worker.log"), "name fsearch-worker, scheduler's file closed\n");
}

TEST(ForkedWorker, ExitsWithWhatItsFunctionReturnsAndAnErrorIsOne) {
  fsearch::testing::TempDir dir("forked-worker-exit");
  WorkerProcess returns([] { return 3; }, (dir / "returns.log").string());
  WorkerProcess throws([]() -> int { throw std::runtime_error("no data set"); }, (dir / "throws.log").string());
  for (int i = 0; i < 1000 && (returns.running() || throws.running()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(returns.exit_code(), 3);
  EXPECT_EQ(throws.exit_code(), 1);
  EXPECT_EQ(read_file(dir / "throws.log"), "error: no data set\n");
  EXPECT_FALSE(returns.send("/runs/a"));
}

TEST(ForkedWorker, EndsWithItsInputWhenTheSchedulerLetsGo) {
  fsearch::testing::TempDir dir("forked-worker-end");
  pid_t pid = 0;
  {
    WorkerProcess worker(
        [] {
          for (std::string line; std::getline(std::cin, line);) {
          }
          return 0;
        },
        (dir / "log").string());
    pid = worker.pid();
    EXPECT_TRUE(worker.running());
  }  // the destructor ends its input and reaps it
  EXPECT_NE(::kill(pid, 0), 0) << "the worker outlived its WorkerProcess";
}

}  // namespace
