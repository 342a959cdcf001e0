// `fsearch status` on a database with many jobs that did not learn and failed: one line per cell
// with its seeds, lists cut at --limit with a line saying how many more there are, --json whole.
// And the work a sweep has left, per proxy, timed by its finished jobs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fsearch/core/process.h"
#include "fsearch/db/database.h"
#include "run_binary.h"
#include "temp_dir.h"

namespace fsearch::testing {
namespace {

// `seeds` diverged jobs of one cell (function, vit-tiny, lr 0.004), each with its own step.
void diverged_cell(db::Database& db, std::int64_t sweep, const std::string& function, int seeds) {
  for (int seed = 0; seed < seeds; ++seed) {
    db::JobRow job;
    job.key = function + "-" + std::to_string(seed);
    job.label = function;
    job.proxy = "vit-tiny";
    job.lr = 0.004;
    job.seed = seed;
    job.spec_json = R"({"model": {"num_classes": 10}})";
    job.run_dir = "runs/" + job.key;
    db.add_job(sweep, job);
    db.mark_running(job.key, 1, 1000);
    db::ResultRow r;
    r.key = job.key;
    r.status = "diverged";
    r.test_acc = NAN;
    r.diverged_step = 40 + seed;
    r.diverged_reason = "non-finite loss";
    db.record_result(r, db::JobState::Diverged, 1.7e9);
  }
}

TEST(StatusCli, GroupsACellsSeedsAndCutsLongListsAtTheLimit) {
  TempDir dir("status-lists");
  const std::string path = (dir / "f.db").string();
  {
    db::Database db(path);
    const auto sweep = db.ensure_sweep("big", "big.yaml", "default", 1.7e9);
    diverged_cell(db, sweep, "linear(x)", 3);
    for (int i = 0; i < 12; ++i) diverged_cell(db, sweep, "power" + std::to_string(i) + "(x)", 1);
    for (int i = 0; i < 13; ++i) {
      db::JobRow job;
      job.key = "broken-" + std::to_string(i);
      job.label = "erf(x)";
      job.proxy = "vit-tiny";
      job.seed = i;
      job.run_dir = "runs/" + job.key;
      db.add_job(sweep, job);
      db.mark_running(job.key, 1, 1000);
      db.record_failure(job.key, "worker exited with code 1", "", 3, /*may_retry=*/false);
    }
  }

  const auto status = run_fsearch("status --db " + path);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("seeds 0, 1, 2; seed 0: diverged at step 40: non-finite loss\n"), std::string::npos)
      << status.out;
  // linear(x)'s three seeds are one line; 13 cells, 10 shown.
  auto count = [](const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(status.out, "did not learn: linear(x)"), 1) << status.out;
  EXPECT_EQ(count(status.out, "  did not learn: "), 10) << status.out;
  EXPECT_NE(status.out.find("... 3 more cell(s) that did not learn: --limit 0 or --json shows them"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(count(status.out, "  failed: erf(x) after 1 attempt(s): worker exited with code 1"), 10) << status.out;
  EXPECT_NE(status.out.find("... 3 more failed or retrying job(s)"), std::string::npos) << status.out;

  const auto all = run_fsearch("status --limit 0 --db " + path);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(count(all.out, "  did not learn: "), 13) << all.out;
  EXPECT_EQ(count(all.out, "  failed: erf(x)"), 13) << all.out;
  EXPECT_EQ(all.out.find("more"), std::string::npos) << all.out;

  const auto json = run_fsearch("status --limit 2 --json --db " + path);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto sweeps = nlohmann::json::parse(json.out);
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0]["dead"].size(), 15u);  // every job, whatever --limit says
  EXPECT_EQ(sweeps[0]["failures"].size(), 13u);

  for (const char* bad : {"-1", "x"}) {
    const auto refused = run_fsearch(std::string("status --limit ") + bad + " --db " + path);
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_NE(refused.err.find(std::string("'") + bad + "' is not a whole number >= 0"), std::string::npos)
        << refused.err;
  }
}

// Work left: vit-tiny has 3 finished jobs (2, 3 and 10 minutes: median 3) and 4 to train, one
// of them running; dit-b has 2 pending and none finished, so no time is made up for it.
TEST(StatusCli, SaysTheWorkLeftPerProxyTimedByItsFinishedJobs) {
  TempDir dir("status-work-left");
  const std::string path = (dir / "f.db").string();
  db::Database db(path);
  const auto sweep = db.ensure_sweep("mixed", "mixed.yaml", "default", 1.7e9);
  auto add = [&](const std::string& key, const std::string& proxy) {
    db::JobRow job;
    job.key = key;
    job.label = "erf(x)";
    job.proxy = proxy;
    job.lr = 0.002;
    job.spec_json = R"({"model": {"num_classes": 10}})";
    job.run_dir = "runs/" + key;
    db.add_job(sweep, job);
  };
  const double minutes[] = {2, 10, 3};
  for (int i = 0; i < 3; ++i) {
    const std::string key = "done-" + std::to_string(i);
    add(key, "vit-tiny");
    db.mark_running(key, 1, 1000);
    db::ResultRow r;
    r.key = key;
    r.status = "done";
    r.test_acc = 0.8;
    r.wall_time = 60 * minutes[i];
    db.record_result(r, db::JobState::Done, 1.7e9);
  }
  for (int i = 0; i < 4; ++i) add("todo-" + std::to_string(i), "vit-tiny");
  for (int i = 0; i < 2; ++i) add("dit-" + std::to_string(i), "dit-b");

  const auto idle = run_fsearch("status --db " + path);
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_NE(idle.out.find("  work left: vit-tiny 4.0 job(s) x 3m (median of 3 finished) = 12m of one job slot\n"),
            std::string::npos)
      << idle.out;
  EXPECT_NE(idle.out.find("  work left, not timed yet (no job of the proxy finished or logged a step): dit-b 2.0 "
                          "job(s)\n"),
            std::string::npos)
      << idle.out;

  // A running job whose progress is not known counts whole; the pace is the running jobs'.
  db.mark_running("todo-0", 1, 1.7e9);
  db.mark_running("dit-0", 1, unix_now() - 60);
  const auto busy = run_fsearch("status --db " + path);
  ASSERT_EQ(busy.exit_code, 0) << busy.err;
  EXPECT_NE(busy.out.find("= 12m of one job slot; about 6m at the 2 job(s) running now\n"), std::string::npos)
      << busy.out;
  // Once dit-0 logs a step, dit-b is timed by its pace: a quarter in a minute, 4 minutes a job.
  std::filesystem::create_directories(dir / "runs/dit-0");
  std::ofstream(dir / "runs/dit-0/events.jsonl")
      << "{\"step\":0,\"total_steps\":100,\"type\":\"start\"}\n{\"step\":25,\"type\":\"train\"}\n";
  const auto paced = run_fsearch("status --db " + path);
  EXPECT_NE(paced.out.find("; dit-b 1.8 job(s) x 4m (pace of 1 running, final evaluation not counted) = "),
            std::string::npos)
      << paced.out;
  EXPECT_EQ(paced.out.find("not timed yet"), std::string::npos) << paced.out;
  std::filesystem::remove(dir / "runs/dit-0/events.jsonl");
  // No total line for one sweep; with a second sweep that shares todo-1 and adds one job, the total
  // counts each job once: vit-tiny 4 + 1 jobs.
  EXPECT_EQ(busy.out.find("all "), std::string::npos) << busy.out;
  const auto other = db.ensure_sweep("other", "other.yaml", "default", 1.7e9);
  db.add_job(other, *db.job("todo-1"));
  db::JobRow extra = *db.job("todo-2");
  extra.key = "extra";
  extra.run_dir = "runs/extra";
  db.add_job(other, extra);
  const auto both = run_fsearch("status --db " + path);
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_NE(both.out.find("all 2 sweeps (10 distinct jobs; one shared by several sweeps counts once):\n"
                          "  work left: vit-tiny 5.0 job(s) x 3m (median of 3 finished) = 15m of one job slot; about 8m "
                          "at the 2 job(s) running now\n"),
            std::string::npos)
      << both.out;
  const auto only = run_fsearch("status --sweep other --db " + path);
  EXPECT_EQ(only.out.find("all "), std::string::npos) << only.out;  // one sweep shown: no total

  const auto json = run_fsearch("status --sweep mixed --json --db " + path);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto s = nlohmann::json::parse(json.out).at(0);
  ASSERT_EQ(s["work_left"].size(), 2u);
  EXPECT_EQ(s["work_left"][0]["proxy"], "vit-tiny");
  EXPECT_DOUBLE_EQ(s["work_left"][0]["seconds"].get<double>(), 720);
  EXPECT_TRUE(s["work_left"][1]["seconds"].is_null());
  EXPECT_DOUBLE_EQ(s["eta_seconds"].get<double>(), 360);
}

// A job requeued to continue from its checkpoint, on a machine without its run directory (a
// database committed elsewhere): status says that it trains from the start, and not where the
// checkpoint is there.
TEST(StatusCli, SaysWhenARequeuedJobsCheckpointIsNotHere) {
  TempDir dir("status-checkpoint");
  const std::string path = (dir / "f.db").string();
  {
    db::Database db(path);
    const auto sweep = db.ensure_sweep("moved", "moved.yaml", "default", 1.7e9);
    for (const std::string key : {"kept", "lost"}) {
      db::JobRow job;
      job.key = key;
      job.label = key == "kept" ? "erf(x)" : "tanh(x)";
      job.proxy = "vit-tiny";
      job.run_dir = (dir / "runs" / key).string();
      db.add_job(sweep, job);
      db.mark_running(key, 1, 1000);
      db.requeue(key, "interrupted; continues from its checkpoint");
    }
  }
  std::filesystem::create_directories(dir / "runs" / "kept");
  std::ofstream(dir / "runs" / "kept" / "checkpoint.pt") << "weights";

  const auto status = run_fsearch("status --db " + path);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("pending: erf(x) after 0 attempt(s): interrupted; continues from its checkpoint (" +
                            (dir / "runs" / "kept").string() + ")\n"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("pending: tanh(x) after 0 attempt(s): interrupted; continues from its checkpoint (" +
                            (dir / "runs" / "lost").string() + "; no checkpoint there: it trains from the start)\n"),
            std::string::npos)
      << status.out;
  const auto json = nlohmann::json::parse(run_fsearch("status --json --db " + path).out).at(0);
  ASSERT_EQ(json["failures"].size(), 2u);
  EXPECT_EQ(json["failures"][0]["checkpoint"].get<bool>() + json["failures"][1]["checkpoint"].get<bool>(), 1);
}

}  // namespace
}  // namespace fsearch::testing
