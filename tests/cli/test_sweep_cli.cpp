// `fsearch run`'s options and what `status` says of a sweep, through the real binary: seeds,
// proxies and seeds first, narrowing a space, retrying, retraining a build, a table end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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

}  // namespace
}  // namespace fsearch::testing
