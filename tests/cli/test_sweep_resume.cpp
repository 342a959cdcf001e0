// `fsearch run` with real worker processes, interrupted: a sweep survives SIGKILL of its scheduler
// (at several points, for the grid, halving and evolution) and of a worker; every job ends recorded
// exactly once, none is left running, and the results equal those of an uninterrupted sweep.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fsearch/core/process.h"
#include "fsearch/db/database.h"
#include "paths.h"
#include "run_binary.h"
#include "sweep_helpers.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

// pids of live workers of this sweep: the scheduler's forked worker slots ("fsearch-worker", their
// stderr in DIR/runs/...), `fsearch worker --runs DIR/runs/...` or `fsearch train --job DIR/runs/...`
std::vector<int> workers_of(const fs::path& dir) {
  std::vector<int> pids;
  const std::string runs = (dir / "runs").string();
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream comm_in(entry.path() / "comm");
    std::string comm;
    std::getline(comm_in, comm);
    std::error_code ec;
    const bool forked =
        comm == "fsearch-worker" && fs::read_symlink(entry.path() / "fd" / "2", ec).string().rfind(runs, 0) == 0;
    if (forked || (cmdline.find(runs) != std::string::npos &&
                   (cmdline.find("worker") != std::string::npos || cmdline.find("train") != std::string::npos))) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

class Sweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    reference_dir_ = workdir("reference");
    auto log = (reference_dir_ / "log").string();
    ASSERT_EQ(wait_for(spawn_fsearch(run_args(reference_dir_), log)), 0);
    reference_ = export_jobs(reference_dir_);
  }
  static fs::path reference_dir_;
  static nlohmann::json reference_;
};

fs::path Sweep::reference_dir_;

nlohmann::json Sweep::reference_;

TEST_F(Sweep, UninterruptedSweepFinishesEveryJobAndRerunAddsNothing) {
  ASSERT_EQ(reference_.size(), 4u);  // erf, tanh, isru, LayerNorm
  for (const auto& j : reference_) {
    EXPECT_EQ(j["state"], "done") << j["function"];
    EXPECT_EQ(j["result"]["threads"], 1) << "workers must keep to --threads-per-worker";
  }
  auto r = run_fsearch("run --space " + space_file(reference_dir_) + " --db " +
                       (reference_dir_ / "f.db").string() + " --budget smoke");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 jobs (0 new; 4 already finished)"), std::string::npos) << r.err;
  expect_same_results(export_jobs(reference_dir_), reference_);
  // Each worker slot's process trained two of the four jobs: LibTorch loaded twice, not four times.
  std::ifstream in(reference_dir_ / "log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("4 job start(s) on 2 worker process(es)"), std::string::npos) << log;
  // The workers said nothing outside their jobs: no empty worker-N.log is left in the sweep's folder.
  for (const auto& entry : fs::directory_iterator(reference_dir_ / "runs" / "mini"))
    EXPECT_NE(entry.path().filename().string().rfind("worker-", 0), 0u) << entry.path();
}

// The same sweep with workers started as processes of their own (`--worker-binary`: what GPU slots
// and slots of several threads do) instead of forked from the scheduler: the same results.
TEST_F(Sweep, WorkersOfTheirOwnGiveTheForkedWorkersResults) {
  auto dir = workdir("own-process");
  auto args = run_args(dir);
  args.insert(args.end(), {"--worker-binary", FSEARCH_BINARY});
  const auto log = dir / "log";
  const int pid = spawn_fsearch(args, log.string());
  // Seen while they train: `fsearch worker --runs ...` processes, no forked slot.
  ASSERT_TRUE(wait_until([&] { return !workers_of(dir).empty(); }));
  for (int worker : workers_of(dir)) {
    std::ifstream in("/proc/" + std::to_string(worker) + "/comm");
    std::string comm;
    std::getline(in, comm);
    EXPECT_NE(comm, "fsearch-worker");
  }
  ASSERT_EQ(wait_for(pid), 0);
  expect_same_results(export_jobs(dir), reference_);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("4 job start(s) on 2 worker process(es)"), std::string::npos) << text;
}

// `fsearch worker` by hand: run directories in on stdin, exit codes out on stdout, each job's output
// in its worker.log. A job trained after another in the same process ends exactly as it does alone
// in a fresh `fsearch train --job`.
TEST_F(Sweep, AWorkerTrainsJobsInTurnExactlyAsAFreshProcessDoes) {
  auto dir = workdir("worker");
  auto args = run_args(dir);
  args.push_back("--plan-only");
  std::string line;
  for (const auto& a : args) line += "'" + a + "' ";
  ASSERT_EQ(run_fsearch(line).exit_code, 0);
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(dir / "runs" / "mini")) runs.push_back(entry.path());
  std::sort(runs.begin(), runs.end());
  ASSERT_EQ(runs.size(), 4u);
  const auto outside = dir / "elsewhere";
  std::ofstream(dir / "input") << runs[0].string() << "\n" << runs[1].string() << "\n" << outside.string() << "\n";
  auto r = run_fsearch("--threads 1 worker --runs '" + (dir / "runs" / "mini").string() + "' < '" +
                       (dir / "input").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n0\n2\n");
  EXPECT_NE(r.err.find("is not under --runs"), std::string::npos) << r.err;
  for (const auto& run : {runs[0], runs[1]}) {
    std::ifstream in(run / "worker.log");
    std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("test accuracy"), std::string::npos) << log;
  }
  // The second job alone, in a fresh process.
  const auto solo = dir / "solo";
  fs::create_directories(solo);
  fs::copy_file(runs[1] / "job.json", solo / "job.json");
  ASSERT_EQ(run_fsearch("--threads 1 train --quiet --job '" + solo.string() + "'").exit_code, 0);
  auto in_turn = read_json(runs[1] / "result.json"), alone = read_json(solo / "result.json");
  for (const char* field : {"test_acc", "final_loss", "best_loss", "steps"})
    EXPECT_EQ(in_turn[field], alone[field]) << field;
}

TEST_F(Sweep, SchedulerKilledAtSeveralPointsThenResumed) {
  auto dir = workdir("kill-scheduler");
  auto log = (dir / "log").string();
  // Point 1: while the first jobs run, nothing finished yet.
  int pid = spawn_fsearch(run_args(dir), log);
  ASSERT_TRUE(wait_until([&] { return workers_of(dir).size() >= 1; }));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  // Point 2: after some jobs have finished.
  pid = spawn_fsearch(run_args(dir), log);
  ASSERT_TRUE(wait_until([&] { return finished_runs(dir) >= 2; }));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  // Resume to the end.
  ASSERT_EQ(wait_for(spawn_fsearch(run_args(dir), log)), 0);
  EXPECT_TRUE(workers_of(dir).empty());
  auto jobs = export_jobs(dir);
  for (const auto& j : jobs) EXPECT_NE(j["state"], "running");
  expect_same_results(jobs, reference_);
}

TEST_F(Sweep, KilledWorkerIsRetried) {
  auto dir = workdir("kill-worker");
  int pid = spawn_fsearch(run_args(dir), (dir / "log").string());
  ASSERT_TRUE(wait_until([&] { return !workers_of(dir).empty(); }));
  const int worker = workers_of(dir).front();
  {  // a CPU slot of one thread is a fork of the scheduler, not a second LibTorch start-up
    std::ifstream in("/proc/" + std::to_string(worker) + "/comm");
    std::string comm;
    std::getline(in, comm);
    EXPECT_EQ(comm, "fsearch-worker");
  }
  ::kill(worker, SIGKILL);
  ASSERT_EQ(wait_for(pid), 0);
  auto jobs = export_jobs(dir);
  int retried = 0;
  for (const auto& j : jobs) retried += j["attempts"].get<int>();
  EXPECT_EQ(retried, 1);
  expect_same_results(jobs, reference_);
  // The killed worker's slot started a new one for the retry and the jobs after it.
  std::ifstream in(dir / "log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("5 job start(s) on 3 worker process(es)"), std::string::npos) << log;
}

TEST_F(Sweep, SecondSchedulerOnALiveDatabaseRefuses) {
  auto dir = workdir("lock");
  int pid = spawn_fsearch(run_args(dir), (dir / "log").string());
  ASSERT_TRUE(wait_until([&] { return !workers_of(dir).empty(); }));
  auto second =
      run_fsearch("run --space " + space_file(dir) + " --db " + (dir / "f.db").string() + " --budget smoke");
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("is in use by another fsearch run (pid " + std::to_string(pid)),
            std::string::npos)
      << second.err;
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid), 75);  // interrupted: workers checkpointed, jobs requeued
  auto jobs = export_jobs(dir);
  for (const auto& j : jobs) EXPECT_NE(j["state"], "running");
  ASSERT_EQ(wait_for(spawn_fsearch(run_args(dir), (dir / "log").string())), 0);
  expect_same_results(export_jobs(dir), reference_);
}

// A run on another machine that shares the database takes it over once this run's heartbeat is
// stale (this run stopped or suspended for two minutes; here the other run's clock says so). Within
// one refresh (10 s) this run stops its workers and exits 2 naming the new holder, writes nothing
// more and leaves the new holder's lock in place. Its jobs finish on the next run as on the
// reference. The workers sleep (a stand-in), so that no job ends before the refresh.
TEST_F(Sweep, ARunWhoseLockWasTakenOverStopsItsWorkersAndExits) {
  auto dir = workdir("lock-taken");
  const auto sleeper = dir / "sleeping-worker.sh";
  std::ofstream(sleeper) << "#!/usr/bin/env bash\n"
                            "trap 'kill $child 2>/dev/null; exit 75' TERM\n"
                            "while read -r run; do sleep 600 & child=$!; wait $child; done\n";
  fs::permissions(sleeper, fs::perms::owner_all);
  auto args = run_args(dir);
  args.insert(args.end(), {"--worker-binary", sleeper.string()});
  const auto log = dir / "log";
  const int pid = spawn_fsearch(args, log.string());
  const auto running = [&] {
    int n = 0;
    for (const auto& j : export_jobs(dir)) n += j["state"] == "running";
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return workers_of(dir).size() == 2; }));  // the database is made by then
  ASSERT_TRUE(wait_until([&] { return running() == 2; }));
  const Machine elsewhere{"elsewhere", "boot-elsewhere"};
  {
    db::Database database((dir / "f.db").string());
    auto never_alive = [](std::int64_t) { return false; };
    ASSERT_FALSE(
        database.acquire_lock(4242, elsewhere, unix_now() + db::Database::kLockStaleSeconds + 1, never_alive)
            .has_value());
  }
  EXPECT_EQ(wait_for(pid), 2);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(
      text.find((dir / "f.db").string() + " was taken over by another fsearch run (pid 4242 on elsewhere)"),
      std::string::npos)
      << text;
  EXPECT_TRUE(workers_of(dir).empty());
  {
    db::Database database((dir / "f.db").string());
    auto holder = database.lock_holder();
    ASSERT_TRUE(holder.has_value()) << "the new holder's lock was released by the old run";
    EXPECT_EQ(holder->pid, 4242);
    EXPECT_EQ(holder->machine.host, "elsewhere");
    database.release_lock(4242, elsewhere);  // the other run ends
  }
  EXPECT_EQ(running(), 2);  // left for the new holder to adopt: the old run wrote nothing more
  ASSERT_EQ(wait_for(spawn_fsearch(run_args(dir), log.string())), 0);
  expect_same_results(export_jobs(dir), reference_);
}

TEST_F(Sweep, FailedJobsStayFailedUntilRetriedThenFinishLikeTheReference) {
  auto dir = workdir("retry-failed");
  auto args = run_args(dir);
  auto broken = args;
  broken.insert(broken.end(), {"--worker-binary", "/bin/false"});  // every attempt exits 1
  // A sweep that ends with failed jobs says so in its exit code (scripts and CI can tell).
  EXPECT_EQ(wait_for(spawn_fsearch(broken, (dir / "broken.log").string())), 3);
  for (const auto& j : export_jobs(dir)) {
    EXPECT_EQ(j["state"], "failed") << j["function"];
    EXPECT_EQ(j["attempts"], 3) << j["function"];
  }

  auto again = run_fsearch("run --space " + space_file(dir) + " --db " + (dir / "f.db").string() +
                           " --budget smoke --workers 2 --threads-per-worker 1");
  EXPECT_NE(again.err.find("4 job(s) failed earlier and stay failed"), std::string::npos) << again.err;
  EXPECT_EQ(again.exit_code, 3);
  for (const auto& j : export_jobs(dir)) EXPECT_EQ(j["state"], "failed") << j["function"];

  args.push_back("--retry-failed");
  auto retry = (dir / "retry.log").string();
  ASSERT_EQ(wait_for(spawn_fsearch(args, retry)), 0);
  std::ifstream in(retry);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("4 failed job(s) queued again"), std::string::npos) << log;
  expect_same_results(export_jobs(dir), reference_);
}

// Successive halving on the same four jobs, on real workers: rungs at a third of the budget and at
// the whole of it, eta 3. Four jobs reach the first rung; the best of the first three continues
// (asynchronous promotion), the fourth cannot displace it (floor(4 / 3) = 1). Each rung is scored
// on an annealed branch (2 steps), which the promoted job must not keep.
std::vector<std::string> halving_args(const fs::path& dir) {
  auto path = dir / "halving.yaml";
  std::ofstream(path) << "name: mini\nprimitives: [erf, tanh, isru]\nbaselines: [layernorm]\nproxies: ["
                      << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n"
                      << "strategy: halving\nhalving: {eta: 3, min_fraction: 0.34, cooldown: 0.2}\n";
  return {"run",     "--space", path.string(), "--db", (dir / "f.db").string(), "--budget", "smoke",
          "--workers", "2",     "--threads-per-worker", "1"};
}

// Each train event's step appears once per job: a resumed or promoted job continued from its
// checkpoint and trained no step twice.
void expect_no_step_trained_twice(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir / "runs" / "mini")) {
    std::ifstream in(entry.path() / "events.jsonl");
    std::map<std::int64_t, int> seen;
    for (std::string line; std::getline(in, line);) {
      auto e = nlohmann::json::parse(line, nullptr, false);
      if (e.is_object() && e.value("type", "") == "train") {
        EXPECT_EQ(++seen[e["step"].get<std::int64_t>()], 1) << entry.path() << " step " << e["step"];
      }
    }
  }
}

// The end state of a halving sweep of the four jobs: one trained to the end, exactly as the grid
// trained it; three paused at step 10 of 30, each with its rung; one promotion recorded.
void expect_halving_outcome(const fs::path& dir, const nlohmann::json& grid) {
  auto jobs = export_jobs(dir);
  auto reference = by_key(grid);
  int done = 0, paused = 0;
  for (const auto& j : jobs) {
    if (j["state"] == "done") {
      ++done;
      ASSERT_TRUE(reference.count(j["key"]));
      for (const char* field : {"test_acc", "final_loss", "best_loss", "steps"})
        EXPECT_EQ(j["result"][field], reference[j["key"]]["result"][field]) << field;
    } else {
      EXPECT_EQ(j["state"], "paused") << j["function"];
      paused += j["state"] == "paused";
      EXPECT_TRUE(fs::exists(fs::path(j["run_dir"].get<std::string>()) / "rung-10.json")) << j["function"];
    }
  }
  EXPECT_EQ(done, 1);
  EXPECT_EQ(paused, 3);
  auto status = run_fsearch("status --json --db " + (dir / "f.db").string());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto rungs = nlohmann::json::parse(status.out)[0]["rungs"];
  ASSERT_EQ(rungs.size(), 1u) << rungs;
  EXPECT_EQ(rungs[0]["reached"], 4);
  EXPECT_EQ(rungs[0]["promoted"], 1);
  EXPECT_NE(rungs[0]["promotions"][0]["reason"].get<std::string>().find("rank 1 of 3 at rung 0"), std::string::npos)
      << rungs;
  EXPECT_NE(rungs[0]["promotions"][0]["reason"].get<std::string>().find("after a cooldown of 2 steps"),
            std::string::npos)
      << rungs;
  // The text lists at most --best promotions per rung and says how many it left out.
  auto text = run_fsearch("status --best 0 --db " + (dir / "f.db").string());
  EXPECT_NE(text.out.find("4 reached, 1 promoted"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("... 1 more promotion(s): --best 1 or --json shows them"), std::string::npos) << text.out;
  expect_no_step_trained_twice(dir);
}

TEST_F(Sweep, HalvingTrainsTheBestToTheEndExactlyAsTheGridDoes) {
  auto dir = workdir("halving");
  ASSERT_EQ(wait_for(spawn_fsearch(halving_args(dir), (dir / "log").string())), 0);
  expect_halving_outcome(dir, reference_);
  // Run again: nothing new to train, nothing promoted twice.
  auto again = run_fsearch([&] {
    std::string line;
    for (const auto& a : halving_args(dir)) line += "'" + a + "' ";
    return line;
  }());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("4 jobs (0 new; 1 already finished, 3 paused at a rung)"), std::string::npos) << again.err;
  expect_halving_outcome(dir, reference_);
  // The grid over the same database continues the paused jobs from their checkpoints: the grid's
  // results, with no step trained twice.
  auto grid = run_args(dir);
  ASSERT_EQ(wait_for(spawn_fsearch(grid, (dir / "grid.log").string())), 0);
  expect_same_results(export_jobs(dir), reference_);
  expect_no_step_trained_twice(dir);
}

// A halving database committed on another machine comes without its run directories, so its paused
// jobs have no job.json to promote. The grid over such a copy promotes every paused job: each gets its
// job.json again from the plan and trains from its start to exactly the grid's numbers.
TEST_F(Sweep, PausedJobsWhoseRunDirectoriesAreGoneArePromotedFromTheirStart) {
  auto dir = workdir("halving-elsewhere");
  ASSERT_EQ(wait_for(spawn_fsearch(halving_args(dir), (dir / "log").string())), 0);
  expect_halving_outcome(dir, reference_);
  fs::remove_all(dir / "runs");
  auto grid = run_args(dir);
  auto log = (dir / "grid.log").string();
  ASSERT_EQ(wait_for(spawn_fsearch(grid, log)), 0) << file_text(log);
  expect_same_results(export_jobs(dir), reference_);
  expect_no_step_trained_twice(dir);
}

// A job promoted and then copied to another machine before it finished: its run directory (where the
// promotion had moved its pause) is gone. Prepared again from the plan it would pause at the first
// rung, where it has been promoted already, and stay there; it keeps its promotion from the database
// and trains to the end, to exactly the grid's numbers.
TEST_F(Sweep, PromotedJobsWhoseRunDirectoriesAreGoneKeepTheirPromotion) {
  auto dir = workdir("halving-promoted-elsewhere");
  ASSERT_EQ(wait_for(spawn_fsearch(halving_args(dir), (dir / "log").string())), 0);
  expect_halving_outcome(dir, reference_);
  std::string promoted;
  for (const auto& j : export_jobs(dir)) {
    if (j["state"] == "done") {
      promoted = j["key"];
      fs::remove_all(j["run_dir"].get<std::string>());
    }
  }
  ASSERT_FALSE(promoted.empty());
  const std::string sql = "update jobs set state = 'pending', finished_at = 0 where key = '" + promoted +
                          "'; delete from results where job_key = '" + promoted + "';";
  ASSERT_EQ(std::system(("sqlite3 " + (dir / "f.db").string() + " \"" + sql + "\"").c_str()), 0)
      << "needs sqlite3 (scripts/setup.sh)";
  ASSERT_EQ(wait_for(spawn_fsearch(halving_args(dir), (dir / "again.log").string())), 0);
  expect_halving_outcome(dir, reference_);
}

TEST_F(Sweep, HalvingSchedulerKilledMidRungThenResumed) {
  auto dir = workdir("halving-kill");
  auto log = (dir / "log").string();
  // Killed while the first jobs train toward the first rung, then again after a job has paused.
  int pid = spawn_fsearch(halving_args(dir), log);
  ASSERT_TRUE(wait_until([&] { return !workers_of(dir).empty(); }));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  pid = spawn_fsearch(halving_args(dir), log);
  ASSERT_TRUE(wait_until([&] {
    if (!fs::exists(dir / "runs" / "mini")) return false;
    for (const auto& entry : fs::directory_iterator(dir / "runs" / "mini"))
      if (fs::exists(entry.path() / "rung-10.json")) return true;
    return false;
  }));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  ASSERT_EQ(wait_for(spawn_fsearch(halving_args(dir), log)), 0);
  EXPECT_TRUE(workers_of(dir).empty());
  expect_halving_outcome(dir, reference_);
}

// Evolution on real workers: an initial population of 3 and LayerNorm, then two generations of two
// children. Training is deterministic, so an uninterrupted run and one whose scheduler was killed in
// the middle of a generation breed the same children and train the same jobs, none twice.
std::vector<std::string> evolution_args(const fs::path& dir) {
  auto path = dir / "evo.yaml";
  std::ofstream(path) << "name: mini\nprimitives: [erf, tanh, isru, arctan]\n"
                      << "transforms: [{kind: hshift, values: [0.1]}, {kind: clip, values: [2]}]\ndepth: 0\n"
                      << "baselines: [layernorm]\nproxies: [" << FSEARCH_SOURCE_DIR
                      << "/configs/proxies/vit-tiny.yaml]\nstrategy: evolution\n"
                      << "evolution: {population: 3, tournament: 2, children: 2, generations: 2, seed: 1}\n";
  return {"run",     "--space", path.string(), "--db", (dir / "f.db").string(), "--budget", "smoke",
          "--workers", "2",     "--threads-per-worker", "1"};
}

nlohmann::json evolution_status(const fs::path& dir) {
  auto status = run_fsearch("status --json --db " + (dir / "f.db").string());
  EXPECT_EQ(status.exit_code, 0) << status.err;
  return nlohmann::json::parse(status.out)[0]["evolution"];
}

TEST(Evolution, KilledMidGenerationBreedsWhatAnUninterruptedRunBreeds) {
  auto straight = workdir("evolution");
  ASSERT_EQ(wait_for(spawn_fsearch(evolution_args(straight), (straight / "log").string())), 0);
  auto expected = evolution_status(straight);
  ASSERT_EQ(expected["generations"].size(), 3u) << expected;
  for (const auto& g : expected["generations"]) EXPECT_GT(g["kept"].get<int>(), 0) << expected;
  auto expected_jobs = export_jobs(straight);
  EXPECT_EQ(expected_jobs.size(), 4u + 2 + 2);  // 3 members and LayerNorm, then 2 children per generation

  auto killed = workdir("evolution-kill");
  auto log = (killed / "log").string();
  int pid = spawn_fsearch(evolution_args(killed), log);
  ASSERT_TRUE(wait_until([&] {  // a child of generation 1 is training
    return fs::exists(killed / "runs" / "mini") &&
           std::distance(fs::directory_iterator(killed / "runs" / "mini"), fs::directory_iterator()) > 4 &&
           !workers_of(killed).empty();
  }));
  ::kill(pid, SIGKILL);
  wait_for(pid);
  ASSERT_EQ(wait_for(spawn_fsearch(evolution_args(killed), log)), 0);
  EXPECT_EQ(evolution_status(killed), expected);
  auto jobs = by_key(export_jobs(killed));
  for (const auto& [key, job] : by_key(expected_jobs)) {
    ASSERT_TRUE(jobs.count(key)) << job["function"];
    EXPECT_EQ(jobs[key]["state"], "done");
    EXPECT_EQ(jobs[key]["result"]["test_acc"], job["result"]["test_acc"]) << job["function"];
  }
  expect_no_step_trained_twice(killed);
}

}  // namespace
}  // namespace fsearch::testing
