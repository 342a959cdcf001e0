// The ViT proxy's calibration targets judged from tables' fidelity: which cells and seeds each
// waits for, when target 1 is settled early, and that index.md shows them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "fixture.h"
#include "fsearch/reports/calibration_targets.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"

namespace fsearch::reports {
namespace {

// A table whose `cells` cells all ran on `seeds` seeds, the first `agree` of them agreeing.
TableFidelity complete(int number, int agree, int cells, int seeds = 3) {
  TableFidelity f;
  f.table = number;
  f.paper_cells = cells;
  for (int i = 0; i < cells; ++i) f.verdicts.push_back({seeds, i < agree});
  return f;
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
