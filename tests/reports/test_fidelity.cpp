// Fidelity numbers on a fixture database whose agreement with the paper is known by construction:
// failure agreement, Kendall tau, the paper's clear orderings and the named checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"
#include "fsearch/reports/search.h"
#include "fixture.h"

namespace fsearch::reports {
namespace {

const FidelityCheck& check_named(const TableFidelity& f, const std::string& name) {
  for (const auto& c : f.checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check " + name);
}

TEST(Fidelity, KendallTauB) {
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // One tie in the first series: 2 concordant of 3 pairs, tau-b = 2 / sqrt(2 * 3).
  EXPECT_NEAR(kendall_tau_b({1, 1, 2}, {1, 2, 3}), 2 / std::sqrt(6.0), 1e-12);
  EXPECT_TRUE(std::isnan(kendall_tau_b({1}, {1})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
}

TEST(Fidelity, FailureAgreementCountsBothDirections) {
  Fixture fx;
  const double x = NAN;
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {82.0});
  fx.cell(4, "arcsinh(x)", "none", "vit-tiny", {81.0});
  fx.cell(4, "logquad(x)", "none", "vit-tiny", {x});     // paper trains it: disagree
  fx.cell(4, "power23(x)", "none", "vit-tiny", {x, x});  // paper x: agree
  fx.cell(4, "linear(x)", "none", "vit-tiny", {85.0});   // paper x: disagree
  auto f = table_fidelity(fx.db(), table(4));
  EXPECT_EQ(f.compared, 5);
  EXPECT_EQ(f.failure_agree, 3);
  EXPECT_EQ(f.paper_failures, 2);
  EXPECT_EQ(f.paper_failures_reproduced, 1);
  ASSERT_EQ(f.disagreements.size(), 2u);
  EXPECT_NE(f.disagreements[0].find("logquad"), std::string::npos);
  EXPECT_NE(f.disagreements[1].find("linear"), std::string::npos);
  const auto& limit = check_named(f, "growth limit: logsign, arcsinh, logquad train; power23, linear fail");
  EXPECT_EQ(limit.status, CheckStatus::Fail);
  EXPECT_NE(limit.detail.find("3 of 5"), std::string::npos) << limit.detail;
}

TEST(Fidelity, ChanceLevelCountsAsFailure) {
  Fixture fx;
  fx.cell(4, "linear(x)", "none", "vit-tiny", {10.2, 10.0});  // trained, never learned
  auto f = table_fidelity(fx.db(), table(4));
  EXPECT_EQ(f.compared, 1);
  EXPECT_EQ(f.failure_agree, 1);
}

// A job the early probe stopped for not learning is a failure, shown as "rej." and explained.
TEST(Fidelity, EarlyRejectionCountsAsFailure) {
  Fixture fx;
  const double r = Fixture::kRejected;
  fx.cell(4, "power23(x)", "none", "vit-tiny", {r, r});   // paper x: agree
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {r, 82.0}); // one of two seeds rejected: not a failure
  auto f = table_fidelity(fx.db(), table(4));
  EXPECT_EQ(f.compared, 2);
  EXPECT_EQ(f.failure_agree, 2);
  EXPECT_EQ(f.paper_failures_reproduced, 1);
  auto page = render_table(fx.db(), table(4), "fixture.db");
  EXPECT_NE(page.find("rej. (x)"), std::string::npos) << page;
  EXPECT_NE(page.find("rej.: the early probe stopped the job"), std::string::npos) << page;
  EXPECT_NE(page.find("rejected at step 10 (test accuracy 10.0% is still at chance (10.0%))"), std::string::npos)
      << page;
}

TEST(Fidelity, OrderAndNamedChecksOnTable7) {
  Fixture fx;
  // Two seeds each: erf beats tanh beyond the spread, LayerNorm beats both.
  fx.cell(7, "erf(x)", "scalar", "vit-tiny", {80.0, 80.2});
  fx.cell(7, "tanh(x)", "scalar", "vit-tiny", {79.0, 79.2});
  fx.cell(7, "", "", "vit-tiny", {81.0, 81.2}, "layernorm");
  auto f = table_fidelity(fx.db(), table(7));
  EXPECT_EQ(f.compared, 3);
  EXPECT_EQ(f.failure_agree, 3);
  ASSERT_EQ(f.order.size(), 1u);
  const auto& o = f.order[0];
  EXPECT_EQ(o.cells, 3);
  // Paper: erf 82.8 > tanh 82.6 > LayerNorm 82.3; here LayerNorm > erf > tanh: one concordant pair
  // (erf, tanh), two discordant.
  EXPECT_NEAR(o.kendall_tau, -1.0 / 3, 1e-12);
  // Clear pairs (gap >= 0.3): erf-LayerNorm (0.5) and tanh-LayerNorm (0.3); both reversed here.
  EXPECT_EQ(o.clear_pairs, 2);
  EXPECT_EQ(o.reproduced, 0);
  EXPECT_TRUE(o.beyond_spread);
  const auto& erf_tanh = check_named(f, "erf > tanh (ViT)");
  EXPECT_EQ(erf_tanh.status, CheckStatus::Pass);
  EXPECT_NE(erf_tanh.detail.find("beyond the seed spread"), std::string::npos) << erf_tanh.detail;
  EXPECT_EQ(check_named(f, "erf >= LayerNorm (ViT)").status, CheckStatus::Fail);
  EXPECT_EQ(check_named(f, "erf > tanh (DiT-B FID)").status, CheckStatus::NotRun);
  // The index row and the JSON say the same.
  // Checks run: erf > tanh (pass), erf >= LayerNorm (fail), erf first among point-wise (pass).
  EXPECT_EQ(fidelity_summary_row(f), "| 7 | 3/3 (100%) | -0.33 (test_acc vit-tiny) | 2/3 |");
  auto j = to_json(f);
  EXPECT_EQ(j["failure_agree"], 3);
  EXPECT_EQ(j["order"][0]["reproduced"], 0);
}

TEST(Fidelity, NonIncreasingInLambdaToleratesThePapersNoiseOnly) {
  Fixture fx;
  // erf row of Table 5: lambda 0, 0.1, 0.5, 1 -> 80.0, 80.2 (within 0.3), 81.0 (breaks), x (fine).
  fx.cell(5, "flat(erf, 0)", "none", "vit-tiny", {80.0});
  fx.cell(5, "flat(erf, 0.1)", "none", "vit-tiny", {80.2});
  fx.cell(5, "flat(erf, 0.5)", "none", "vit-tiny", {81.0});
  fx.cell(5, "flat(erf, 1)", "none", "vit-tiny", {NAN});
  auto f = table_fidelity(fx.db(), table(5));
  const auto& c = check_named(f, "accuracy non-increasing in the flat zone's lambda (Table 5)");
  EXPECT_EQ(c.status, CheckStatus::Fail);
  // 6 ordered pairs; 0.5 beats 0 and 0.1 by more than 0.3: two broken.
  EXPECT_NE(c.detail.find("4 of 6"), std::string::npos) << c.detail;
  // Paper: 82.6 > 82.5 = 82.5 > 82.1 (x only at 3): the flat(erf, 1) failure disagrees.
  EXPECT_EQ(f.compared, 4);
  EXPECT_EQ(f.failure_agree, 3);
}

TEST(Fidelity, ReportPagesCarryTheFidelitySection) {
  Fixture fx;
  fx.cell(4, "linear(x)", "none", "vit-tiny", {85.0});
  auto md = render_table(fx.db(), table(4), "fixture.db");
  EXPECT_NE(md.find("## Fidelity"), std::string::npos);
  EXPECT_NE(md.find("Failure agreement: **0 of 1 cell (0%)**"), std::string::npos) << md;
  EXPECT_NE(md.find("disagrees: top-1, linear(x): paper x, here 85.0%"), std::string::npos) << md;
}

TEST(Fidelity, FailedCellsAreExplainedByTheirDiagnostics) {
  Fixture fx;
  // flat(erf, 3) at chance, its diagnostics say every input of a norm sat in the flat zone at init.
  const std::string diagnostics =
      R"({"diagnostics": {"init": {"frac_dead_max": 1.0, "frac_dead_mean": 1.0, "x_std_max": 0.52,)"
      R"( "attn_logit_max": 0.17}, "final": {"frac_dead_max": 1.0, "frac_dead_mean": 0.99, "x_std_max": 0.6}}})";
  fx.cell(5, "flat(erf, 3)", "none", "vit-tiny", {10.0}, "", diagnostics);
  auto md = render_table(fx.db(), table(5), "fixture.db");
  EXPECT_NE(md.find("- erf(x), 3.0: at init: up to 100.0% of a norm's inputs in a flat or saturated zone "
                    "(mean 100.0%), input std up to 0.52, attention logits up to 0.2; after training: up to "
                    "100.0% of a norm's inputs in a flat or saturated zone (mean 99.0%), input std up to 0.60"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace fsearch::reports

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
                    "70.00% (-10.00 points)."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("![best so far against steps trained](figures/x.svg)"), std::string::npos);
}

}  // namespace
}  // namespace fsearch::reports
