// run_in_child: a body's work happens in another process, and its errors come back whole.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "temp_dir.h"

namespace fsearch {
namespace {

TEST(RunInChild, TheBodyRunsInAnotherProcessAndLeavesThisOneAsItWas) {
  const pid_t parent = ::getpid();
  int touched = 0;
  pid_t where = 0;
  run_in_child([&] {
    touched = 1;
    where = ::getpid();
    if (where == parent) throw Error("ran in the parent");
  });
  EXPECT_EQ(touched, 0);  // the child's memory is its own
  EXPECT_EQ(where, 0);
}

TEST(RunInChild, ErrorsComeBackWithTheirKindMessageAndHint) {
  try {
    run_in_child([] { throw ConfigError("space.yaml:3: bad", "fix line 3"); });
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "space.yaml:3: bad");
    EXPECT_EQ(e.hint(), "fix line 3");
  }
  try {
    run_in_child([] { throw StorageError("disk full"); });
    FAIL() << "no error";
  } catch (const ConfigError&) {
    FAIL() << "a StorageError came back as a ConfigError";
  } catch (const StorageError& e) {
    EXPECT_STREQ(e.what(), "disk full");
    EXPECT_EQ(e.hint(), "");
  }
  try {
    run_in_child([] { throw std::runtime_error("plain"); });
    FAIL() << "no error";
  } catch (const ConfigError&) {
    FAIL() << "a plain exception came back as a ConfigError";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "plain");
  }
}

TEST(RunInChild, AChildThatDiesOrExitsNonZeroIsAnError) {
  try {
    run_in_child([] { std::abort(); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("signal " + std::to_string(SIGABRT)), std::string::npos) << e.what();
  }
  try {
    run_in_child([] { ::_exit(7); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exit code 7"), std::string::npos) << e.what();
  }
}

TEST(RunInChild, AnAnswerComesBackWhole) {
  const pid_t parent = ::getpid();
  EXPECT_EQ(run_in_child_for_text([&] { return "pid " + std::to_string(::getpid() == parent ? 0 : 1); }), "pid 1");
  // Larger than a pipe's buffer, with the NUL bytes and newlines an answer may hold.
  std::string big(200000, 'x');
  big[7] = '\0', big[100] = '\n';
  EXPECT_EQ(run_in_child_for_text([&] { return big; }), big);
  EXPECT_EQ(run_in_child_for_text([] { return std::string(); }), "");
  EXPECT_THROW(run_in_child_for_text([]() -> std::string { throw ConfigError("no answer"); }), ConfigError);
  try {
    run_in_child_for_text([]() -> std::string { ::_exit(0); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without its answer"), std::string::npos) << e.what();
  }
}

// A heartbeat while the child works (the run's lock while an FID extractor trains): called in this
// process, again and again, and the child's answer still comes back.
TEST(RunInChild, TheParentKeepsCallingItsHeartbeatWhileTheChildWorks) {
  const pid_t parent = ::getpid();
  int calls = 0;
  const auto answer = run_in_child_for_text(
      [] {
        ::usleep(400 * 1000);
        return std::string("done");
      },
      [&] { calls += ::getpid() == parent; }, 0.05);
  EXPECT_EQ(answer, "done");
  EXPECT_GE(calls, 2);
}

// A heartbeat that throws (the lock was taken over) ends the child at once: it never reaches the
// end of its work, and the error goes on to the caller.
TEST(RunInChild, AHeartbeatThatThrowsKillsTheChild) {
  const auto dir = testing::program_temp_dir() / ("heartbeat-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto finished = dir / "finished";
  try {
    run_in_child_for_text(
        [&] {
          ::sleep(1);
          std::ofstream(finished) << "the child ran to its end\n";
          return std::string("done");
        },
        [] { throw StorageError("taken over"); }, 0.05);
    FAIL() << "no error";
  } catch (const StorageError& e) {
    EXPECT_STREQ(e.what(), "taken over");
  }
  ::sleep(2);  // a child left alive would have written by now
  EXPECT_FALSE(std::filesystem::exists(finished));
}

}  // namespace
}  // namespace fsearch
