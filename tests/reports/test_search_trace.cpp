// A search's trace on a fixture database: the steps each candidate trained in the order they
// happened, the best so far, and how it stands against the baselines.
#include <gtest/gtest.h>

#include <string>

#include "fixture.h"
#include "fsearch/db/database.h"
#include "fsearch/reports/search.h"

namespace fsearch::reports {
namespace {

// A halving sweep's trace: every rung and result adds the steps it trained since the job's last
// milestone, in the order they happened; the best so far counts finished candidates only, and
// baselines are the line to beat.
TEST(SearchTrace, StepsInTimeOrderAndTheBestFinishedCandidate) {
  Fixture fx;
  auto& db = fx.db();
  const auto sweep = db.ensure_sweep("h", "h.yaml", "smoke", 1);
  auto add = [&](const std::string& key, const std::string& fingerprint) {
    db::JobRow job;
    job.key = key;
    job.fingerprint = fingerprint;
    job.label = fingerprint.empty() ? "layernorm" : key + "(x)";
    job.proxy = "vit-tiny";
    job.spec_json = "{}";
    job.run_dir = "runs/" + key;
    db.add_job(sweep, job);
    db.mark_running(key, 1, 0);
  };
  auto finish = [&](const std::string& key, const std::string& status, double acc, std::int64_t steps, double at) {
    db::ResultRow r;
    r.key = key;
    r.status = status;
    r.test_acc = acc;
    r.steps = steps;
    db.record_result(r, status == "done" ? db::JobState::Done : db::JobState::Rejected, at);
  };
  add("a", "fa");
  add("b", "fb");
  add("c", "fc");
  add("ln", "");
  db.record_rung({"a", 10, 1.0 / 3, 0.3, "test_acc", 0}, 1);
  db.record_rung({"b", 10, 1.0 / 3, 0.2, "test_acc", 0}, 2);
  finish("c", "rejected", NAN, 10, 3);
  finish("ln", "done", 0.7, 30, 4);
  db.promote(sweep, {"a", 10, 1, "rank 1 of 2", 4.5}, 1);
  db.mark_running("a", 1, 4.6);
  finish("a", "done", 0.6, 30, 5);

  auto t = search_trace(db, sweep);
  EXPECT_EQ(t.strategy, "halving");
  EXPECT_EQ(t.metric, Metric::TestAcc);
  ASSERT_EQ(t.points.size(), 5u);
  std::vector<std::int64_t> steps;
  for (const auto& p : t.points) steps.push_back(p.steps);
  EXPECT_EQ(steps, (std::vector<std::int64_t>{10, 20, 30, 60, 80}));
  EXPECT_TRUE(std::isnan(t.points[3].best));  // the baseline is not a candidate
  EXPECT_DOUBLE_EQ(t.points[4].best, 0.6);
  EXPECT_EQ(t.points[4].best_label, "a(x) (seed 0)");
  EXPECT_DOUBLE_EQ(t.baselines.at("layernorm"), 0.7);
  EXPECT_EQ(t.promotions, 1);
  auto md = render_search_section(t, {"figures/x.svg"});
  EXPECT_NE(md.find("Strategy: **halving**. 80 training steps so far: 2 jobs finished, 1 paused at a rung, "
                    "1 rejected early"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("Best so far: **a(x) (seed 0), 60.00%**, found after 80 of 80 steps (100%). layernorm: "
                    "70.00% (the best 10.00 points below)."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("![best so far against steps trained](figures/x.svg)"), std::string::npos);
}

// The best candidate against each baseline, in words that carry the metric's direction: FID is
// better when lower (a DiT sweep whose best function trails LayerNorm says "worse").
TEST(SearchTrace, TheGapToABaselineSaysBetterOrWorseForFid) {
  SearchTrace t;
  t.strategy = "grid";
  t.metric = Metric::Fid;
  t.steps = 100;
  t.points = {{50, 148.42, "erf(x) (seed 2)"}, {100, 148.42, "erf(x) (seed 2)"}};
  t.baselines = {{"layernorm", 21.10}, {"dyt", 160.0}, {"rmsnorm", 148.42}};
  auto md = render_search_section(t, {});
  EXPECT_NE(md.find("Best so far: **erf(x) (seed 2), FID 148.42**, found after 50 of 100 steps (50%)."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("layernorm: FID 21.10 (the best 127.32 FID worse)."), std::string::npos) << md;
  EXPECT_NE(md.find("dyt: FID 160.00 (the best 11.58 FID better)."), std::string::npos) << md;
  EXPECT_NE(md.find("rmsnorm: FID 148.42 (the best level with it)."), std::string::npos) << md;
}

}  // namespace
}  // namespace fsearch::reports
