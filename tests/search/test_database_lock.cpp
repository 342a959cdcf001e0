// The run's database lock through the work before the scheduler's loop: `fsearch run` may train an
// FID extractor there for minutes (check_plan), longer than a lock may go unrefreshed before runs on
// other machines sharing the database take it over.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/db/database.h"
#include "fsearch/search/sweep.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::search {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = testing::program_temp_dir() / ("run-lock-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string space_file(const fs::path& dir) {
  auto path = dir / "space.yaml";
  std::ofstream(path) << "name: mini\nprimitives: [erf, tanh]\nbaselines: [layernorm]\nproxies: ["
                      << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n";
  return path.string();
}

SweepOptions plan_only(const fs::path& dir) {
  SweepOptions options;
  options.db_path = (dir / "f.db").string();
  options.plan_only = true;
  options.budget = "smoke";
  options.say = [](const std::string&) {};
  return options;
}

TEST(DatabaseLock, ItsHeartbeatGoesOnDuringTheChecksBeforeTheLoop) {
  const auto dir = fresh_dir("heartbeat");
  auto options = plan_only(dir);
  double before = 0, after = 0;
  options.check_plan = [&](db::Database& db, const std::vector<jobs::JobSpec>& to_train,
                           const std::function<void()>& keep_lock) {
    EXPECT_FALSE(to_train.empty());
    before = db.lock_holder().value().heartbeat_at;
    ::usleep(20 * 1000);
    keep_lock();
    after = db.lock_holder().value().heartbeat_at;
  };
  run_sweep(space_file(dir), options);
  EXPECT_GT(before, 0);
  EXPECT_GT(after, before);
}

// Another machine's run finds the lock stale while the checks run and takes the database over: this
// run stops with the reason, before it records anything, and leaves the new holder's lock alone.
TEST(DatabaseLock, ALockTakenOverBeforeTheLoopStopsTheRunBeforeItRecordsAnything) {
  const auto dir = fresh_dir("taken");
  auto options = plan_only(dir);
  const Machine elsewhere{"elsewhere", "boot-x"};
  options.check_plan = [&](db::Database& db, const std::vector<jobs::JobSpec>&,
                           const std::function<void()>& keep_lock) {
    db::Database other(db.path());  // the other machine's connection to the shared file
    const auto holder = other.acquire_lock(4242, elsewhere, unix_now() + db::Database::kLockStaleSeconds + 1,
                                           [](std::int64_t) { return false; });
    EXPECT_FALSE(holder.has_value());  // taken over
    keep_lock();
  };
  try {
    run_sweep(space_file(dir), options);
    FAIL() << "the run went on";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("was taken over by another fsearch run (pid 4242 on elsewhere)"),
              std::string::npos)
        << e.what();
  }
  db::Database db(options.db_path);
  EXPECT_FALSE(db.sweep_id("mini").has_value());
  const auto holder = db.lock_holder();
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->pid, 4242);
  EXPECT_EQ(holder->machine.host, "elsewhere");
}

}  // namespace
}  // namespace fsearch::search
