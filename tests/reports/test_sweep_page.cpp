// The page of a sweep that is no paper table: its cells best first beside the paper's numbers,
// its fidelity, its rejected candidates, and where it is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fixture.h"
#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/reports/report.h"
#include "temp_dir.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;

// A sweep that is no paper table (the README's main command) gets a page of its own: its functions
// best first, the paper's number where the paper trained the same function in the same layer form,
// its fidelity, and the candidates the screen rejected; index.md links it first.
TEST(Reports, EverySweepThatIsNoTableGetsAPage) {
  Fixture fx;
  auto fp = [](const std::string& f) {
    return to_hex(functions::make_candidate(functions::parse(f)).fingerprint);
  };
  fx.jobs("quick", fp("erf(x)"), "erf(x)", "none", "vit-tiny", {80.0, 81.0});
  fx.jobs("quick", fp("linear(x)"), "linear(x)", "none", "vit-tiny", {82.0});
  fx.jobs("quick", "", "", "", "vit-tiny", {84.0}, "layernorm");
  auto sweep = *fx.db().sweep_id("quick");
  fx.db().upsert_candidate(
      {fp("x * x"), "x^2", "x^2", "[]", "{}", false, "zero-centeredness: f(0) > 0\nmonotonicity: dips"});
  fx.db().link_candidate(sweep, fp("x * x"), db::CandidateStatus::Rejected, "x^2");
  auto md = render_sweep_page(fx.db(), "quick", "fixture.db");
  // Best first; LayerNorm's paper number is Table 7's ViT-B 82.3, erf's Eq. 4 number 82.6, linear's x.
  const auto ln = md.find("| layernorm | **84.0%** (82.3%) |"), linear = md.find("| linear(x) | 82.0% (x) |"),
             erf = md.find("| erf(x) | 80.5 ± 0.7% (82.6%) |");
  ASSERT_NE(ln, std::string::npos) << md;
  ASSERT_NE(linear, std::string::npos) << md;
  ASSERT_NE(erf, std::string::npos) << md;
  EXPECT_LT(ln, linear);
  EXPECT_LT(linear, erf);
  EXPECT_NE(md.find("Failure agreement: **2 of 3 cells (67%)**"), std::string::npos) << md;
  EXPECT_NE(md.find("| x^2 | zero-centeredness: f(0) > 0;monotonicity: dips |"), std::string::npos) << md;

  // The page is written beside the tables, under a file name that stays in the report folder.
  fx.jobs("../escape", fp("erf(x)"), "erf(x)", "none", "vit-tiny", {80.0});
  auto out = fsearch::testing::program_temp_dir() / ("sweep-pages-" + std::to_string(::getpid()));
  fs::remove_all(out);
  ReportOptions options;
  options.out_dir = out.string();
  options.figures = false;
  options.db_label = "fixture.db";
  write_reports(fx.db(), options);
  EXPECT_TRUE(fs::exists(out / "sweep-quick.md"));
  EXPECT_TRUE(fs::exists(out / "sweep-_.._escape.md"));
  EXPECT_FALSE(fs::exists(out.parent_path() / "escape.md"));
  std::ifstream in(out / "index.md");
  std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_LT(index.find("(sweep-quick.md)"), index.find("(table1.md)")) << index;
  fs::remove_all(out);
}

// A sweep page has a column per learning rate, so its FID note must not call its cells the best of
// the rates; a paper table's FID cells are.
TEST(Reports, ASweepPageSaysItsFidsAreAtTheColumnsRate) {
  Fixture fx;
  fx.jobs("dit-rates", to_hex(functions::make_candidate(functions::parse("erf(x)")).fingerprint), "erf(x)",
          "scalar", "dit-b", {30.0});
  auto md = render_sweep_page(fx.db(), "dit-rates", "fixture.db");
  EXPECT_NE(md.find("FID: at the column's learning rate, against the test split"), std::string::npos) << md;
  EXPECT_EQ(md.find("the best of the learning rates"), std::string::npos) << md;
  fx.cell(7, "erf(x)", "scalar", "dit-b", {31.0});
  auto table = render_table(fx.db(), paper_tables()[6], "fixture.db");  // Table 7
  EXPECT_NE(table.find("FID: the best of the learning rates each model was trained at"), std::string::npos)
      << table;
}

}  // namespace
}  // namespace fsearch::reports
