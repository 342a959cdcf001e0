// Fidelity numbers on a fixture database whose agreement with the paper is known by construction:
// failure agreement, Kendall tau, the paper's clear orderings and the named checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <filesystem>

#include "fsearch/db/database.h"
#include "fsearch/reports/calibration_targets.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"
#include "fsearch/reports/search.h"
#include "fixture.h"

namespace fsearch::reports {
namespace {

// A copy: tests call it on a temporary TableFidelity, which a reference would outlive.
FidelityCheck check_named(const TableFidelity& f, const std::string& name) {
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
  EXPECT_EQ(f.compared(), 5);
  EXPECT_EQ(f.failure_agree(), 3);
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
  EXPECT_EQ(f.compared(), 1);
  EXPECT_EQ(f.failure_agree(), 1);
}

// A job the early probe stopped for not learning is a failure, shown as "rej." and explained.
TEST(Fidelity, EarlyRejectionCountsAsFailure) {
  Fixture fx;
  const double r = Fixture::kRejected;
  fx.cell(4, "power23(x)", "none", "vit-tiny", {r, r});   // paper x: agree
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {r, 82.0}); // one of two seeds rejected: not a failure
  auto f = table_fidelity(fx.db(), table(4));
  EXPECT_EQ(f.compared(), 2);
  EXPECT_EQ(f.failure_agree(), 2);
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
  EXPECT_EQ(f.compared(), 3);
  EXPECT_EQ(f.failure_agree(), 3);
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
  EXPECT_TRUE(erf_tanh.strict);
  EXPECT_TRUE(erf_tanh.beyond_spread);  // gap 1.0 against spreads 0.14 + 0.14
  EXPECT_FALSE(check_named(f, "erf >= LayerNorm (ViT)").strict);
  EXPECT_EQ(check_named(f, "erf >= LayerNorm (ViT)").status, CheckStatus::Fail);
  EXPECT_EQ(check_named(f, "erf > tanh (DiT-B FID)").status, CheckStatus::NotRun);
  // The index row and the JSON say the same.
  // Checks run: erf > tanh (pass), erf >= LayerNorm (fail), erf first among point-wise (pass).
  EXPECT_EQ(fidelity_summary_row(f), "| 7 | 3/3 (100%) | -0.33 (test_acc vit-tiny) | 2/3 |");
  auto j = to_json(f);
  EXPECT_EQ(j["failure_agree"], 3);
  EXPECT_EQ(j["order"][0]["reproduced"], 0);
  for (const auto& c : j["checks"]) {
    if (c["name"] == "erf > tanh (ViT)") {
      EXPECT_EQ(c["beyond_spread"], true);
    }
    if (c["name"] == "erf >= LayerNorm (ViT)") {
      EXPECT_TRUE(c["beyond_spread"].is_null());  // not strict
    }
  }
}

// A gap inside the summed seed spreads is also given seed by seed, over the seeds both cells
// trained: the seeds may move both models together (the DiT-B spread of calibration round 27).
// The verdict stays the spread's.
TEST(Fidelity, AGapIsAlsoGivenSeedBySeed) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {24.0, 28.5, 25.5});
  fx.cell(7, "", "", "dit-b", {23.0, 27.0, 25.0}, "layernorm");
  const auto& paired = check_named(table_fidelity(fx.db(), table(7)), "erf >= LayerNorm (DiT-B FID)");
  EXPECT_EQ(paired.status, CheckStatus::Fail);  // 1.0 FID behind, more than the tolerance of 0.5
  EXPECT_NE(paired.detail.find("gap -1.00 (within the seed spread 4.29), by seed -1.00 / -1.50 / -0.50 (ahead on 0 "
                               "of 3)"),
            std::string::npos)
      << paired.detail;

  Fixture lost;  // erf's seed 1 diverged: seeds 0 and 2 pair
  lost.cell(7, "erf(x)", "scalar", "dit-b", {22.0, NAN, 25.5});
  lost.cell(7, "", "", "dit-b", {23.0, 27.0, 25.0}, "layernorm");
  const auto& two = check_named(table_fidelity(lost.db(), table(7)), "erf >= LayerNorm (DiT-B FID)");
  EXPECT_NE(two.detail.find("by seed 1.00 / -0.50 (ahead on 1 of 2)"), std::string::npos) << two.detail;

  Fixture one;  // one seed: nothing to pair
  one.cell(7, "erf(x)", "scalar", "dit-b", {22.0});
  one.cell(7, "", "", "dit-b", {23.0}, "layernorm");
  const auto& single = check_named(table_fidelity(one.db(), table(7)), "erf >= LayerNorm (DiT-B FID)");
  EXPECT_EQ(single.detail.find("by seed"), std::string::npos) << single.detail;
}

// A run that fills a column seed by seed has cells of three seeds beside cells of one. A mean over
// three seeds against one seed's value mixes the seeds' luck into the gap: the two are compared on
// the seeds both finished, and the check says so. Here the means say erf is behind tanh (26.0
// against 22.0 FID) and seed 0, the only one tanh has, says erf is ahead (20.0 against 22.0).
TEST(Fidelity, CellsWhoseSeedsDifferAreComparedOnTheSeedsBothFinished) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {20.0, 30.0, 28.0});
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {22.0, Fixture::kPending, Fixture::kPending});
  fx.cell(7, "", "", "dit-b", {21.0, 29.0, 27.0}, "layernorm");
  const auto f = table_fidelity(fx.db(), table(7));
  const auto& erf_tanh = check_named(f, "erf > tanh (DiT-B FID)");
  EXPECT_EQ(erf_tanh.status, CheckStatus::Pass) << erf_tanh.detail;
  EXPECT_NE(
      erf_tanh.detail.find("erf(x), DiT-B FID 20.00 vs tanh(x), DiT-B FID 22.00 (on seed 0, the seeds both "
                           "finished; erf(x), DiT-B FID over seeds 0, 1, 2: 26.00 ± 5.29): gap 2.00"),
      std::string::npos)
      << erf_tanh.detail;
  EXPECT_EQ(erf_tanh.fewest_seeds, 1);
  // erf and LayerNorm finished the same seeds: compared on all three, as before.
  const auto& erf_norm = check_named(f, "erf >= LayerNorm (DiT-B FID)");
  EXPECT_EQ(erf_norm.detail.find("the seeds both finished"), std::string::npos) << erf_norm.detail;
  EXPECT_NE(erf_norm.detail.find("by seed 1.00 / -1.00 / -1.00"), std::string::npos) << erf_norm.detail;
  // The order over the three cells uses seed 0: erf 20 < LayerNorm 21 < tanh 22 (FID), the paper's
  // Derf 63.23 < DyT 63.71 < LayerNorm 64.93 has tanh and LayerNorm the other way round.
  ASSERT_EQ(f.order.size(), 1u);
  EXPECT_EQ(f.order[0].compared_on_seeds, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(f.order[0].cells, 3);
  EXPECT_NEAR(f.order[0].kendall_tau, 1.0 / 3, 1e-12);
  EXPECT_NE(fidelity_markdown(f).find(
                "(fid dit-b, 3 cells that trained in both, compared on seed 0, the seeds they "
                "all finished)"),
            std::string::npos)
      << fidelity_markdown(f);
  EXPECT_EQ(to_json(f)["order"][0]["compared_on_seeds"], nlohmann::json::array({0}));
}

// Compared on the seeds both finished, a cell keeps how each of its seeds ended: tanh's seed 0
// stayed at chance, so on seed 0 tanh failed, and the check says so instead of reading 10.0% as a
// value that trained.
TEST(Fidelity, ACellAtChanceOnTheSharedSeedStaysAFailureThere) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "vit-tiny", {50.0, Fixture::kPending, Fixture::kPending});
  fx.cell(7, "tanh(x)", "scalar", "vit-tiny", {10.0, 80.0, 81.0});
  const auto& c = check_named(table_fidelity(fx.db(), table(7)), "erf > tanh (ViT)");
  EXPECT_EQ(c.status, CheckStatus::Pass) << c.detail;
  EXPECT_NE(c.detail.find("erf(x), ViT top-1 50.0% vs tanh(x), ViT top-1 at chance (10.0%) (on seed 0, the seeds "
                          "both finished"),
            std::string::npos)
      << c.detail;
}

// A seed counts once every learning rate of its cell has finished: its best over some of them is
// not the cell's value yet (a DiT cell trains three rates per seed).
TEST(Fidelity, ASeedWithALearningRateStillToTrainIsNoResultYet) {
  Fixture fx;
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {31.0});
  fx.at_lr(2e-3);
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {Fixture::kPending});
  fx.at_lr(1e-3);
  fx.cell(7, "erf(x)", "scalar", "dit-b", {24.0});
  const auto f = table_fidelity(fx.db(), table(7));
  EXPECT_EQ(check_named(f, "erf > tanh (DiT-B FID)").status, CheckStatus::NotRun);
  EXPECT_EQ(f.compared(), 1);  // erf's cell only
  const auto md = render_table(fx.db(), table(7), "fixture.db");
  EXPECT_NE(md.find("| tanh(x) | — (82.6%) | — (63.71) |"), std::string::npos) << md;
}

// "erf first among point-wise functions" is strict too: its closest pair (erf against the best of
// the rest) says its gap and whether it is beyond the two cells' seed spreads.
TEST(Fidelity, AGroupCheckSaysWhetherItsClosestGapIsBeyondTheSpread) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "vit-tiny", {80.0, 80.2});
  fx.cell(7, "tanh(x)", "scalar", "vit-tiny", {79.0, 79.2});
  fx.cell(7, "arcsinh_clip(x)", "scalar", "vit-tiny", {79.9, 80.1});  // 0.1 below erf
  auto f = table_fidelity(fx.db(), table(7));
  const auto& first = check_named(f, "erf first among point-wise functions (ViT)");
  EXPECT_EQ(first.status, CheckStatus::Pass);
  EXPECT_TRUE(first.strict);
  EXPECT_FALSE(first.beyond_spread);
  EXPECT_NE(first.detail.find("highest of the second: arcsinh_clip(x), ViT top-1 80.0% ± 0.1: gap 0.10 (within "
                              "the seed spread 0.28)"),
            std::string::npos)
      << first.detail;

  Fixture clear;
  clear.cell(7, "erf(x)", "scalar", "vit-tiny", {80.0, 80.2});
  clear.cell(7, "arcsinh_clip(x)", "scalar", "vit-tiny", {79.0, 79.2});
  const auto& beyond = check_named(table_fidelity(clear.db(), table(7)), "erf first among point-wise functions (ViT)");
  EXPECT_TRUE(beyond.beyond_spread);
  EXPECT_NE(beyond.detail.find("gap 1.00 (beyond the seed spread 0.28)"), std::string::npos) << beyond.detail;
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
  EXPECT_EQ(f.compared(), 4);
  EXPECT_EQ(f.failure_agree(), 3);
}

// A trend's pairs compare like with like too. lambda 0 over three seeds (78, 73, 73: 74.67 ± 2.89)
// against lambda 0.5 on seed 0 only (77.9): by the mean, 0.5 would beat 0 by 3.23, beyond 0.3 plus
// the spread (3.19); on seed 0, the seed both finished, 0.5 (77.9) is below 0 (78.0): the trend holds.
TEST(Fidelity, NonIncreasingComparesEachPairOnTheSeedsBothFinished) {
  Fixture fx;
  fx.cell(5, "flat(erf, 0)", "none", "vit-tiny", {78.0, 73.0, 73.0});
  fx.cell(5, "flat(erf, 0.5)", "none", "vit-tiny", {77.9, Fixture::kPending, Fixture::kPending});
  auto f = table_fidelity(fx.db(), table(5));
  const auto& c = check_named(f, "accuracy non-increasing in the flat zone's lambda (Table 5)");
  EXPECT_EQ(c.status, CheckStatus::Pass) << c.detail;
  EXPECT_NE(c.detail.find("1 of 1 ordered pairs hold (tolerance 0.3 points plus seed spreads; 1 pair whose "
                          "cells finished different seeds compared on the seeds both finished)"),
            std::string::npos)
      << c.detail;
  // On seed 0 a real break shows, with the seed named.
  Fixture broken;
  broken.cell(5, "flat(erf, 0)", "none", "vit-tiny", {76.0, 79.0, 79.0});
  broken.cell(5, "flat(erf, 0.5)", "none", "vit-tiny", {77.0, Fixture::kPending, Fixture::kPending});
  const auto& b = check_named(table_fidelity(broken.db(), table(5)),
                              "accuracy non-increasing in the flat zone's lambda (Table 5)");
  EXPECT_EQ(b.status, CheckStatus::Fail) << b.detail;
  EXPECT_NE(b.detail.find("e.g. erf(x), 0.5 77.0% > erf(x), 0 76.0% (on seed 0)"), std::string::npos) << b.detail;
}

// A group check ("erf first") also compares on the seeds all its cells finished: erf's mean over
// three seeds (79.33) is below tanh's seed 0 (79.5), but on seed 0 erf (80.0) leads.
TEST(Fidelity, AGroupCheckComparesOnTheSeedsAllItsCellsFinished) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "vit-tiny", {80.0, 79.0, 79.0});
  fx.cell(7, "tanh(x)", "scalar", "vit-tiny", {79.5, Fixture::kPending, Fixture::kPending});
  const auto& c = check_named(table_fidelity(fx.db(), table(7)), "erf first among point-wise functions (ViT)");
  EXPECT_EQ(c.status, CheckStatus::Pass) << c.detail;
  EXPECT_NE(c.detail.find("erf(x), ViT top-1 80.0%"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("(on seed 0, the seeds all these cells finished)"), std::string::npos) << c.detail;
}

// A cell the paper fails that trains here is a disagreement; how far it fell below the start of
// its trend (the unmodified function) says whether the proxy sees the harm short of failing.
TEST(Fidelity, ADisagreementSaysHowFarBelowItsTrendsStartTheCellTrained) {
  Fixture fx;
  fx.cell(1, "hshift(erf, 0)", "none", "vit-tiny", {85.0, 85.4});
  fx.cell(1, "hshift(erf, -2)", "none", "vit-tiny", {83.0, 83.2});  // paper x
  fx.cell(1, "hshift(erf, 2)", "none", "vit-tiny", {86.0});         // paper x, better than lambda 0
  fx.cell(1, "hshift(erf, -1)", "none", "vit-tiny", {NAN});         // paper 82.0: no trend text
  auto f = table_fidelity(fx.db(), table(1));
  ASSERT_EQ(f.disagreements.size(), 3u);
  EXPECT_EQ(f.disagreements[0],
            "erf(x) | horizontal, -2: paper x, here 83.1% ± 0.1, 2.1 worse than where its trend starts "
            "(erf(x) | horizontal, 0: 85.2% ± 0.3)");
  EXPECT_EQ(f.disagreements[1], "erf(x) | horizontal, -1: paper 82.0%, here x (every seed diverged)");
  EXPECT_EQ(f.disagreements[2],
            "erf(x) | horizontal, +2: paper x, here 86.0%, 0.8 better than where its trend starts "
            "(erf(x) | horizontal, 0: 85.2% ± 0.3)");
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

// A cell that trained although one of its seeds was stopped by the early probe: its mean is over
// the seeds that trained, it carries the mark that says so, the rejected seed is explained, and the
// cell counts as trained (the majority trained), not as a "rej." cell.
TEST(Fidelity, ATrainedCellSaysWhichOfItsSeedsTheProbeStopped) {
  Fixture fx;
  const std::string diagnostics =
      R"({"diagnostics": {"init": {"frac_dead_max": 1.0, "frac_dead_mean": 1.0, "x_std_max": 0.78}}})";
  fx.cell(5, "flat(erf, 2)", "none", "vit-tiny", {82.54, 82.55, Fixture::kRejected}, "", diagnostics);
  const double rejected = Fixture::kRejected;
  fx.cell(5, "flat(erf, 3)", "none", "vit-tiny", {rejected, rejected, rejected}, "", diagnostics);
  auto md = render_table(fx.db(), table(5), "fixture.db");
  EXPECT_NE(md.find("| **82.5 ± 0.0% †** (81.3%) |"), std::string::npos) << md;
  EXPECT_NE(md.find("†: some seeds diverged or were stopped by the early probe; the mean is over the others (1 cell)"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- erf(x), 2.0 (1 of 3 seeds; the cell trained on the others): rejected at step 10 (test "
                    "accuracy 10.0% is still at chance (10.0%)); at init: up to 100.0%"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("a failure, like x (1 cell)"), std::string::npos) << md;  // only flat(erf, 3) shows rej.
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

// The cells a table's verdict needs, and how many seeds the least-run of them has.
TEST(Fidelity, CountsThePapersCellsAndTheFewestSeeds) {
  Fixture fx;
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {82.0, 82.1, 82.2});
  fx.cell(4, "linear(x)", "none", "vit-tiny", {NAN, NAN});
  auto f = table_fidelity(fx.db(), table(4));
  EXPECT_EQ(f.paper_cells, 5);  // Table 4 has five cells, three not run here
  EXPECT_EQ(f.compared(), 2);
  EXPECT_EQ(f.fewest_seeds(), 2);
  EXPECT_EQ(to_json(f)["paper_cells"], 5);
}

// Targets 2 and 3 read named checks of Tables 5 and 7: a renamed finding must not silently turn a
// target into "not run" forever.
TEST(CalibrationTargets, EveryCheckTheyReadExistsInThePaperTables) {
  const auto checks = calibration_target_checks();
  ASSERT_EQ(checks.size(), 3u);
  for (const auto& [number, name] : checks) {
    const auto& spec = table(number);
    const bool found = std::any_of(spec.findings.begin(), spec.findings.end(),
                                   [&](const FindingSpec& f) { return f.name == name; });
    EXPECT_TRUE(found) << "Table " << number << " has no finding named " << name;
  }
}

// A table whose `cells` cells all ran on `seeds` seeds, the first `agree` of them agreeing.
TableFidelity complete(int number, int agree, int cells, int seeds = 3) {
  TableFidelity f;
  f.table = number;
  f.paper_cells = cells;
  for (int i = 0; i < cells; ++i) f.verdicts.push_back({seeds, i < agree});
  return f;
}

TEST(CalibrationTargets, FailureAgreementNeedsTablesOneToFiveOnThreeSeeds) {
  auto none = calibration_targets({});
  ASSERT_EQ(none.size(), 3u);
  for (const auto& t : none) EXPECT_EQ(t.status, CheckStatus::NotRun) << t.name;
  EXPECT_NE(none[0].detail.find("Table 1 not run, Table 2 not run"), std::string::npos) << none[0].detail;

  // 90 of 100 cells: exactly the target.
  std::vector<TableFidelity> tables = {complete(1, 45, 48), complete(2, 20, 21), complete(3, 12, 16),
                                       complete(4, 5, 5), complete(5, 8, 10)};
  auto met = calibration_targets(tables)[0];
  EXPECT_EQ(met.status, CheckStatus::Pass) << met.detail;
  EXPECT_EQ(met.detail, "90 of 100 cells (90%)");
  tables[4].verdicts[7].agree = false;
  EXPECT_EQ(calibration_targets(tables)[0].status, CheckStatus::Fail);

  tables[4].verdicts[7].agree = true;

  // A table with a cell short of three seeds, or cells not run: the verdict waits, the numbers show.
  tables[2].verdicts[0].seeds = 1;
  tables[3].verdicts.resize(3);
  auto waiting = calibration_targets(tables)[0];
  EXPECT_EQ(waiting.status, CheckStatus::NotRun);
  EXPECT_EQ(waiting.detail,
            "88 of 98 cells (90%) so far; Table 3 has cells with 1 seed, Table 4 has 3 of 5 cells");
}

// Target 1 is settled before every cell has its seeds when the cells that have them decide it:
// at most (settled agreements + open cells) of all, or at least the settled agreements.
TEST(CalibrationTargets, FailureAgreementIsSettledWhenTheOpenCellsCannotChangeIt) {
  // 100 cells; Table 2 has run 5 of its 21, Table 3 has a cell on one seed (open, and agreeing).
  std::vector<TableFidelity> tables = {complete(1, 42, 48), complete(2, 5, 5), complete(3, 16, 16),
                                       complete(4, 5, 5), complete(5, 10, 10)};
  tables[1].paper_cells = 21;
  tables[2].verdicts[0].seeds = 1;
  // Settled: 42 + 5 + 15 + 5 + 10 = 77 agree of 83; open: 16 + 1 = 17; at most 94 of 100.
  auto open = calibration_targets(tables)[0];
  EXPECT_EQ(open.status, CheckStatus::NotRun) << open.detail;
  EXPECT_EQ(open.detail.find("at most"), std::string::npos) << open.detail;
  // Five more disagreements among the settled cells: at most 89 of 100, whatever the open ones give.
  for (int i = 0; i < 5; ++i) tables[0].verdicts[i].agree = false;
  auto lost = calibration_targets(tables)[0];
  EXPECT_EQ(lost.status, CheckStatus::Fail) << lost.detail;
  EXPECT_EQ(lost.detail,
            "73 of 84 cells (87%) so far; Table 2 has 5 of 21 cells, Table 3 has cells with 1 seed; "
            "at most 89 of 100 (89%) even if the 17 open cells all agree");
  // The open cell of Table 3 disagreeing on its one seed changes nothing: it is open.
  tables[2].verdicts[0].agree = false;
  EXPECT_NE(calibration_targets(tables)[0].detail.find("at most 89 of 100"), std::string::npos);
  // A table not in the report at all: its cells are unknown, so nothing is settled.
  tables.erase(tables.begin() + 1);
  EXPECT_EQ(calibration_targets(tables)[0].status, CheckStatus::NotRun);
  // Enough settled agreement: passed whatever the open cells give.
  tables = {complete(1, 48, 48), complete(2, 5, 5), complete(3, 16, 16), complete(4, 5, 5), complete(5, 10, 10)};
  tables[1].paper_cells = 7;
  auto won = calibration_targets(tables)[0];
  EXPECT_EQ(won.status, CheckStatus::Pass) << won.detail;
  EXPECT_NE(won.detail.find("at least 84 of 86 (98%) whatever the 2 open cells give"), std::string::npos)
      << won.detail;
}

TEST(CalibrationTargets, OrderingTargetsReadTable7AndTable5Checks) {
  auto t7 = complete(7, 3, 3);
  t7.checks = {{"erf > tanh (ViT)", CheckStatus::Pass, "erf 80.1 > tanh 79.1"},
               {"erf >= LayerNorm (ViT)", CheckStatus::Fail, "erf 80.1 < LayerNorm 81.1"}};
  auto t5 = complete(5, 18, 18);
  t5.checks = {{"accuracy non-increasing in the flat zone's lambda (Table 5)", CheckStatus::Pass, "6 of 6"}};
  auto targets = calibration_targets({t7, t5});
  EXPECT_EQ(targets[1].status, CheckStatus::Fail);
  EXPECT_NE(targets[1].detail.find("erf >= LayerNorm (ViT): fail (erf 80.1 < LayerNorm 81.1)"), std::string::npos)
      << targets[1].detail;
  EXPECT_EQ(targets[2].status, CheckStatus::Pass);
  t7.checks[1].status = CheckStatus::Pass;
  EXPECT_EQ(calibration_targets({t7, t5})[1].status, CheckStatus::Pass);
  // "erf > tanh" by less than the seed spread is not the ordering the target asks for.
  t7.checks[0].strict = true;
  auto within = calibration_targets({t7, t5})[1];
  EXPECT_EQ(within.status, CheckStatus::Fail);
  EXPECT_NE(within.detail.find("erf > tanh (ViT): pass, but within the seed spread (erf 80.1 > tanh 79.1)"),
            std::string::npos)
      << within.detail;
  t7.checks[0].beyond_spread = true;
  EXPECT_EQ(calibration_targets({t7, t5})[1].status, CheckStatus::Pass);
  // Passing on two seeds is not yet the target's verdict.
  for (auto& v : t7.verdicts) v.seeds = 2;
  auto two = calibration_targets({t7, t5})[1];
  EXPECT_EQ(two.status, CheckStatus::NotRun);
  EXPECT_NE(two.detail.find("so far only: Table 7 has cells with 2 seeds"), std::string::npos) << two.detail;
  // Said once, though both checks read Table 7.
  EXPECT_EQ(two.detail.find("Table 7 has cells"), two.detail.rfind("Table 7 has cells")) << two.detail;

  // Checks that say which cells they compared: the verdict waits for those cells' seeds only, not
  // for the rest of Table 7 (its DiT columns).
  t7.verdicts.assign(17, {3, true}), t7.paper_cells = 51;
  t7.checks[0].fewest_seeds = t7.checks[1].fewest_seeds = 3;
  t7.checks[1].status = CheckStatus::Fail;
  auto column = calibration_targets({t7, t5})[1];
  EXPECT_EQ(column.status, CheckStatus::Fail) << column.detail;
  EXPECT_EQ(column.detail.find("so far only"), std::string::npos) << column.detail;
  t7.checks[1].fewest_seeds = 2;
  auto short_of_seeds = calibration_targets({t7, t5})[1];
  EXPECT_EQ(short_of_seeds.status, CheckStatus::NotRun);
  EXPECT_NE(short_of_seeds.detail.find("so far only: erf >= LayerNorm (ViT) compares cells with 2 seeds"),
            std::string::npos)
      << short_of_seeds.detail;
}

// A pairwise or group check counts the seeds of the cells it compared.
TEST(Fidelity, NamedChecksCountTheSeedsOfTheirCells) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "vit-tiny", {80.0, 80.2, 80.1});
  fx.cell(7, "tanh(x)", "scalar", "vit-tiny", {79.0, 79.2});
  fx.cell(7, "", "", "vit-tiny", {81.0, 81.2, 81.1}, "layernorm");
  auto f = table_fidelity(fx.db(), table(7));
  EXPECT_EQ(check_named(f, "erf > tanh (ViT)").fewest_seeds, 2);
  EXPECT_EQ(check_named(f, "erf >= LayerNorm (ViT)").fewest_seeds, 3);
  EXPECT_EQ(check_named(f, "erf first among point-wise functions (ViT)").fewest_seeds, 0);  // cells not run
  auto targets = calibration_targets({f});
  EXPECT_EQ(targets[1].status, CheckStatus::NotRun);
  EXPECT_NE(targets[1].detail.find("so far only: erf > tanh (ViT) compares cells with 2 seeds"), std::string::npos)
      << targets[1].detail;
}

// index.md carries the targets when the report holds any of the tables they read.
TEST(CalibrationTargets, IndexShowsThem) {
  Fixture fx;
  fx.cell(4, "linear(x)", "none", "vit-tiny", {NAN});
  ReportOptions options;
  options.out_dir = (std::filesystem::temp_directory_path() / ("fsearch-targets-" + std::to_string(::getpid()))).string();
  options.figures = false;
  options.db_label = "fixture.db";
  write_reports(fx.db(), options);
  std::ifstream in(std::filesystem::path(options.out_dir) / "index.md");
  std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(options.out_dir);
  EXPECT_NE(index.find("## Calibration targets: is the ViT proxy calibrated?"), std::string::npos) << index;
  EXPECT_NE(index.find("| 1. failure agreement over Tables 1-5 >= 90% | not run | 1 of 1 cell (100%) so far; "
                       "Table 1 not run, Table 2 not run, Table 3 not run, Table 4 has 1 of 5 cells (fewest seeds: 1)"),
            std::string::npos)
      << index;
}

}  // namespace
}  // namespace fsearch::reports
