// run_in_child: a body's work happens in another process, and its errors come back whole.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"

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

}  // namespace
}  // namespace fsearch
