// `fsearch run` with real worker processes: a sweep survives SIGKILL of its scheduler (at several
// points) and of a worker; every job ends recorded exactly once, none left running, and the results
// equal those of an uninterrupted sweep.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "fsearch/core/process.h"
#include "fsearch/db/database.h"
#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path workdir(const std::string& name) {
  auto dir = fsearch::testing::program_temp_dir() / ("sweep-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string space_file(const fs::path& dir) {
  auto path = dir / "space.yaml";
  std::ofstream(path) << "name: mini\nprimitives: [erf, tanh, isru]\nbaselines: [layernorm]\nproxies: ["
                      << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n";
  return path.string();
}

std::vector<std::string> run_args(const fs::path& dir) {
  return {"run",      "--space", space_file(dir), "--db", (dir / "f.db").string(),
          "--budget", "smoke",   "--workers",     "2",    "--threads-per-worker",
          "1"};
}

nlohmann::json export_jobs_of(const fs::path& db) {
  auto r = run_fsearch("export --format json --db " + db.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

nlohmann::json export_jobs(const fs::path& dir) { return export_jobs_of(dir / "f.db"); }

int finished_runs(const fs::path& dir) {
  int n = 0;
  if (!fs::exists(dir / "runs" / "mini")) return 0;
  for (const auto& entry : fs::directory_iterator(dir / "runs" / "mini"))
    n += fs::exists(entry.path() / "result.json");
  return n;
}

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

std::map<std::string, nlohmann::json> by_function(const nlohmann::json& jobs) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& j : jobs) out[j["function"].get<std::string>()] = j;
  return out;
}

std::map<std::string, nlohmann::json> by_key(const nlohmann::json& jobs) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& j : jobs) {
    EXPECT_FALSE(out.count(j["key"])) << "job recorded twice: " << j["key"];
    out[j["key"]] = j;
  }
  return out;
}

void expect_same_results(const nlohmann::json& got, const nlohmann::json& expected) {
  auto a = by_key(got), b = by_key(expected);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, job] : b) {
    ASSERT_TRUE(a.count(key)) << key;
    EXPECT_EQ(a[key]["state"], "done") << key;
    for (const char* field : {"test_acc", "final_loss", "best_loss", "steps"}) {
      EXPECT_EQ(a[key]["result"][field], job["result"][field]) << key << " " << field;
    }
  }
}

// An option for grid sweeps only, given to a halving sweep: exit 2 naming the option and the
// space, before a database is made.
void expect_refused_for_halving(const fs::path& dir, const std::string& option, const std::string& value) {
  auto halving = dir / "halving.yaml";
  std::ofstream(halving) << "name: h\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                         << "/configs/proxies/vit-tiny.yaml]\nstrategy: halving\n";
  auto refused = run_fsearch("run --space " + halving.string() + " --db " + (dir / "h.db").string() + " " +
                             option + (value.empty() ? "" : " " + value));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(option + ": " + halving.string() + " uses strategy halving"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir / "h.db"));
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


// A whole table config through the real binary at the smoke budget: run, then report.
TEST(TableEndToEnd, Table4RunAndReport) {
  auto dir = workdir("table4");
  auto db = (dir / "t.db").string();
  auto run = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) +
                         "/configs/tables/table4.yaml --db " + db + " --budget smoke --workers 2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto report = run_fsearch("report --db " + db + " --tables 4 --out " + (dir / "reports").string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream in(dir / "reports" / "table4.md");
  std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Five functions, each with a number or an x of this run beside the paper's value.
  EXPECT_NE(md.find("| top-1 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| — ("), std::string::npos) << md;
  EXPECT_NE(md.find("budget smoke"), std::string::npos) << md;
  for (const char* figure :
       {"table4-functions.svg", "table4-functions.png", "table4-loss.svg", "table4-loss.png"}) {
    EXPECT_GT(fs::file_size(dir / "reports" / "figures" / figure), 1000u) << figure;
  }
  EXPECT_TRUE(fs::exists(dir / "reports" / "index.md"));

  // A researcher's own table over the same sweep (docs/tables.md), from a file of their own.
  std::ofstream(dir / "mine.yaml") << "name: table4\n"
                                      "table:\n"
                                      "  number: 104\n"
                                      "  title: Two growth rates\n"
                                      "  proxy: vit-tiny\n"
                                      "  shift: none\n"
                                      "  columns: [top-1]\n"
                                      "  rows:\n"
                                      "    - {label: slow, function: \"logsign(x)\", paper: 82.2}\n"
                                      "    - {label: fast, function: \"linear(x)\", paper: x}\n"
                                      "  findings:\n"
                                      "    - {name: \"slow >= fast\", at_least: [slow, top-1], than: [fast, top-1]}\n";
  auto own = run_fsearch("report --no-figures --db " + db + " --tables 4 --table " + (dir / "mine.yaml").string() +
                         " --out " + (dir / "own").string());
  ASSERT_EQ(own.exit_code, 0) << own.err;
  std::ifstream own_in(dir / "own" / "table104.md");
  std::string own_md((std::istreambuf_iterator<char>(own_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(own_md.find("# Table 104: Two growth rates"), std::string::npos) << own_md;
  EXPECT_NE(own_md.find("| slow |"), std::string::npos) << own_md;
  EXPECT_EQ(own_md.find("| slow | — ("), std::string::npos) << "logsign's smoke job has a result: " << own_md;
  EXPECT_NE(own_md.find("| slow >= fast |"), std::string::npos) << own_md;
}


// --seeds overrides the space's seeds: each cell is planned once per seed; a negative seed is refused.
TEST(SweepCli, SeedsOverrideTheSpace) {
  auto dir = workdir("seeds");
  auto space = std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml";
  auto r = run_fsearch("run --space " + space + " --db " + (dir / "f.db").string() +
                       " --seeds 0,1,2 --plan-only --budget smoke");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = export_jobs(dir);
  ASSERT_EQ(jobs.size(), 15u);  // Table 4's five functions x three seeds
  std::map<std::int64_t, int> per_seed;
  for (const auto& j : jobs) per_seed[j["seed"].get<std::int64_t>()]++;
  EXPECT_EQ(per_seed, (std::map<std::int64_t, int>{{0, 5}, {1, 5}, {2, 5}}));
  r = run_fsearch("run --space " + space + " --db " + (dir / "g.db").string() + " --seeds 0,-1 --plan-only");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("'-1' is not a seed"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "g.db"));
  fs::remove_all(dir);
}

// A database committed while its sweep ran carries that scheduler's lock. On a fresh machine with
// the same host name (virtual machines are all "vm") the recorded pid may be a live process there,
// here this test's own: status and run judge such a lock by its heartbeat, and take it over. The
// same lock in this boot is live and refuses a second scheduler.
TEST(SweepCli, ALockLeftByAnotherBootOfThisHostIsTakenOver) {
  auto dir = workdir("lock-boot");
  const auto here = this_machine();
  ASSERT_FALSE(here.boot_id.empty()) << "needs /proc/sys/kernel/random/boot_id";
  const std::string db = (dir / "f.db").string();
  const std::string pid = std::to_string(::getpid());
  const std::string run = "run --space " + space_file(dir) + " --db " + db + " --plan-only --budget smoke";
  auto never_alive = [](std::int64_t) { return false; };
  {
    db::Database database(db);
    database.acquire_lock(::getpid(), here, unix_now(), never_alive);
  }
  auto status = run_fsearch("status --db " + db);
  EXPECT_NE(status.out.find("in use by fsearch run, pid " + pid + " on " + here.host), std::string::npos)
      << status.out;
  auto refused = run_fsearch(run);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("is in use by another fsearch run (pid " + pid), std::string::npos)
      << refused.err;

  {  // the same lock, as an earlier boot of a machine of this name left it an hour ago
    db::Database database(db);
    database.release_lock(::getpid(), here);
    database.acquire_lock(::getpid(), Machine{here.host, here.boot_id + "-earlier"}, unix_now() - 3600,
                          never_alive);
  }
  status = run_fsearch("status --db " + db);
  EXPECT_NE(status.out.find("not in use: the lock of fsearch run, pid " + pid + " on " + here.host +
                            " (another machine or an earlier boot), was last refreshed 60m ago"),
            std::string::npos)
      << status.out;
  auto taken = run_fsearch(run);
  EXPECT_EQ(taken.exit_code, 0) << taken.err;
  EXPECT_EQ(export_jobs_of(db).size(), 4u);
  EXPECT_EQ(run_fsearch("status --db " + db).out.find("in use"), std::string::npos);  // released at exit
}

// `fsearch status` shows each running job's progress from its events.jsonl, also when asked from
// another folder than the sweep ran in (the database stores run directories as given, relative).
TEST(SweepCli, StatusShowsHowFarEachRunningJobHasCome) {
  auto dir = workdir("status-running");
  struct InDir {  // the sweep runs in `dir`; restored whatever the test's outcome
    fs::path before = fs::current_path();
    explicit InDir(const fs::path& d) { fs::current_path(d); }
    ~InDir() { fs::current_path(before); }
  };
  nlohmann::json jobs;
  {
    InDir in(dir);
    auto r = run_fsearch("run --space " + space_file(dir) + " --db data/f.db --runs data/runs --plan-only --budget smoke");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    jobs = export_jobs_of("data/f.db");
  }
  ASSERT_EQ(jobs.size(), 4u);
  const auto job = jobs[0];
  const std::string run_dir = job["run_dir"];
  ASSERT_TRUE(fs::path(run_dir).is_relative()) << run_dir;
  {
    db::Database database((dir / "data" / "f.db").string());
    database.mark_running(job["key"], 4242, unix_now() - 125);
  }
  std::ofstream(dir / run_dir / "events.jsonl") << "{\"step\":0,\"total_steps\":30,\"type\":\"start\"}\n"
                                                << "{\"step\":10,\"type\":\"train\"}\n{\"step\":20,\"ty";
  auto status = run_fsearch("status --db " + (dir / "data" / "f.db").string());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("running: " + job["function"].get<std::string>()), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("step 10 of 30 (33%), for 2 min"), std::string::npos) << status.out;

  std::ofstream(dir / run_dir / "events.jsonl", std::ios::app) << "pe\":\"train\"}\n{\"step\":30,\"type\":\"train\"}\n";
  status = run_fsearch("status --db " + (dir / "data" / "f.db").string());
  EXPECT_NE(status.out.find("all 30 steps trained, evaluating"), std::string::npos) << status.out;
  fs::remove_all(dir);
}

// A run with fewer seeds than the sweep was planned with counts its own jobs, and says that the
// sweep's other pending jobs (the loop trains every pending job of the sweep) are there too.
TEST(SweepCli, ANarrowerRunNamesTheSweepsOtherJobs) {
  auto dir = workdir("seeds-narrower");
  auto space = std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml";
  const auto db = " --db " + (dir / "f.db").string() + " --plan-only --budget smoke";
  ASSERT_EQ(run_fsearch("run --space " + space + db + " --seeds 0,1,2").exit_code, 0);
  auto r = run_fsearch("run --space " + space + db + " --seeds 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("5 jobs (0 new; 0 already finished); the sweep holds 10 more from earlier runs (other "
                       "seeds, lrs, budget or cells), 10 of them still to train, which this run trains too"),
            std::string::npos)
      << r.err;
  r = run_fsearch("run --space " + space + db + " --seeds 0,1,2");
  EXPECT_NE(r.err.find("15 jobs (0 new; 0 already finished), budget"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

// --drop-unplanned after narrowing a space (real workers): the jobs the new plan lacks that never
// started leave the sweep, the database and their run directories; a finished one stays with its
// result; the loop then trains only the plan. A typo in by_function, or a strategy whose sweep
// holds jobs its plan does not list, is refused before anything changes.
TEST(SweepCli, DropUnplannedForgetsTheCellsANarrowedSpaceLeftOut) {
  auto dir = workdir("drop-unplanned");
  const std::string proxy = "proxies: [" + std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml]\n";
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf, tanh]\nbaselines: [layernorm]\n"
                                    << "seeds: [0, 1]\n" << proxy;
  const auto run = "run --space " + (dir / "space.yaml").string() + " --db " + (dir / "f.db").string() +
                   " --budget smoke --workers 2";
  auto r = run_fsearch(run + " --only-seeds 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string tanh_seed1_dir;
  for (const auto& j : export_jobs(dir)) {
    if (j["function"] == "tanh(x)" && j["seed"] == 1) tanh_seed1_dir = j["run_dir"];
  }
  ASSERT_TRUE(fs::exists(fs::path(tanh_seed1_dir) / "job.json")) << tanh_seed1_dir;

  // Narrowed: tanh goes. Its finished seed-0 job stays; its seed-1 job, never started, goes.
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf]\nbaselines: [layernorm]\n"
                                    << "seeds: [0, 1]\n" << proxy;
  r = run_fsearch(run + " --plan-only");
  EXPECT_NE(r.err.find("1 of them still to train, which this run trains too (--drop-unplanned"), std::string::npos)
      << r.err;
  r = run_fsearch(run + " --plan-only --drop-unplanned");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--drop-unplanned: 1 job(s) of the sweep that this plan does not list and that never "
                       "started were taken out of it"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("4 jobs (0 new; 2 already finished); the sweep holds 1 more from earlier runs"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(tanh_seed1_dir));

  std::ofstream(dir / "typo.yaml") << "name: mini\nprimitives: [erf]\nseeds: [0, 1]\n" << proxy
                                   << "layer:\n  by_function:\n    tahn: {shift: [none]}\n";
  r = run_fsearch("run --space " + (dir / "typo.yaml").string() + " --db " + (dir / "f.db").string() +
                  " --budget smoke --drop-unplanned");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("typo.yaml:7:11: layer.by_function.tahn: in expression \"tahn\""), std::string::npos)
      << r.err;
  std::ofstream(dir / "evolution.yaml") << "name: mini-evolution\nprimitives: [erf]\n" << proxy
                                        << "strategy: evolution\n";
  r = run_fsearch("run --space " + (dir / "evolution.yaml").string() + " --db " + (dir / "f.db").string() +
                  " --budget smoke --drop-unplanned");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--drop-unplanned: " + (dir / "evolution.yaml").string() + " uses strategy evolution"),
            std::string::npos)
      << r.err;

  r = run_fsearch(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::multiset<std::string> trained;
  for (const auto& j : export_jobs(dir)) {
    EXPECT_EQ(j["state"], "done") << j["function"] << " seed " << j["seed"];
    trained.insert(j["function"].get<std::string>() + " " + std::to_string(j["seed"].get<int>()));
  }
  EXPECT_EQ(trained, (std::multiset<std::string>{"erf(x) 0", "erf(x) 1", "layernorm 0", "layernorm 1", "tanh(x) 0"}))
      << "the refused runs recorded nothing, and tanh's seed 1 never trained";
  fs::remove_all(dir);
}

// When a job's result.json was written: a job trained again writes it again.
fs::file_time_type result_time(const nlohmann::json& job) {
  return fs::last_write_time(fs::path(job["run_dir"].get<std::string>()) / "result.json");
}

// --proxies trains one proxy's jobs (real workers) and leaves the others pending, planned; the
// same command without it trains the rest and nothing twice. A proxy the space does not have, or a
// strategy that decides on every proxy's results, is refused before anything changes.
TEST(SweepCli, ProxiesTrainsThoseJobsFirstAndTheRestLater) {
  auto dir = workdir("proxies");
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf]\nbaselines: [layernorm]\nproxies: ["
                                    << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml, " << FSEARCH_SOURCE_DIR
                                    << "/configs/proxies/vit-small.yaml]\n";
  const auto run = "run --space " + (dir / "space.yaml").string() + " --db " + (dir / "f.db").string() +
                   " --budget smoke --workers 2";
  auto r = run_fsearch(run + " --proxies vit-small");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--proxies vit-small: this run trains the sweep's 2 job(s) of vit-small; 2 job(s) of "
                       "vit-tiny stay pending (the same command without --proxies trains them)"),
            std::string::npos)
      << r.err;
  std::map<std::string, fs::file_time_type> first;  // the vit-small jobs' result.json times
  for (const auto& j : export_jobs(dir)) {
    EXPECT_EQ(j["state"], j["proxy"] == "vit-small" ? "done" : "pending") << j["proxy"];
    if (j["proxy"] == "vit-small") first[j["key"]] = result_time(j);
  }
  ASSERT_EQ(first.size(), 2u);
  auto status = run_fsearch("status --db " + (dir / "f.db").string());
  EXPECT_NE(status.out.find("  by proxy: vit-tiny: 2 pending; vit-small: 2 done\n"), std::string::npos) << status.out;

  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--proxies vit-smal", "--proxies: 'vit-smal' is not a proxy of"},
           {"--proxies dit-b", "--proxies: 'dit-b' is not a proxy of"}}) {
    r = run_fsearch(run + " " + flag);
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(its proxies: vit-tiny, vit-small)"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("did you mean vit-small?") != std::string::npos, flag == "--proxies vit-smal") << r.err;
  }
  std::ofstream(dir / "halving.yaml") << "name: mini-halving\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                                      << "/configs/proxies/vit-tiny.yaml]\nstrategy: halving\n";
  r = run_fsearch("run --space " + (dir / "halving.yaml").string() + " --db " + (dir / "f.db").string() +
                  " --budget smoke --proxies vit-tiny");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("uses strategy halving"), std::string::npos) << r.err;

  r = run_fsearch(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto jobs = export_jobs(dir);
  ASSERT_EQ(jobs.size(), 4u) << "the refused runs recorded nothing";
  for (const auto& j : jobs) {
    EXPECT_EQ(j["state"], "done") << j["proxy"];
    if (first.count(j["key"])) {
      EXPECT_EQ(result_time(j), first[j["key"]]) << "trained twice";
    }
  }
  status = run_fsearch("status --db " + (dir / "f.db").string());
  EXPECT_NE(status.out.find("  by proxy: vit-tiny: 2 done; vit-small: 2 done\n"), std::string::npos) << status.out;
  fs::remove_all(dir);
}

// A database in a folder that does not exist yet gets the folder, and the run says so; a folder
// that cannot be made (a file stands in its path) is refused as bad input, naming --db and why.
TEST(SweepCli, ADatabasesFolderIsCreatedSayingSoOrRefusedWithTheReason) {
  auto dir = workdir("db-folder");
  const std::string space = space_file(dir);
  auto r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "new" / "sub" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("created " + (dir / "new" / "sub").string() + " for the database"), std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(dir / "new" / "sub" / "f.db"));
  r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "new" / "sub" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("created"), std::string::npos) << "the folder was there:\n" << r.err;

  std::ofstream(dir / "a-file") << "not a folder\n";
  r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "a-file" / "f.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--db " + (dir / "a-file" / "f.db").string() + ": cannot create its folder " +
                       (dir / "a-file").string() + ": Not a directory"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// The same for the folders of run directories and of reports: a file in the way of --runs or --out
// is bad input (exit 2) naming the option, the folder and why, before a database is made or any
// report written.
TEST(SweepCli, ARunsOrOutFolderThatCannotBeMadeIsRefusedNamingTheOption) {
  auto dir = workdir("runs-folder");
  const std::string space = space_file(dir);
  std::ofstream(dir / "a-file") << "not a folder\n";
  const std::string blocked = (dir / "a-file" / "runs").string();
  auto r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "f.db").string() + " --runs " +
                       blocked);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(
      r.err.find("--runs " + blocked + ": cannot create the folder " + blocked + "/mini: Not a directory"),
      std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "f.db"));

  ASSERT_EQ(run_fsearch("run --space " + space + " --plan-only --db " + (dir / "f.db").string()).exit_code,
            0);
  const std::string out = (dir / "a-file" / "report").string();
  r = run_fsearch("report --no-figures --db " + (dir / "f.db").string() + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--out " + out + ": cannot create the folder " + out + "/figures: Not a directory"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// The shipped spaces name their proxies (vit-tiny, not ../proxies/vit-tiny.yaml): a copy edited
// elsewhere, as a researcher starts a space of their own, plans the same jobs as the original.
TEST(SweepCli, ACopyOfAShippedSpacePlansTheSameJobsFromAnotherFolder) {
  auto dir = workdir("copied-space");
  for (const std::string name : {"space.yaml", "tables/table7.yaml"}) {
    const auto original = std::string(FSEARCH_SOURCE_DIR) + "/configs/" + name;
    const auto copy = dir / ("copy-" + fs::path(name).filename().string());
    fs::copy_file(original, copy);
    const auto a = dir / ("original-" + fs::path(name).stem().string() + ".db");
    const auto b = dir / ("copy-" + fs::path(name).stem().string() + ".db");
    auto r = run_fsearch("run --plan-only --space " + original + " --db " + a.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_fsearch("run --plan-only --space " + copy.string() + " --db " + b.string());
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::vector<std::string> keys[2];
    for (int i = 0; i < 2; ++i) {
      const auto jobs = export_jobs_of(i == 0 ? a : b);
      for (const auto& job : jobs) keys[i].push_back(job["key"].get<std::string>());
      std::sort(keys[i].begin(), keys[i].end());
    }
    EXPECT_FALSE(keys[0].empty()) << name;
    EXPECT_EQ(keys[0], keys[1]) << name;
  }
  fs::remove_all(dir);
}

// A proxy whose data set is not in its folder would fail every job: `fsearch run` refuses it before
// the database is made, naming the proxy, the file and the folder; `fsearch train` before it makes
// the run directory (which would otherwise stay claimed by a job that cannot start).
TEST(SweepCli, AProxyWhoseDataIsMissingIsRefusedBeforeAnythingIsMade) {
  auto dir = workdir("no-data");
  const auto proxy = dir / "no-data.yaml";
  {
    std::ifstream in(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const auto data = yaml.find("\ndata:\n");
    ASSERT_NE(data, std::string::npos);
    yaml.insert(data + 7, "  path: " + (dir / "nowhere").string() + "\n");
    std::ofstream(proxy) << yaml;
  }
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf]\nbaselines: [layernorm]\nproxies: ["
                                    << proxy.string() << "]\n";
  auto r = run_fsearch("run --space " + (dir / "space.yaml").string() + " --db " + (dir / "f.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(proxy.string() + ": data set fashion-mnist: no train-images-idx3-ubyte.gz in " +
                       (dir / "nowhere").string()),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "f.db"));

  r = run_fsearch("train --proxy vit-tiny --budget smoke --data-path " + (dir / "nowhere").string() + " --out " +
                  (dir / "run").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no train-images-idx3-ubyte.gz in"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "run"));
  fs::remove_all(dir);
}

// --only-seeds trains one seed of every cell (real workers) and leaves the other seeds pending;
// with --proxies, one seed of those proxies' cells. A seed the plan does not have is refused before
// anything changes, as is a strategy that decides on every job's results; the same command without
// the filter trains the rest and nothing twice.
TEST(SweepCli, OnlySeedsTrainsOneSeedOfEveryCellFirst) {
  auto dir = workdir("only-seeds");
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf]\nbaselines: [layernorm]\nseeds: [0, 1]\n"
                                    << "proxies: [" << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml, "
                                    << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-small.yaml]\n";
  const auto run = "run --space " + (dir / "space.yaml").string() + " --db " + (dir / "f.db").string() +
                   " --budget smoke --workers 2";
  auto r = run_fsearch(run + " --proxies vit-small --only-seeds 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--proxies vit-small --only-seeds 1: this run trains the sweep's 2 job(s) of vit-small, "
                       "seed 1; 6 job(s) of vit-tiny, vit-small, seeds 0, 1 stay pending (the same command "
                       "without --proxies and --only-seeds trains them)"),
            std::string::npos)
      << r.err;
  r = run_fsearch(run + " --only-seeds 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--only-seeds 0: this run trains the sweep's 4 job(s) of seed 0; 2 job(s) of seed 1 stay "
                       "pending (the same command without --only-seeds trains them)"),
            std::string::npos)
      << r.err;
  std::map<std::string, fs::file_time_type> first;  // the trained jobs' result.json times
  for (const auto& j : export_jobs(dir)) {
    const bool trained = j["seed"] == 0 || j["proxy"] == "vit-small";
    EXPECT_EQ(j["state"], trained ? "done" : "pending") << j["proxy"] << " seed " << j["seed"];
    if (trained) first[j["key"]] = result_time(j);
  }
  ASSERT_EQ(first.size(), 6u);

  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--only-seeds 2", "--only-seeds: 2 is not a seed of this run (its seeds: 0, 1)"},
           {"--only-seeds -1", "--only-seeds: '-1' is not a seed: seeds are whole numbers >= 0"}}) {
    r = run_fsearch(run + " " + flag);
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  std::ofstream(dir / "halving.yaml") << "name: mini-halving\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                                      << "/configs/proxies/vit-tiny.yaml]\nstrategy: halving\n";
  r = run_fsearch("run --space " + (dir / "halving.yaml").string() + " --db " + (dir / "f.db").string() +
                  " --budget smoke --only-seeds 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--only-seeds: " + (dir / "halving.yaml").string() + " uses strategy halving"),
            std::string::npos)
      << r.err;

  r = run_fsearch(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto jobs = export_jobs(dir);
  ASSERT_EQ(jobs.size(), 8u) << "the refused runs recorded nothing";
  for (const auto& j : jobs) {
    EXPECT_EQ(j["state"], "done") << j["proxy"] << " seed " << j["seed"];
    if (first.count(j["key"])) {
      EXPECT_EQ(result_time(j), first[j["key"]]) << "trained twice";
    }
  }
  fs::remove_all(dir);
}

// Early rejection is the verdict of a probe at step 50: --retry-rejected trains such a job on to the
// end from its checkpoint, with rejection off, and leaves every other job as it was. A halving sweep
// refuses it before anything is recorded.
TEST(SweepCli, RetryRejectedTrainsARejectedJobOnToTheEnd) {
  auto dir = workdir("retry-rejected");
  auto space = dir / "space.yaml";
  std::ofstream(dir / "vit-tiny.yaml") << proxy_text("vit-tiny", false);  // 60 steps, no 150-step probe first
  std::ofstream(space) << "name: rej\nprimitives: [\"0 * x\", \"erf(x)\"]\nrequire: []\nbaselines: []\n"
                       << "proxies: [" << (dir / "vit-tiny.yaml").string() << "]\n"
                       << "budget:\n  steps: 60\n";
  const std::string run = "run --space " + space.string() + " --db " + (dir / "f.db").string() +
                          " --workers 2 --threads-per-worker 1";  // the space's budget: 60 steps, probe at 50
  auto first = run_fsearch(run);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto jobs = by_function(export_jobs(dir));
  ASSERT_EQ(jobs.at("0 * x")["state"], "rejected");
  EXPECT_EQ(jobs.at("0 * x")["result"]["steps"], 50);
  ASSERT_EQ(jobs.at("erf(x)")["state"], "done");
  const auto erf = jobs.at("erf(x)")["result"];

  auto again = run_fsearch(run);  // without the flag a rejection stays
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(by_function(export_jobs(dir)).at("0 * x")["state"], "rejected");
  fs::copy_file(dir / "f.db", dir / "copy.db");  // for another machine, below

  auto retry = run_fsearch(run + " --retry-rejected");
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_NE(retry.err.find("1 rejected job(s) queued again"), std::string::npos) << retry.err;
  jobs = by_function(export_jobs(dir));
  EXPECT_EQ(jobs.at("0 * x")["state"], "done");
  EXPECT_EQ(jobs.at("0 * x")["result"]["steps"], 60);
  EXPECT_EQ(jobs.at("erf(x)")["result"]["test_acc"], erf["test_acc"]);  // not trained again
  const auto run_dir = fs::path(jobs.at("0 * x")["run_dir"].get<std::string>());
  EXPECT_TRUE(fs::exists(run_dir / "result.rejected.json"));
  std::ifstream events(run_dir / "events.jsonl");
  std::vector<std::int64_t> resumed_at;
  for (std::string line; std::getline(events, line);) {
    auto event = nlohmann::json::parse(line);
    if (event["type"] == "resume") resumed_at.push_back(event["step"]);
  }
  EXPECT_EQ(resumed_at, std::vector<std::int64_t>{50}) << "continued from the rejection's checkpoint";

  // The database as committed elsewhere, without its run directories: the rejected job comes again
  // from the plan and trains from its start to the end.
  fs::remove_all(dir / "runs");
  auto elsewhere = run_fsearch("run --space " + space.string() + " --db " + (dir / "copy.db").string() +
                               " --workers 2 --threads-per-worker 1 --retry-rejected");
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  auto copied = by_function(export_jobs_of(dir / "copy.db"));
  EXPECT_EQ(copied.at("0 * x")["state"], "done");
  EXPECT_EQ(copied.at("0 * x")["result"]["steps"], 60);
  EXPECT_EQ(copied.at("0 * x")["result"]["test_acc"], jobs.at("0 * x")["result"]["test_acc"]);

  expect_refused_for_halving(dir, "--retry-rejected", "");
  fs::remove_all(dir);
}

// --retrain-build: jobs a given build trained train again from the start (here to the same numbers:
// the same build, deterministic smoke jobs), their old results and run directories kept. A build
// that trained nothing is refused with the builds there are, before anything changes; a halving
// sweep is refused before a database is made.
TEST(SweepCli, RetrainBuildTrainsThatBuildsJobsAgainAndKeepsTheOldResults) {
  auto dir = workdir("retrain-build");
  auto space = dir / "space.yaml";
  std::ofstream(space) << "name: rb\nprimitives: [erf]\nbaselines: [layernorm]\nproxies: [" << FSEARCH_SOURCE_DIR
                       << "/configs/proxies/vit-tiny.yaml]\n";
  const std::string run = "run --space " + space.string() + " --db " + (dir / "f.db").string() +
                          " --budget smoke --workers 2 --threads-per-worker 1";
  auto first = run_fsearch(run);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = export_jobs(dir);
  ASSERT_EQ(before.size(), 2u);
  const std::string build = before[0]["result"]["git_commit"];
  ASSERT_GE(build.size(), 7u);
  auto csv = run_fsearch("export --format csv --db " + (dir / "f.db").string());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",build,run_dir\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("," + build + ","), std::string::npos) << csv.out;

  auto typo = run_fsearch(run + " --retrain-build 0000000");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("--retrain-build 0000000: no finished job of sweep rb was trained by that build"),
            std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find(build + ": 2"), std::string::npos) << typo.err;
  auto not_a_build = run_fsearch(run + " --retrain-build latest");
  EXPECT_EQ(not_a_build.exit_code, 2);
  EXPECT_NE(not_a_build.err.find("'latest' is not a build"), std::string::npos) << not_a_build.err;
  expect_same_results(export_jobs(dir), before);

  // Queued with --plan-only: pending, not failed, and status counts the replaced results.
  auto queued = run_fsearch(run + " --plan-only --retrain-build " + build);
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  EXPECT_NE(queued.err.find("2 finished job(s) trained by " + build + " queued again"), std::string::npos)
      << queued.err;
  EXPECT_EQ(queued.err.find("job start"), std::string::npos) << queued.err;
  auto status = run_fsearch("status --db " + (dir / "f.db").string());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("replaced: 2 result(s) of builds trained again (--retrain-build; " + build + ": 2)"),
            std::string::npos)
      << status.out;
  auto status_json = run_fsearch("status --json --db " + (dir / "f.db").string());
  ASSERT_EQ(status_json.exit_code, 0) << status_json.err;
  const auto sweep = nlohmann::json::parse(status_json.out).at(0);
  EXPECT_EQ(sweep["replaced"][build], 2) << status_json.out;
  EXPECT_EQ(sweep["jobs"]["pending"], 2) << status_json.out;
  EXPECT_TRUE(sweep["failures"].empty()) << "a job queued to train again is not a failure: " << status_json.out;

  // The same command without --plan-only (as after an interruption) goes on and trains them.
  auto before_of = [&](const nlohmann::json& key) {
    for (const auto& j : before)
      if (j["key"] == key) return j;
    return nlohmann::json();
  };
  auto before_run_dir = [&](const nlohmann::json& key) { return before_of(key)["run_dir"].get<std::string>(); };
  auto before_test_acc = [&](const nlohmann::json& key) { return before_of(key)["result"]["test_acc"]; };
  auto retrain = run_fsearch(run + " --retrain-build " + build);
  ASSERT_EQ(retrain.exit_code, 0) << retrain.err;
  EXPECT_NE(retrain.err.find("job start"), std::string::npos) << "trained again: " << retrain.err;
  const auto after = export_jobs(dir);
  expect_same_results(after, before);
  for (const auto& j : after) {
    const fs::path run_dir = j["run_dir"].get<std::string>();
    EXPECT_TRUE(fs::exists(run_dir / "result.json")) << run_dir;
    EXPECT_TRUE(fs::exists(run_dir.string() + ".replaced-" + build + "/result.json")) << run_dir;
  }
  {
    db::Database db((dir / "f.db").string(), db::Access::ReadOnly);
    auto kept = db.connection().prepare(
        "SELECT count(*), sum(json_extract(result, '$.git_commit') = ?), min(json_array_length(curves)) "
        "FROM replaced_results");
    kept.bind(1, build);
    ASSERT_TRUE(kept.step());
    EXPECT_EQ(kept.get_int(0), 2);
    EXPECT_EQ(kept.get_int(1), 2);
    EXPECT_GT(kept.get_int(2), 0);  // the curves came along
  }
  // `fsearch export --replaced`: the old results, one record each, beside when and why they went.
  auto old = run_fsearch("export --replaced --format json --db " + (dir / "f.db").string());
  ASSERT_EQ(old.exit_code, 0) << old.err;
  const auto old_records = nlohmann::json::parse(old.out);
  ASSERT_EQ(old_records.size(), 2u) << old.out;
  for (const auto& r : old_records) {
    EXPECT_EQ(r["state"], "done");
    EXPECT_EQ(r["result"]["git_commit"], build);
    EXPECT_EQ(r["run_dir"], before_run_dir(r["key"]) + ".replaced-" + build);
    EXPECT_NE(r["replaced_reason"].get<std::string>().find(build), std::string::npos) << r.dump();
    EXPECT_TRUE(std::regex_match(r["replaced_at"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    EXPECT_EQ(r["result"]["test_acc"], before_test_acc(r["key"]));
  }
  auto old_csv = run_fsearch("export --replaced --db " + (dir / "f.db").string());
  ASSERT_EQ(old_csv.exit_code, 0) << old_csv.err;
  EXPECT_EQ(std::count(old_csv.out.begin(), old_csv.out.end(), '\n'), 3) << old_csv.out;
  EXPECT_NE(old_csv.out.find(",build,run_dir,replaced_at,replaced_reason\n"), std::string::npos) << old_csv.out;
  auto again = run_fsearch(run);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("job start"), std::string::npos) << "nothing left to train: " << again.err;

  expect_refused_for_halving(dir, "--retrain-build", build);
  fs::remove_all(dir);
}

// A job that another sweep planned first keeps its run directory in that sweep's folder. Trained
// by this sweep (still pending there, or queued again by --retrain-build), it used to fail three
// times: the slot's worker served this sweep's folder and refused it. One worker slot takes both
// folders' jobs here, in turn.
TEST(SweepCli, AJobPlannedByAnotherSweepTrainsInItsOwnFolder) {
  auto dir = workdir("shared-job");
  const std::string proxy = std::string("proxies: [") + FSEARCH_SOURCE_DIR + "/configs/proxies/vit-tiny.yaml]\n";
  std::ofstream(dir / "a.yaml") << "name: a\nprimitives: [erf]\nbaselines: []\n" << proxy;
  std::ofstream(dir / "b.yaml") << "name: b\nprimitives: [erf, tanh]\nbaselines: []\n" << proxy;
  const std::string common =
      " --db " + (dir / "f.db").string() + " --budget smoke --workers 1 --threads-per-worker 1";
  auto plan = run_fsearch("run --space " + (dir / "a.yaml").string() + common + " --plan-only");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto run = run_fsearch("run --space " + (dir / "b.yaml").string() + common);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::set<std::string> folders;
  for (const auto& j : export_jobs(dir)) {
    if (j["sweep"] != "b") continue;
    EXPECT_EQ(j["state"], "done") << j["function"] << ": " << run.err;
    folders.insert(fs::path(j["run_dir"].get<std::string>()).parent_path().filename().string());
  }
  EXPECT_EQ(folders, (std::set<std::string>{"a", "b"}));  // erf's run directory is sweep a's
  fs::remove_all(dir);
}

// A database committed on another machine comes without its run directories: a job still to
// train gets its job.json again from the plan and trains here.
TEST(SweepCli, JobsWhoseRunDirectoriesAreGoneArePreparedAgain) {
  auto dir = workdir("runs-gone");
  auto args = run_args(dir);
  auto plan = args;
  plan.push_back("--plan-only");
  ASSERT_EQ(wait_for(spawn_fsearch(plan, (dir / "plan.log").string())), 0);
  fs::remove_all(dir / "runs");
  ASSERT_EQ(wait_for(spawn_fsearch(args, (dir / "run.log").string())), 0);
  for (const auto& j : export_jobs(dir)) EXPECT_EQ(j["state"], "done") << j["function"];
  EXPECT_EQ(finished_runs(dir), 4);
  fs::remove_all(dir);
}

// status --sweep shows the named sweeps only; a name that is not there is an error that lists the
// database's sweeps.
TEST(SweepCli, StatusShowsOneSweepOrNamesTheOnesThereAre) {
  auto dir = workdir("status-sweep");
  const auto db = (dir / "f.db").string();
  for (const char* table : {"table4", "table5"}) {
    auto r = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/" + table +
                         ".yaml --db " + db + " --plan-only --budget smoke");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto all = run_fsearch("status --db " + db);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("sweep table4:"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("sweep table5:"), std::string::npos) << all.out;
  auto one = run_fsearch("status --sweep table5 --json --db " + db);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto sweeps = nlohmann::json::parse(one.out);
  ASSERT_EQ(sweeps.size(), 1u) << one.out;
  EXPECT_EQ(sweeps[0]["sweep"], "table5");
  auto typo = run_fsearch("status --sweep tabel5 --db " + db);
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("no sweep 'tabel5'"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("did you mean table5"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("table4, table5"), std::string::npos) << typo.err;
  EXPECT_EQ(typo.out, "");
  fs::remove_all(dir);
}

// Export: FID and the eval-mode training loss are columns; text a spreadsheet would run as a formula
// is defused; a sweep name that is not UTF-8 (written by another tool) does not break JSON output.
TEST(SweepCli, ExportKeepsEveryResultFieldAndSurvivesHostileText) {
  auto dir = workdir("export");
  auto db = (dir / "f.db").string();
  auto r = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " + db +
                       " --plan-only");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sql = "update sweeps set name = 'bad' || cast(x'ff' as text) || 'name'; update jobs set label = "
                          "'=SUM(1,2)' where label = 'linear(x)';";
  ASSERT_EQ(std::system(("sqlite3 " + db + " \"" + sql + "\"").c_str()), 0) << "needs sqlite3 (scripts/setup.sh)";
  auto csv = run_fsearch("export --format csv --db " + db);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string header = csv.out.substr(0, csv.out.find('\n'));
  for (const char* column : {",test_acc,", ",fid,", ",fid_features,", ",eval_train_loss,"})
    EXPECT_NE(header.find(column), std::string::npos) << header;
  EXPECT_NE(csv.out.find(",\"'=SUM(1,2)\","), std::string::npos) << csv.out;
  auto json = run_fsearch("export --format json --db " + db);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out).size(), 5u);
  auto status = run_fsearch("status --json --db " + db);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(nlohmann::json::parse(status.out)[0]["sweep"].get<std::string>().find("name"), std::string::npos);
  fs::remove_all(dir);
}

// A space of millions of candidates is refused before it is expanded (it used to die of bad_alloc),
// saying how many it would make; --max-candidates raises the cap.
TEST(SweepCli, HugeSpacesAreRefusedBeforeExpansion) {
  auto dir = workdir("huge");
  std::string values;
  for (int i = 1; i <= 100; ++i) values += (i > 1 ? ", " : "") + std::to_string(i * 0.01);
  std::ofstream(dir / "huge.yaml") << "name: huge\nprimitives: [erf, tanh]\ntransforms:\n  - {kind: hshift, values: ["
                                   << values << "]}\n  - {kind: flat, values: [" << values << "]}\ndepth: 3\nproxies: ["
                                   << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n";
  auto r = run_fsearch("run --space " + (dir / "huge.yaml").string() + " --db " + (dir / "f.db").string() + " --plan-only");
  EXPECT_EQ(r.exit_code, 2);
  // Per primitive: 1 + 2 kinds x 100 values x (1 + 100 x (1 + 100)) = 2,020,201 (a kind never follows itself).
  EXPECT_NE(r.err.find("the space makes up to 4.04e+06 candidates (2 primitives, 2 transforms, depth 3), more than "
                       "--max-candidates 100000"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// status, export and report read a database on a read-only filesystem (a shared results folder):
// they open it read-only and, where they cannot create a WAL's shared-memory file, as immutable.
TEST(SweepCli, ReadCommandsWorkOnAReadOnlyFilesystem) {
  auto dir = workdir("readonly");
  auto db = (dir / "f.db").string();
  auto r = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " + db +
                       " --plan-only");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto mnt = dir / "mnt";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=16m tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  fs::copy_file(db, mnt / "f.db");
  ASSERT_EQ(std::system(("mount -o remount,ro " + mnt.string()).c_str()), 0);
  const auto on_ro = (mnt / "f.db").string();
  auto status = run_fsearch("status --db " + on_ro);
  auto csv = run_fsearch("export --format csv --db " + on_ro);
  auto report = run_fsearch("report --no-figures --tables 4 --db " + on_ro + " --out " + (dir / "report").string());
  std::system(("umount " + mnt.string()).c_str());
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("sweep table4: jobs done 0 | running 0 | pending 5"), std::string::npos) << status.out;
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(fs::exists(dir / "report" / "table4.md"));
  fs::remove_all(dir);
}

// A sweep whose database sits on a full disk reports the disk's error (it used to report "cannot
// rollback - no transaction is active", hiding it) and keeps what was recorded.
TEST(SweepCli, FullDiskUnderTheDatabaseIsReportedAsSuch) {
  auto dir = workdir("full-db");
  auto mnt = dir / "mnt";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=1m tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  auto db = (mnt / "f.db").string();
  auto first = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " +
                           db + " --runs " + (dir / "runs").string() + " --plan-only");
  std::system(("dd if=/dev/zero of=" + (mnt / "filler").string() + " bs=4k 2>/dev/null").c_str());  // fill it
  auto second = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table5.yaml --db " +
                            db + " --runs " + (dir / "runs").string() + " --plan-only");
  fs::remove(mnt / "filler");
  auto jobs = run_fsearch("export --format json --db " + db);
  std::system(("umount " + mnt.string()).c_str());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("No space left on device"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("hint: the disk is full"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("cannot rollback"), std::string::npos) << second.err;
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_GE(nlohmann::json::parse(jobs.out).size(), 5u);  // Table 4's jobs are still there
  fs::remove_all(dir);
}

// A user who installed fsearch on PATH and runs it from another directory (issue: workers were
// started by argv[0], a bare name that the worker's exec does not look up in PATH).
TEST(SweepCli, WorkersStartWhenFsearchIsFoundThroughPath) {
  auto dir = workdir("path");
  fs::create_directories(dir / "bin");
  fs::create_symlink(FSEARCH_BINARY, dir / "bin" / "fsearch");
  fs::create_directories(dir / "elsewhere");
  auto space = dir / "space.yaml";
  std::ofstream(space) << "name: mini\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                       << "/configs/proxies/vit-tiny.yaml]\n";
  const std::string command = "cd " + (dir / "elsewhere").string() + " && PATH=" + (dir / "bin").string() +
                              ":/usr/bin:/bin fsearch run --space " + space.string() +
                              " --db f.db --budget smoke --workers 1 --threads-per-worker 1 >run.log 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir / "elsewhere" / "run.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  auto r = run_fsearch("export --format json --db " + (dir / "elsewhere" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = nlohmann::json::parse(r.out);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "done") << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fsearch::testing
