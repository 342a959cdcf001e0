// --retrain-build: which recorded builds a given text names, the errors a user sees, and retraining
// on a real database and run directories.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"
#include "fsearch/search/retrain.h"
#include "temp_dir.h"

namespace fsearch::search {
namespace {

namespace fs = std::filesystem;

TEST(Retrain, ABuildMatchesByCommitPrefixAndDirtyOnlyWhenAsked) {
  EXPECT_TRUE(build_matches("bab3cdad0bb5-dirty", "bab3cdad0bb5-dirty"));
  EXPECT_TRUE(build_matches("bab3cdad0bb5-dirty", "bab3cda"));  // a commit: its clean and dirty builds
  EXPECT_TRUE(build_matches("bab3cdad0bb5", "BAB3CDAD0BB5"));
  EXPECT_TRUE(build_matches("bab3cdad0bb5", "bab3cdad0bb5f00d0000000000000000000000001"));  // the full hash
  EXPECT_FALSE(build_matches("bab3cdad0bb5", "bab3cdad0bb5-dirty"));  // -dirty asks for the dirty build only
  EXPECT_FALSE(build_matches("bab3cdad0bb5-dirty", "bab3cdb"));
  EXPECT_FALSE(build_matches("", "bab3cdad0bb5"));
  EXPECT_FALSE(build_matches("bab3", "bab3"));  // too short to name a commit
}

TEST(Retrain, TextThatIsNotABuildIsRefusedWithTheForm) {
  for (const char* bad : {"", "abc", "bab3cdad0bb5-dity", "bab3cdad0bb5 ", "zzzzzzz", "-dirty"}) {
    try {
      check_build_text(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("is not a build"), std::string::npos) << e.what();
      EXPECT_NE(e.hint().find("7 to 40 hex digits"), std::string::npos) << e.hint();
    }
  }
  EXPECT_NO_THROW(check_build_text("bab3cdad0bb5-dirty"));
  EXPECT_NO_THROW(check_build_text("d3e75b5"));
}

struct Fixture {
  testing::TempDir root{"retrain"};
  db::Database db{(root / "r.db").string()};
  std::int64_t sweep = db.ensure_sweep("table5", "t.yaml", "default", 1);
  std::vector<PlannedJob> planned;

  // A finished job of the sweep, trained by `build`, with its run directory and a curve point.
  void add(std::uint64_t seed, const std::string& build, bool in_plan = true) {
    PlannedJob p;
    p.spec.norm = functions::norm_preset("layernorm");
    p.spec.seed = seed;
    p.row.key = jobs::job_key(p.spec);
    p.row.label = "LayerNorm";
    p.row.proxy = "vit-tiny";
    p.row.spec_json = "{}";
    p.row.run_dir = (root / p.row.key).string();
    jobs::prepare_run_dir(p.spec, p.row.run_dir);
    std::ofstream(jobs::RunDir{p.row.run_dir}.result()) << R"({"status": "done"})";
    db.add_job(sweep, p.row);
    db.mark_running(p.row.key, 1, 2);
    db::ResultRow r;
    r.key = p.row.key;
    r.status = "done";
    r.test_acc = 0.8;
    r.result_json = R"({"git_commit": ")" + build + R"("})";
    db.record_result(r, db::JobState::Done, 3);
    db.add_curve({{p.row.key, "train", 10, 2.0, 1e-3, 1.0, NAN}});
    if (in_plan) planned.push_back(p);
  }
};

TEST(Retrain, AnUnknownBuildNamesTheBuildsTheSweepHas) {
  Fixture f;
  f.add(0, "bab3cdad0bb5-dirty");
  f.add(1, "d3e75b5abcde");
  f.add(2, "d3e75b5abcde");
  try {
    jobs_built_by(f.db, f.sweep, "table5", {"d3e75b5", "0123456"});
    ADD_FAILURE() << "a build that trained nothing was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--retrain-build 0123456: no finished job of sweep table5"),
              std::string::npos)
        << e.what();
    EXPECT_NE(e.hint().find("bab3cdad0bb5-dirty: 1, d3e75b5abcde: 2"), std::string::npos) << e.hint();
  }
  try {
    jobs_built_by(f.db, -1, "new-sweep", {"d3e75b5"});
    ADD_FAILURE() << "a sweep without jobs was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.hint().find("no finished jobs yet"), std::string::npos) << e.hint();
  }
  EXPECT_EQ(jobs_built_by(f.db, f.sweep, "table5", {"bab3cdad0bb5"}).size(), 1u);
  EXPECT_EQ(jobs_built_by(f.db, f.sweep, "table5", {"d3e75b5", "bab3cdad0bb5-dirty"}).size(), 3u);
  EXPECT_EQ(f.db.job(f.planned[0].row.key)->state, db::JobState::Done);  // asking changes nothing
}

TEST(Retrain, MatchedJobsOfThePlanTrainAgainFromTheStartAndKeepTheirOldFiles) {
  Fixture f;
  f.add(0, "bab3cdad0bb5-dirty");
  f.add(1, "d3e75b5abcde");
  f.add(2, "bab3cdad0bb5-dirty", /*in_plan=*/false);
  const auto keys = jobs_built_by(f.db, f.sweep, "table5", {"bab3cdad0bb5-dirty"});
  ASSERT_EQ(keys.size(), 2u);
  const auto outcome = retrain(f.db, keys, f.planned, 10);
  EXPECT_EQ(outcome.queued, 1);
  EXPECT_EQ(outcome.outside_plan, 1);

  const auto& dirty = f.planned[0].row;
  EXPECT_EQ(f.db.job(dirty.key)->state, db::JobState::Pending);
  EXPECT_FALSE(f.db.result(dirty.key));
  const jobs::RunDir fresh{dirty.run_dir};
  EXPECT_TRUE(fs::exists(fresh.job()));  // ready to train from the start
  EXPECT_FALSE(fs::exists(fresh.result()));
  EXPECT_EQ(jobs::job_key(jobs::read_job_file(fresh.job().string())), dirty.key);
  const jobs::RunDir old{dirty.run_dir + ".replaced-bab3cdad0bb5-dirty"};
  EXPECT_TRUE(fs::exists(old.result()));
  auto kept = f.db.connection().prepare("SELECT run_dir, state FROM replaced_results WHERE job_key = ?");
  kept.bind(1, dirty.key);
  ASSERT_TRUE(kept.step());
  EXPECT_EQ(kept.get_text(0), old.root.string());
  EXPECT_EQ(kept.get_text(1), "done");

  // The same command again (after an interruption, say): nothing left to queue, and no error.
  EXPECT_EQ(jobs_built_by(f.db, f.sweep, "table5", {"bab3cdad0bb5-dirty"}).size(), 1u);  // outside the plan
  EXPECT_THROW(jobs_built_by(f.db, f.sweep, "table5", {"bab3cdb"}), ConfigError) << "not replaced either: a typo";

  EXPECT_EQ(f.db.job(f.planned[1].row.key)->state, db::JobState::Done);  // another build: untouched
  EXPECT_TRUE(fs::exists(jobs::RunDir{f.planned[1].row.run_dir}.result()));

  // Trained again by the same build and retrained once more: the second set-aside gets its own name.
  f.db.mark_running(dirty.key, 1, 11);
  db::ResultRow r;
  r.key = dirty.key;
  r.status = "done";
  r.result_json = R"({"git_commit": "bab3cdad0bb5-dirty"})";
  f.db.record_result(r, db::JobState::Done, 12);
  std::ofstream(fresh.result()) << R"({"status": "done"})";
  EXPECT_EQ(retrain(f.db, {dirty.key}, f.planned, 13).queued, 1);
  EXPECT_TRUE(fs::exists(dirty.run_dir + ".replaced-bab3cdad0bb5-dirty-2/result.json"));
  EXPECT_TRUE(fs::exists(old.result()));
}

// A run directory already gone (a database committed on another machine, its runs not): the job is
// retrained all the same, and its record says no directory was moved.
TEST(Retrain, AJobWithoutItsRunDirectoryIsRetrainedToo) {
  Fixture f;
  f.add(0, "bab3cdad0bb5-dirty");
  const auto& row = f.planned[0].row;
  fs::remove_all(row.run_dir);
  EXPECT_EQ(retrain(f.db, {row.key}, f.planned, 10).queued, 1);
  EXPECT_EQ(f.db.job(row.key)->state, db::JobState::Pending);
  EXPECT_TRUE(fs::exists(jobs::RunDir{row.run_dir}.job()));
  auto kept = f.db.connection().prepare("SELECT run_dir FROM replaced_results WHERE job_key = ?");
  kept.bind(1, row.key);
  ASSERT_TRUE(kept.step());
  EXPECT_EQ(kept.get_text(0), "");
}

}  // namespace
}  // namespace fsearch::search
