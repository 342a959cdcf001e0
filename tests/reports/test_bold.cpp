// Which cell of a row a rendered table bolds: the best of each metric, never a failed cell, and
// like with like when cells finished different seeds.
#include <gtest/gtest.h>

#include <string>

#include "fixture.h"
#include "fsearch/reports/report.h"

namespace fsearch::reports {
namespace {

// The paper bolds accuracy and FID separately (Table 14 pairs without s / with s): a row's best
// accuracy and its best FID are both bold, never a worse number of the other metric.
TEST(Reports, RowsBoldTheBestOfEachMetric) {
  Fixture fx;
  fx.cell(14, "erf(x)", "none", "vit-tiny", {80.0});
  fx.cell(14, "erf(x)", "scalar", "vit-tiny", {81.0});
  fx.cell(14, "erf(x)", "none", "dit-b", {60.0});
  fx.cell(14, "erf(x)", "scalar", "dit-b", {55.0});
  auto md = render_table(fx.db(), table(14), "fixture.db");
  EXPECT_NE(md.find("| erf(x) | 80.0% (82.6%) | **81.0%** (82.8%) | 60.00 (63.39) | **55.00** (63.23) |"),
            std::string::npos)
      << md;
}

TEST(Reports, AFailedCellIsNeverBold) {
  Fixture fx;
  fx.cell(14, "erf(x)", "none", "vit-tiny", {10.0});  // trained, stayed at chance
  auto md = render_table(fx.db(), table(14), "fixture.db");
  EXPECT_NE(md.find("| erf(x) | 10.0% ‡ (82.6%) |"), std::string::npos) << md;
}

// Bold compares like with like. Table 7's DiT-B column filled seed by seed: tanh has finished seed
// 0 only, at 22; erf's mean over three seeds (26) and LayerNorm's (25.67) are worse than that, but on
// seed 0 erf (20) beats both. The bold goes to erf and a footnote says why.
TEST(Reports, BoldComparesCellsOnTheSeedsTheyAllFinished) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {20.0, 30.0, 28.0});
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {22.0, Fixture::kPending, Fixture::kPending});
  fx.cell(7, "", "", "dit-b", {21.0, 29.0, 27.0}, "layernorm");
  auto md = render_table(fx.db(), table(7), "fixture.db");
  EXPECT_NE(md.find("**26.00 ± 5.29** (63.23)"), std::string::npos) << md;
  EXPECT_NE(md.find("| 22.00 (63.71)"), std::string::npos) << md;
  EXPECT_NE(md.find("| 25.67 ± 4.16 (64.93)"), std::string::npos) << md;
  EXPECT_NE(md.find("the bold cell is the best on the seeds they all finished (seed 0 in 1 column), not "
                    "necessarily the best of the means shown"),
            std::string::npos)
      << md;
  // Once every cell finished the same seeds, the best mean is bold and the footnote goes.
  Fixture whole;
  whole.cell(7, "erf(x)", "scalar", "dit-b", {20.0, 30.0, 28.0});
  whole.cell(7, "tanh(x)", "scalar", "dit-b", {22.0, 23.0, 24.0});
  md = render_table(whole.db(), table(7), "fixture.db");
  EXPECT_NE(md.find("**23.00 ± 1.00** (63.71)"), std::string::npos) << md;
  EXPECT_NE(md.find("| 26.00 ± 5.29 (63.23)"), std::string::npos) << md;
  EXPECT_EQ(md.find("Bold compares like with like"), std::string::npos) << md;
}

// Where the seeds all cells finished pick the same bold cell as the means shown, there is nothing
// to footnote: erf leads on seed 0 (20 against 22) and on the means (22 against 22.5).
TEST(Reports, NoBoldFootnoteWhereTheSharedSeedsAgreeWithTheMeans) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {20.0, 22.0, 24.0});
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {22.5, Fixture::kPending, Fixture::kPending});
  auto md = render_table(fx.db(), table(7), "fixture.db");
  EXPECT_NE(md.find("**22.00 ± 2.00** (63.23)"), std::string::npos) << md;
  EXPECT_EQ(md.find("Bold compares like with like"), std::string::npos) << md;
}

// Cells that share no finished seed cannot be paired: the best mean is bold, and the footnote and
// the fidelity section say that the seeds differ.
TEST(Reports, CellsWithNoSeedInCommonAreComparedAsTheyAreAndSaySo) {
  Fixture fx;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {Fixture::kPending, 20.0});
  fx.cell(7, "tanh(x)", "scalar", "dit-b", {22.0});
  auto md = render_table(fx.db(), table(7), "fixture.db");
  EXPECT_NE(md.find("| **20.00** (63.23)"), std::string::npos) << md;
  EXPECT_NE(md.find("where no seed is finished in all of them, the best of the means shown, over different "
                    "seeds (1 column)"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("erf(x), DiT-B FID 20.00 vs tanh(x), DiT-B FID 22.00 (no seed both finished: erf(x), "
                    "DiT-B FID over seed 1, tanh(x), DiT-B FID over seed 0): gap 2.00"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("2 cells that trained in both, compared across different seeds: no seed is finished in "
                    "all of them)"),
            std::string::npos)
      << md;
}

TEST(Reports, Table4BoldsNothingAsThePaper) {
  Fixture fx;
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {80.0});
  fx.cell(4, "arcsinh(x)", "none", "vit-tiny", {81.0});
  auto md = render_table(fx.db(), table(4), "fixture.db");
  EXPECT_EQ(md.find("**8"), std::string::npos) << md;
}

}  // namespace
}  // namespace fsearch::reports
