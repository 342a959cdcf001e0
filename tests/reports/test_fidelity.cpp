// Fidelity numbers on a fixture database whose agreement with the paper is known by construction:
// failure agreement, Kendall tau, the paper's clear orderings and the named checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "fixture.h"
#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"

namespace fsearch::reports {
namespace {

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

}  // namespace
}  // namespace fsearch::reports
