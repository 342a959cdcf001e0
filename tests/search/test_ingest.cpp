// Reading a run's events.jsonl into curve points, as the schedulers do while a worker writes it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fsearch/search/sweep.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"
#include "ingest.h"
#include "temp_dir.h"

namespace fsearch::search::detail {
namespace {

namespace fs = std::filesystem;

// Found by fuzz/run_dir.cpp: a line that is valid JSON but not an event object (a number, a
// string step) threw nlohmann's type_error out of the scheduler. Such lines are skipped.
TEST(ReadEvents, LinesThatAreNotEventObjectsAreSkipped) {
  const fs::path file =
      fsearch::testing::program_temp_dir() / ("events-bad-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(file) << "5\n"
                      << R"(["type","train"])" << "\n"
                      << R"({"type":7,"step":1})" << "\n"
                      << R"({"type":"train","step":"12","loss":1.0})" << "\n"
                      << R"({"type":"train","loss":1.0})" << "\n"
                      << R"({"type":"train","step":20,"loss":1.5})" << "\n";
  std::uintmax_t offset = 0;
  std::vector<db::CurvePoint> points;
  ASSERT_NO_THROW(points = read_events("k", file, offset));
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 20);
  EXPECT_DOUBLE_EQ(points[0].loss, 1.5);
  fs::remove(file);
}

TEST(ReadEvents, TrainAndClassifierEvalPointsOnlyCompleteLinesAndNoFidOnlyPoint) {
  const fs::path file =
      fsearch::testing::program_temp_dir() / ("events-" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(file);
    out << R"({"type":"start","step":0})"
        << "\n"
        << R"({"type":"train","step":50,"loss":2.1,"lr":0.001,"grad_norm":0.5})"
        << "\n"
        << R"({"type":"eval","step":50,"test_acc":0.4,"test_loss":1.7})"
        << "\n"
        << R"({"type":"eval","step":60,"fid":30.4,"fid_features":"cnn:x"})"
        << "\n"                                  // the DiT's
        << R"({"type":"train","step":100,"lo)";  // still being written
  }
  std::uintmax_t offset = 0;
  auto points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].kind, "train");
  EXPECT_EQ(points[0].step, 50);
  EXPECT_DOUBLE_EQ(points[0].loss, 2.1);
  EXPECT_DOUBLE_EQ(points[0].grad_norm, 0.5);
  EXPECT_EQ(points[1].kind, "eval");
  EXPECT_DOUBLE_EQ(points[1].test_acc, 0.4);
  EXPECT_DOUBLE_EQ(points[1].loss, 1.7);

  // The rest of the partial line arrives: the next read starts where the last stopped.
  std::ofstream(file, std::ios::app) << R"(ss":1.9})"
                                     << "\n";
  points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 100);
  EXPECT_DOUBLE_EQ(points[0].loss, 1.9);
  EXPECT_TRUE(read_events("k", file, offset).empty());

  // A trainer that resumed rewrote the file shorter: read from the start again.
  std::ofstream(file) << R"({"type":"train","step":10,"loss":2.2})"
                      << "\n";
  points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 10);
  fs::remove(file);
}

// A failed worker's error is its "error:" line (and hint), not the backtrace that may follow it.
// A paused job is recorded at the rung it was asked to pause at, not at its step over the total:
// 1/9 of a 30-step budget pauses at step 3, which is a tenth, and must still count for rung 1/9.
// Statuses this fsearch does not write are not taken for results.
TEST(IngestResult, PausedAtTheRungItWasAskedForAndUnknownStatusesRefused) {
  const testing::TempDir root("ingest");
  db::Database db((root / "i.db").string());
  const auto sweep = db.ensure_sweep("s", "s.yaml", "smoke", 1);
  jobs::JobSpec spec;
  spec.norm = functions::norm_preset("layernorm");
  spec.search.pause_at = 1.0 / 9;
  db::JobRow job;
  job.key = jobs::job_key(spec);
  job.label = "layernorm";
  job.spec_json = "{}";
  job.run_dir = (root / "run").string();
  jobs::prepare_run_dir(spec, job.run_dir);
  db.add_job(sweep, job);
  db.mark_running(job.key, 1, 2);
  std::ofstream(jobs::RunDir{job.run_dir}.result())
      << R"({"status": "paused", "steps": 3, "total_steps": 30, "test_acc": 0.25, "cooldown_steps": 2})";
  ASSERT_TRUE(ingest_result(db, job));
  auto rungs = db.rungs(sweep);
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_DOUBLE_EQ(rungs[0].fraction, 1.0 / 9);
  EXPECT_EQ(rungs[0].step, 3);
  EXPECT_DOUBLE_EQ(rungs[0].score, 0.25);
  EXPECT_EQ(rungs[0].cooldown_steps, 2);  // the annealed branch the score came from: compute spent
  EXPECT_EQ(db.job(job.key)->state, db::JobState::Paused);
  EXPECT_FALSE(fs::exists(jobs::RunDir{job.run_dir}.result()));  // set aside
  EXPECT_TRUE(fs::exists(root / "run" / "rung-3.json"));

  db.promote(sweep, {job.key, 3, 1, "test", 3}, 1);
  db.mark_running(job.key, 1, 4);
  std::ofstream(jobs::RunDir{job.run_dir}.result()) << R"({"status": "finished-ish", "steps": 30})";
  EXPECT_FALSE(ingest_result(db, job));
  EXPECT_EQ(db.job(job.key)->state, db::JobState::Running);
}

TEST(ErrorLine, TheLastErrorAndItsHint) {
  auto log = fsearch::testing::program_temp_dir() / ("worker-log-" + std::to_string(::getpid()));
  std::ofstream(log) << "step 10/100 loss 2.3\nerror: first\nerror: data/x: holds no images\nhint: check the file\n"
                     << "frame #0: c10::Error::Error(...)\nframe #1: at::native::foo\n";
  EXPECT_EQ(error_line(log), "error: data/x: holds no images (hint: check the file)");
  std::ofstream(log) << "Segmentation fault\n";
  EXPECT_EQ(error_line(log), "");
  std::filesystem::remove(log);
}

// job_reports ranks finished jobs by their proxy's own metric: a DiT result (FID, no accuracy) never
// puts a NaN into the sort's comparison, and a lower FID ranks first.
TEST(JobReports, RankByEachProxysOwnMetric) {
  auto path = fsearch::testing::program_temp_dir() / ("ranking-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    db::Database db(path.string());
    auto sweep = db.ensure_sweep("mixed", "mixed.yaml", "smoke", 1.7e9);
    auto add = [&](const std::string& key, double acc, double fid, db::JobState state) {
      db::JobRow job;
      job.key = key;
      job.label = key;
      job.proxy = std::isnan(fid) ? "vit-tiny" : "dit-b";
      job.spec_json = "{}";
      job.run_dir = "runs/" + key;
      db.add_job(sweep, job);
      if (state == db::JobState::Pending) return;
      db.mark_running(key, 1, 1000);
      db::ResultRow r;
      r.key = key;
      r.status = state == db::JobState::Diverged ? "diverged" : "done";
      r.test_acc = acc;
      r.fid = fid;
      r.result_json = "{}";
      db.record_result(r, state, 1.7e9);
    };
    add("pending", NAN, NAN, db::JobState::Pending);
    add("dit-worse", NAN, 70.0, db::JobState::Done);
    add("vit", 0.8, NAN, db::JobState::Done);
    add("diverged", NAN, NAN, db::JobState::Diverged);
    add("dit-better", NAN, 60.0, db::JobState::Done);
    std::vector<std::string> order;
    for (const auto& r : job_reports(db, sweep)) order.push_back(r.job.key);
    // Done jobs first (by their own metric within each proxy: FID 60 before FID 70), then diverged,
    // then the rest.
    ASSERT_EQ(order.size(), 5u);
    EXPECT_LT(std::find(order.begin(), order.end(), "dit-better") - order.begin(),
              std::find(order.begin(), order.end(), "dit-worse") - order.begin());
    EXPECT_EQ(order[3], "diverged");
    EXPECT_EQ(order[4], "pending");
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace fsearch::search::detail
