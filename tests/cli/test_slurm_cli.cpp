// The Slurm backend on a real Slurm: a one-node cluster (scripts/slurm-cluster.sh) started for these
// tests and stopped after them. Sweeps at the smoke budget go out as job arrays; the tests kill the
// scheduler mid-sweep and resume, cancel a running task, and let a task reach its time limit and
// continue from its checkpoint. Label: slurm (needs root and Debian's slurm-wlm and munge).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kClusterDir = "/tmp/fsearch-slurm-tests";

int shell(const std::string& command) {
  return std::system(command.c_str());
}

class Slurm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string script = std::string(FSEARCH_SOURCE_DIR) + "/scripts/slurm-cluster.sh";
    ASSERT_EQ(shell("bash " + script + " start " + kClusterDir.string() + " >/dev/null"), 0)
        << "could not start the test cluster; is slurm-wlm installed (scripts/setup.sh)? Logs: "
        << kClusterDir;
    ::setenv("SLURM_CONF", (kClusterDir / "slurm.conf").c_str(), 1);
  }
  static void TearDownTestSuite() {
    shell("scancel --full --quiet $(squeue --noheader --format=%A) 2>/dev/null; bash " +
          std::string(FSEARCH_SOURCE_DIR) + "/scripts/slurm-cluster.sh stop " + kClusterDir.string());
  }
  void SetUp() override {
    dir_ = fsearch::testing::program_temp_dir() / ("slurm-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // A space of `functions` point-wise functions plus LayerNorm on a ViT proxy over synthetic data,
  // `steps` steps per job.
  fs::path space(const std::string& name, int functions, int steps, int batch = 32) {
    auto proxy = dir_ / "proxy.yaml";
    std::string text = proxy_text("vit-tiny", false);  // no stability probe: these tests time jobs
    text.replace(text.find("dataset: fashion-mnist"), 22, "dataset: synthetic");
    text.replace(text.find("epochs: 3"), 9, "steps: " + std::to_string(steps));
    text.replace(text.find("batch_size: 128"), 15, "batch_size: " + std::to_string(batch));
    std::ofstream(proxy) << text;
    const char* all[] = {"\"erf(x)\"", "\"tanh(x)\"", "\"arctan(x)\"", "\"isru(x)\""};
    std::string primitives;
    for (int i = 0; i < functions; ++i) primitives += std::string(i ? ", " : "") + all[i];
    auto file = dir_ / "space.yaml";
    std::ofstream(file) << "name: " << name << "\nprimitives: [" << primitives
                        << "]\nrequire: []\nbaselines: [layernorm]\nproxies: [\"" << proxy.string()
                        << "\"]\nseeds: [0]\nlayer: {shift: [scalar], alpha_init: [0.5]}\n";
    return file;
  }

  std::string run_args(const fs::path& space_file, const std::string& extra = "") const {
    return "run --space '" + space_file.string() + "' --db " + (dir_ / "f.db").string() +
           " --backend slurm --poll 1 --threads-per-worker 1 " + extra;
  }

  nlohmann::json status() const {
    auto r = run_fsearch("status --json --db " + (dir_ / "f.db").string());
    return nlohmann::json::parse(r.out).at(0);
  }

  // The status while a scheduler may still be creating the database and its sweep: null until then.
  nlohmann::json status_when_ready() const {
    auto r = run_fsearch("status --json --db " + (dir_ / "f.db").string());
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return r.exit_code == 0 && j.is_array() && !j.empty() ? j.at(0) : nlohmann::json();
  }

  fs::path dir_;
};

int count_events(const fs::path& events, const std::string& type) {
  std::ifstream in(events);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    n += !j.is_discarded() && j.value("type", "") == type;
  }
  return n;
}

std::vector<fs::path> run_dirs(const fs::path& runs) {
  std::vector<fs::path> dirs;
  for (const auto& sweep : fs::directory_iterator(runs)) {
    for (const auto& entry : fs::directory_iterator(sweep)) {
      if (fs::exists(entry.path() / "job.json")) dirs.push_back(entry.path());
    }
  }
  return dirs;
}

// Paths with spaces, quotes and $(...) reach Slurm and the tasks as data, never as shell code. (A
// sweep name cannot carry them any more: it names a folder and is refused; the runs folder can.)
TEST_F(Slurm, SweepRunsAsAJobArrayWithHostileNames) {
  const std::string hostile =
      "odd \"runs\" $(touch " + (dir_ / "PWNED").string() + ") `touch " + (dir_ / "PWNED2").string() + "`";
  auto refused = run_fsearch(run_args(space("\"odd $(touch " + (dir_ / "PWNED").string() + ")\"", 2, 30)));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("is not a sweep name"), std::string::npos) << refused.err;
  const auto runs = dir_ / hostile;
  auto r = run_fsearch(run_args(space("hostile", 2, 30)) + " --max-parallel 2 --runs '" + runs.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "PWNED"));
  EXPECT_FALSE(fs::exists(dir_ / "PWNED2"));
  EXPECT_NE(r.err.find("as Slurm array"), std::string::npos) << r.err;
  auto s = status();
  EXPECT_EQ(s["jobs"]["done"], 3) << s.dump(2);
  ASSERT_EQ(run_dirs(runs).size(), 3u);
  for (const auto& dir : run_dirs(runs)) {
    EXPECT_TRUE(fs::exists(dir / "result.json")) << dir;
    EXPECT_EQ(count_events(dir / "events.jsonl", "start"), 1) << dir;
  }
}

// Killing the scheduler leaves the Slurm jobs running; the next run adopts them, submits nothing
// that is already on Slurm, and every job runs exactly once.
TEST_F(Slurm, KilledSchedulerIsResumedAndNothingRunsTwice) {
  auto file = space("resume", 3, 150);
  int pid = spawn_fsearch({"run", "--space", file.string(), "--db", (dir_ / "f.db").string(), "--backend",
                           "slurm", "--poll", "1", "--threads-per-worker", "1", "--max-parallel", "1"},
                          (dir_ / "first.log").string());
  // Kill it once Slurm has the array and the first task runs.
  const bool submitted = wait_until(
      [&] {
        std::ifstream log(dir_ / "first.log");
        std::string text((std::istreambuf_iterator<char>(log)), {});
        return text.find("as Slurm array") != std::string::npos;
      },
      60, 200);
  ASSERT_TRUE(submitted);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  wait_for(pid);
  auto queued = run_fsearch("status --db " + (dir_ / "f.db").string());
  EXPECT_NE(queued.out.find("slurm "), std::string::npos) << queued.out;  // ids and states shown

  auto r = run_fsearch(run_args(file, "--max-parallel 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 array(s) submitted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("already on Slurm: following them"), std::string::npos) << r.err;
  auto s = status();
  EXPECT_EQ(s["jobs"]["done"], 4) << s.dump(2);
  for (const auto& dir : run_dirs(dir_ / "runs")) {
    EXPECT_EQ(count_events(dir / "events.jsonl", "start"), 1) << dir;
    EXPECT_EQ(count_events(dir / "events.jsonl", "resume"), 0) << dir;
  }
}

// Killed after sbatch accepted the array but before the scheduler recorded its id (an sbatch on
// PATH that SIGKILLs its caller once the real one answered): the next run finds the array by its
// unique name and follows it; nothing is submitted again and every job trains once.
TEST_F(Slurm, SchedulerKilledBetweenSbatchAndItsRecordFindsTheArray) {
  auto file = space("unanswered", 2, 60);
  const auto bin = dir_ / "bin";
  fs::create_directories(bin);
  std::string real;
  {
    FILE* pipe = popen("command -v sbatch", "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe)) real += buffer;
    pclose(pipe);
  }
  while (!real.empty() && real.back() == '\n') real.pop_back();
  ASSERT_FALSE(real.empty());
  std::ofstream(bin / "sbatch") << "#!/bin/sh\nout=$('" << real << "' \"$@\")\nkill -9 $PPID\necho \"$out\"\n";
  fs::permissions(bin / "sbatch", fs::perms::owner_all);
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", (bin.string() + ":" + path).c_str(), 1);
  auto killed = run_fsearch(run_args(file));
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_NE(killed.exit_code, 0) << killed.err;
  EXPECT_EQ(killed.err.find("as Slurm array"), std::string::npos) << killed.err;  // never heard the id
  auto unanswered = run_fsearch("status --db " + (dir_ / "f.db").string());
  EXPECT_NE(unanswered.out.find("submitting:"), std::string::npos) << unanswered.out;

  auto r = run_fsearch(run_args(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 job(s) already on Slurm: following them"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0 array(s) submitted"), std::string::npos) << r.err;
  EXPECT_EQ(status()["jobs"]["done"], 3);
  ASSERT_EQ(run_dirs(dir_ / "runs").size(), 3u);
  for (const auto& dir : run_dirs(dir_ / "runs")) {
    EXPECT_EQ(count_events(dir / "events.jsonl", "start"), 1) << dir;
    EXPECT_EQ(count_events(dir / "events.jsonl", "resume"), 0) << dir;
  }
}

// `fsearch cancel` cancels the running task; the scheduler records it as cancelled, not retried.
TEST_F(Slurm, CancelledTaskIsRecordedAndNotRetried) {
  auto file = space("cancel", 0, 100000);  // LayerNorm only, far too long to finish
  auto log = (dir_ / "run.log").string();
  int pid = spawn_fsearch({"run", "--space", file.string(), "--db", (dir_ / "f.db").string(), "--backend",
                           "slurm", "--poll", "1", "--threads-per-worker", "1"},
                          log);
  const bool running = wait_until(
      [&] {
        auto j = status_when_ready();
        return j.is_object() && !j["slurm"].empty() && j["slurm"][0]["slurm_state"] == "RUNNING";
      },
      60, 500);
  ASSERT_TRUE(running);
  auto cancel = run_fsearch("cancel --db " + (dir_ / "f.db").string());
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_NE(cancel.out.find("1 Slurm job(s) cancelled"), std::string::npos) << cancel.out;
  EXPECT_EQ(wait_for(pid), 3);  // the sweep ended with a failed (cancelled) job
  auto s = status();
  EXPECT_EQ(s["jobs"]["failed"], 1) << s.dump(2);
  ASSERT_EQ(s["failures"].size(), 1u);
  EXPECT_NE(s["failures"][0]["error"].get<std::string>().find("cancelled"), std::string::npos) << s.dump(2);
  EXPECT_EQ(s["failures"][0]["attempts"], 1);
}

// A task that reaches its time limit checkpoints on Slurm's early signal, is resubmitted, and
// continues from its checkpoint to the end; the time limit is counted, not a failure.
TEST_F(Slurm, TimeLimitCheckpointsAndContinues) {
  auto file = space("timelimit", 0, 300, 128);  // about a minute of training on one thread
  auto r = run_fsearch(run_args(file, "--time 1 --signal-before 50"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = status();
  EXPECT_EQ(s["jobs"]["done"], 1) << s.dump(2);
  ASSERT_FALSE(s["slurm"].empty()) << s.dump(2);
  EXPECT_GE(s["slurm"][0]["timeouts"].get<int>(), 1) << s.dump(2);
  auto dirs = run_dirs(dir_ / "runs");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_GE(count_events(dirs[0] / "events.jsonl", "resume"), 1);
  std::ifstream in(dirs[0] / "result.json");
  auto result = nlohmann::json::parse(in);
  EXPECT_EQ(result["steps"], 300);
}

// A job that reaches its time limit --max-timeouts times fails (a limit far too short would otherwise
// resubmit it forever) and keeps its checkpoint; --retry-failed continues it from there to the end.
TEST_F(Slurm, TooManyTimeLimitsFailTheJobAndRetryFailedContinuesIt) {
  auto file = space("maxtimeouts", 0, 300, 128);  // about a minute of training on one thread
  auto r = run_fsearch(run_args(file, "--time 1 --signal-before 50 --max-timeouts 1"));
  ASSERT_EQ(r.exit_code, 3) << r.err;  // the sweep ended with a failed job
  EXPECT_NE(r.err.find("1 job(s) failed: `fsearch status` shows why"), std::string::npos) << r.err;
  auto s = status();
  EXPECT_EQ(s["jobs"]["failed"], 1) << s.dump(2);
  ASSERT_EQ(s["failures"].size(), 1u) << s.dump(2);
  EXPECT_NE(s["failures"][0]["error"].get<std::string>().find(
                "reached its time limit once (--max-timeouts 1); raise --time"),
            std::string::npos)
      << s.dump(2);
  auto dirs = run_dirs(dir_ / "runs");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_FALSE(fs::exists(dirs[0] / "result.json"));
  EXPECT_TRUE(fs::exists(dirs[0] / "checkpoint.pt"));

  r = run_fsearch(run_args(file, "--retry-failed"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 failed job(s) queued again"), std::string::npos) << r.err;
  s = status();
  EXPECT_EQ(s["jobs"]["done"], 1) << s.dump(2);
  EXPECT_EQ(count_events(dirs[0] / "events.jsonl", "resume"), 1);
  std::ifstream in(dirs[0] / "result.json");
  EXPECT_EQ(nlohmann::json::parse(in)["steps"], 300);
}

// The search strategies on Slurm: a paused job is ingested from its finished task like a result, and
// the strategy's decisions (a promotion, a bred generation) are submitted as new arrays.
// Slurm's tasks finish in no fixed order, and an asynchronous rung promotes floor(n / eta) of the n
// arms that reached it so far: with eta 3 a fourth arm arriving alone after the first promotion, and
// better, is promoted too. With eta 4 and four arms the one promotion waits for all four, whatever
// the order.
TEST_F(Slurm, HalvingAndEvolutionRunOnSlurm) {
  auto file = space("halving", 3, 30);
  std::ofstream(file, std::ios::app) << "strategy: halving\nhalving: {eta: 4, min_fraction: 0.34}\n";
  auto r = run_fsearch(run_args(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = status();
  EXPECT_EQ(s["jobs"]["done"], 1) << s.dump(2);
  EXPECT_EQ(s["jobs"]["paused"], 3) << s.dump(2);
  ASSERT_EQ(s["rungs"].size(), 1u) << s.dump(2);
  EXPECT_EQ(s["rungs"][0]["reached"], 4);
  EXPECT_EQ(s["rungs"][0]["promoted"], 1);

  for (const char* f : {"f.db", "f.db-wal", "f.db-shm"}) fs::remove(dir_ / f);
  file = space("evolution", 3, 30);
  std::ofstream(file, std::ios::app)
      << "transforms: [{kind: hshift, values: [0.1]}, {kind: clip, values: [2]}]\ndepth: 0\n"
      << "strategy: evolution\nevolution: {population: 3, tournament: 2, children: 1, generations: 1, seed: 1}\n";
  r = run_fsearch(run_args(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  s = status();
  EXPECT_EQ(s["jobs"]["done"], 5) << s.dump(2);  // 3 members, LayerNorm, 1 child
  ASSERT_EQ(s["evolution"]["generations"].size(), 2u) << s.dump(2);
  EXPECT_EQ(s["evolution"]["generations"][1]["kept"], 1) << s.dump(2);
}

}  // namespace
}  // namespace fsearch::testing
