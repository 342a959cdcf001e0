// `fsearch train` as a real process: killed at any moment and started again with the same command,
// a job ends with exactly the metrics of an uninterrupted run.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> train_args(const std::string& out) {
  return {"--threads",
          "2",
          "train",
          "--proxy",
          std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml",
          "--norm",
          "derf",
          "--dataset",
          "synthetic",
          "--steps",
          "80",
          "--batch-size",
          "32",
          "--checkpoint-every",
          "10",
          "--out",
          out,
          "--quiet"};
}

std::string fresh_dir(const std::string& name) {
  auto dir = fsearch::testing::program_temp_dir() / ("cli-train-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir.string();
}

// Last step logged in events.jsonl (0 if none).
long last_logged_step(const fs::path& events) {
  std::ifstream in(events);
  std::string line;
  long step = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("type", "") == "train") step = j.value("step", 0L);
  }
  return step;
}

TEST(TrainProcess, SigkillThenRerunEqualsAnUninterruptedRun) {
  auto straight = fresh_dir("straight");
  auto log = straight + ".log";
  ASSERT_EQ(wait_for(spawn_fsearch(train_args(straight), log)), 0);
  auto expected = read_json(fs::path(straight) / "result.json");

  auto killed = fresh_dir("killed");
  // Kill it hard once it has checkpointed and moved on past the checkpoint.
  auto resumed = kill_then_resume(train_args(killed), killed, [&] {
    return fs::exists(fs::path(killed) / "checkpoint.pt") &&
           last_logged_step(fs::path(killed) / "events.jsonl") >= 35;
  });
  for (const char* field : {"test_acc", "test_loss", "final_loss", "best_loss", "steps"}) {
    EXPECT_EQ(resumed[field], expected[field]) << field;
  }
  // Every step is logged once: the lines logged after the checkpoint were replaced, not repeated.
  std::ifstream in(fs::path(killed) / "events.jsonl");
  std::set<long> steps;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["type"] == "train") {
      EXPECT_TRUE(steps.insert(j["step"].get<long>()).second) << "step " << j["step"];
    }
  }
  EXPECT_EQ(*steps.rbegin(), 80);
}

TEST(TrainProcess, SigtermCheckpointsAndExits75) {
  auto dir = fresh_dir("sigterm");
  int pid = spawn_fsearch(train_args(dir), dir + ".log");
  wait_until([&] { return last_logged_step(fs::path(dir) / "events.jsonl") >= 15; });
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid), 75);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "checkpoint.pt"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "result.json"));
}

// Stopped during the stability probe that comes before the job (vit-tiny's, 150 steps), the
// message names the probe and its steps, not the job's.
TEST(TrainProcess, SigtermInTheStabilityProbeSaysSo) {
  auto dir = fresh_dir("sigterm-probe");
  int pid = spawn_fsearch(train_args(dir), dir + ".log");
  wait_until([&] { return last_logged_step(fs::path(dir) / "stability" / "events.jsonl") >= 15; });
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid), 75);
  std::ifstream in(dir + ".log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("interrupted in the stability probe at step "), std::string::npos) << log;
  EXPECT_NE(log.find(" of 150; checkpoint saved"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "events.jsonl"));  // the job itself has not begun
}

// A smoke job trained to its end, then made unfinished again (result.json removed): a run
// directory with a job.json and a checkpoint that `fsearch train --job` continues.
void prepare_unfinished_smoke_job(const std::string& dir) {
  auto prepare =
      run_fsearch("train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                  "/configs/proxies/vit-tiny.yaml --dataset synthetic --budget smoke --quiet --out " + dir);
  ASSERT_EQ(prepare.exit_code, 0) << prepare.err;
  fs::remove(fs::path(dir) / "result.json");
}

TEST(TrainProcess, DeviceGivenWithJobReachesTheTrainer) {
  auto dir = fresh_dir("device");
  ASSERT_NO_FATAL_FAILURE(prepare_unfinished_smoke_job(dir));
  auto r = run_fsearch("train --job " + dir + " --device cuda --quiet");
  EXPECT_EQ(r.exit_code, 2);  // no CUDA here: the override must have reached the trainer
  EXPECT_NE(r.err.find("CUDA is not available"), std::string::npos) << r.err;
}

// A second `fsearch train` of a run directory that another process holds waits and says so; a
// stop request ends the wait (75) with nothing written; once the lock is free it continues.
TEST(TrainProcess, SecondTrainerWaitsForTheLockAndStopsCleanly) {
  auto dir = fresh_dir("locked");
  ASSERT_NO_FATAL_FAILURE(prepare_unfinished_smoke_job(dir));
  const auto before = fs::last_write_time(fs::path(dir) / "checkpoint.pt");
  const int fd = ::open((fs::path(dir) / "worker.lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another process, as far as the trainer can tell
  const auto log = dir + ".log";
  int pid = spawn_fsearch({"train", "--job", dir}, log);
  auto text = [&] {
    std::ifstream in(log);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const bool waiting = wait_until([&] { return text().find("is training " + dir) != std::string::npos; });
  ::kill(pid, waiting ? SIGTERM : SIGKILL);  // never leave it behind
  ASSERT_TRUE(waiting) << text();
  EXPECT_EQ(wait_for(pid), 75);
  EXPECT_NE(text().find("another process is training"), std::string::npos) << text();
  EXPECT_NE(text().find("stopped before training; nothing written"), std::string::npos) << text();
  EXPECT_EQ(fs::last_write_time(fs::path(dir) / "checkpoint.pt"), before);
  EXPECT_FALSE(fs::exists(fs::path(dir) / "result.json"));
  ::close(fd);
  auto again = run_fsearch("train --job " + dir + " --quiet");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(fs::exists(fs::path(dir) / "result.json"));
}

// `fsearch worker` started with OMP_WAIT_POLICY set to `policy` (unset if empty) and given one job
// that it refuses (so that it has certainly passed start-up): the environment it then runs with.
std::string worker_environment(const std::string& policy) {
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    policy.empty() ? ::unsetenv("OMP_WAIT_POLICY") : ::setenv("OMP_WAIT_POLICY", policy.c_str(), 1);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);  // else its own input never ends
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execl(FSEARCH_BINARY, FSEARCH_BINARY, "worker", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  const std::string job = "/nonexistent-run-dir\n";
  EXPECT_EQ(::write(in[1], job.data(), job.size()), static_cast<ssize_t>(job.size()));
  std::string answer;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') answer += c;
  EXPECT_NE(answer, "0") << "a run directory that does not exist is not a result";
  EXPECT_FALSE(answer.empty()) << "the worker did not answer";
  std::ifstream environ_file("/proc/" + std::to_string(pid) + "/environ");
  std::string environment((std::istreambuf_iterator<char>(environ_file)), std::istreambuf_iterator<char>());
  ::close(in[1]);  // end of input: the worker exits
  EXPECT_EQ(wait_for(pid), 0);
  ::close(out[0]);
  return environment;
}

// Training commands re-execute once with passive OpenMP waiting (trainers/runtime.h), unless the
// user chose a policy: without it two workers on two cores train at less than half the speed.
TEST(TrainProcess, TrainingRunsWithPassiveOpenMpWaitingUnlessTheUserChose) {
  const auto contains = [](const std::string& environment, const std::string& entry) {
    return (std::string(1, '\0') + environment).find(std::string(1, '\0') + entry + '\0') != std::string::npos;
  };
  const auto unset = worker_environment("");
  EXPECT_TRUE(contains(unset, "OMP_WAIT_POLICY=PASSIVE"));
  const auto chosen = worker_environment("ACTIVE");
  EXPECT_TRUE(contains(chosen, "OMP_WAIT_POLICY=ACTIVE"));
  EXPECT_FALSE(contains(chosen, "OMP_WAIT_POLICY=PASSIVE"));
}

TEST(TrainProcess, BadProxyFileNamesFileAndField) {
  auto bad = fsearch::testing::program_temp_dir() / ("bad-proxy-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(bad) << "model:\n  width: wide\n";
  auto r = run_fsearch("train --proxy " + bad.string() + " --out " + fresh_dir("bad"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(bad.string() + ":2:10: model.width: expected an integer, got 'wide'"),
            std::string::npos)
      << r.err;
}

// A shipped proxy by name, from any directory; a mistyped one is refused before a run directory is
// made, with the nearest names.
TEST(TrainProcess, ProxyNamesAShippedProxyAndATypoIsRefused) {
  auto out = fresh_dir("by-name");
  auto r = run_fsearch("train --proxy dit-bb --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--proxy: proxy file 'dit-bb' not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean dit-b or dit-l?"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(out) / "job.json"));
  r = run_fsearch("train --proxy vit-tiny --budget smoke --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / "result.json"));
}

// A checkpoint cut short (a full disk, a crash) no longer fails its job forever: it is moved aside,
// the job starts again from step 0 (an event says so) and ends as an uninterrupted run would.
TEST(TrainCli, CorruptCheckpointIsMovedAsideAndTheJobRestarts) {
  auto out = fresh_dir("corrupt");
  auto args = train_args(out);
  std::string command;
  for (const auto& a : args) command += "'" + a + "' ";
  auto first = run_fsearch(command);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto reference = read_json(fs::path(out) / "result.json");
  fs::remove(fs::path(out) / "result.json");
  const auto checkpoint = fs::path(out) / "checkpoint.pt";
  fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);
  auto again = run_fsearch("--threads 2 train --job " + out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find(checkpoint.string() + ": unreadable checkpoint"), std::string::npos) << again.err;
  EXPECT_TRUE(fs::exists(fs::path(out) / "checkpoint.pt.corrupt"));
  auto result = read_json(fs::path(out) / "result.json");
  EXPECT_EQ(result["steps"], reference["steps"]);
  EXPECT_EQ(result["test_acc"], reference["test_acc"]);  // trained again from step 0, deterministically
  std::ifstream events(fs::path(out) / "events.jsonl");
  std::string text((std::istreambuf_iterator<char>(events)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"type\":\"checkpoint_discarded\""), std::string::npos) << text;
  fs::remove_all(out);
}

// Training on a full disk stops with the disk's error and no temporary file (it used to die with
// "terminate called" from torch's file writer); after space is freed the same job finishes.
TEST(TrainCli, FullDiskIsAnErrorAndTheJobFinishesOnceThereIsSpace) {
  auto mnt = fs::path(fresh_dir("full"));
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=400k tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  auto run = (mnt / "run").string();
  auto r = run_fsearch("train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                       "/configs/proxies/vit-tiny.yaml --norm derf --dataset synthetic --steps 30 --stability-steps 0 "
                       "--checkpoint-every 10 "
                       "--quiet --out " + run);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(run)) left.push_back(entry.path().filename().string());
  std::system(("mount -o remount,size=16m " + mnt.string()).c_str());
  auto again = run_fsearch("train --job " + run + " --quiet");
  const bool finished = fs::exists(fs::path(run) / "result.json");
  std::system(("umount " + mnt.string()).c_str());
  EXPECT_EQ(r.exit_code, 2) << r.err;  // not 134 (abort)
  EXPECT_NE(r.err.find("checkpoint.pt: write: No space left on device"), std::string::npos) << r.err;
  for (const auto& name : left) EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(finished);
  fs::remove_all(mnt);
}

// vit-tiny runs its stability probe first (in RUN_DIR/stability); --stability-steps sets its length
// and 0 turns it off.
TEST(TrainCli, StabilityStepsSetsOrTurnsOffTheProxysProbe) {
  const std::string base = "train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                           "/configs/proxies/vit-tiny.yaml --norm derf --dataset synthetic --steps 10 --quiet ";
  auto probed = fresh_dir("probed");
  auto r = run_fsearch(base + "--stability-steps 20 --out " + probed);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto probe = read_json(fs::path(probed) / "stability" / "result.json");
  EXPECT_EQ(probe["steps"].get<int>(), 20) << probe.dump();
  EXPECT_EQ(read_json(fs::path(probed) / "result.json")["steps"].get<int>(), 10);
  auto plain = fresh_dir("unprobed");
  r = run_fsearch(base + "--stability-steps 0 --out " + plain);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(plain) / "stability"));
  EXPECT_EQ(read_json(fs::path(plain) / "result.json")["steps"].get<int>(), 10);
  r = run_fsearch(base + "--stability-steps -3 --out " + fresh_dir("negative"));
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--stability-steps: '-3' is not 0 (no probe) or a whole number of steps"), std::string::npos)
      << r.err;
  fs::remove_all(probed);
  fs::remove_all(plain);
}

// --alpha-init sets the point-wise norm's alpha at init; without it the job keeps the proxy's.
TEST(TrainCli, AlphaInitOverridesTheProxysOnlyWhenGiven) {
  const std::string base = "train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                           "/configs/proxies/vit-tiny.yaml --norm derf --dataset synthetic --steps 1 "
                           "--stability-steps 0 --quiet ";
  auto given = fresh_dir("alpha-given");
  auto r = run_fsearch(base + "--alpha-init 0.8 --out " + given);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(read_json(fs::path(given) / "job.json")["norm"]["alpha_init"].get<double>(), 0.8);
  auto proxys = fresh_dir("alpha-proxys");
  r = run_fsearch(base + "--out " + proxys);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(read_json(fs::path(proxys) / "job.json")["norm"]["alpha_init"].get<double>(), 0.5);
  fs::remove_all(given);
  fs::remove_all(proxys);
}

// A function given as the norm, or a misspelt norm, is refused with the command that was meant.
TEST(TrainCli, FunctionOrTypoAsNormNamesWhatWasMeant) {
  const std::string base = "train --proxy " + std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml ";
  auto out = fresh_dir("norm-typo");
  auto r = run_fsearch(base + "--norm 'linear(x)' --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("hint: use --norm pointwise --function 'linear(x)'"), std::string::npos) << r.err;
  r = run_fsearch(base + "--norm derff --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--norm 'derff': unknown norm"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean derf?"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// A function that is not finite everywhere is refused before any run directory is made.
TEST(TrainCli, NonFiniteFunctionIsRefusedWithThePoint) {
  auto out = fresh_dir("non-finite");
  auto r = run_fsearch("train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                       "/configs/proxies/vit-tiny.yaml --norm pointwise --function 'x/0' --budget smoke --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--function 'x/0': f is not finite at x = "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// Every ViT job's result carries its diagnostics: per norm site at init and after training.
TEST(TrainCli, ResultCarriesNormSiteDiagnostics) {
  auto out = fresh_dir("diagnostics");
  auto r = run_fsearch("train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                       "/configs/proxies/vit-tiny.yaml --norm pointwise --function 'flat(erf, 3)' --shift none "
                       "--dataset synthetic --budget smoke --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = read_json(fs::path(out) / "result.json");
  ASSERT_TRUE(result.contains("diagnostics")) << result.dump();
  for (const char* when : {"init", "final"}) {
    const auto& p = result["diagnostics"][when];
    // 4 blocks x 2 norms + the final norm
    ASSERT_EQ(p["sites"].size(), 9u) << p.dump();
    EXPECT_GT(p["x_std_max"].get<double>(), 0);
    EXPECT_TRUE(p["sites"][0].contains("alpha"));
  }
  // With alpha 0.5 and inputs of std ~0.5, a flat zone of half-width 3 swallows every input at init.
  EXPECT_DOUBLE_EQ(result["diagnostics"]["init"]["frac_dead_max"].get<double>(), 1.0);
  // flat(erf, 3) rises through the origin and never falls: no input past a hump, before or after.
  EXPECT_EQ(result["diagnostics"]["init"]["sites"][0]["frac_reversed"], 0.0);
  EXPECT_EQ(result["diagnostics"]["final"]["frac_reversed_max"], 0.0);
  // LayerNorm sites have no point-wise fields.
  auto ln = fresh_dir("diagnostics-ln");
  r = run_fsearch("train --proxy " + std::string(FSEARCH_SOURCE_DIR) +
                  "/configs/proxies/vit-tiny.yaml --norm layernorm --dataset synthetic --budget smoke --quiet --out " + ln);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ln_result = read_json(fs::path(ln) / "result.json");
  EXPECT_FALSE(ln_result["diagnostics"]["init"]["sites"][0].contains("frac_dead"));
  EXPECT_FALSE(ln_result["diagnostics"]["init"].contains("frac_dead_max"));
  EXPECT_FALSE(ln_result["diagnostics"]["init"].contains("frac_reversed_max"));
  fs::remove_all(out);
  fs::remove_all(ln);
}

}  // namespace
}  // namespace fsearch::testing
