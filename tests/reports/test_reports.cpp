// Rendering the paper's tables: every table rendered from the paper-tables fixture
// (paper_fixture.h) and compared with the committed markdown in tests/reports/golden (regenerate
// with scripts/regen-goldens.sh after a deliberate change), and what a cell shows: means, spreads,
// failures, FIDs and their extractor, Table 13's losses, tables not run. Bold: test_bold.cpp;
// figures: test_figures.cpp; a sweep's own page: test_sweep_page.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "fixture.h"
#include "fsearch/core/error.h"
#include "fsearch/db/database.h"
#include "fsearch/reports/report.h"
#include "paper_fixture.h"
#include "paths.h"
#include "temp_dir.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;

std::string golden_path(int number) {
  return std::string(FSEARCH_SOURCE_DIR) + "/tests/reports/golden/table" + std::to_string(number) + ".md";
}

TEST(Reports, EveryTableMatchesItsGolden) {
  auto path = build_fixture();
  db::Database db(path);
  const bool update = std::getenv("FSEARCH_UPDATE_GOLDENS") != nullptr;
  for (const auto& table : paper_tables()) {
    std::string markdown = render_table(db, table, "fixture.db");
    if (update) {
      std::ofstream(golden_path(table.number)) << markdown;
      continue;
    }
    std::ifstream in(golden_path(table.number));
    ASSERT_TRUE(in) << "missing golden " << golden_path(table.number) << ": run scripts/regen-goldens.sh";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(markdown, expected.str()) << "Table " << table.number << " differs from its golden";
  }
}

TEST(Reports, CellsShowMeansSpreadDivergenceAndThePapersNumber) {
  auto path = build_fixture();
  db::Database db(path);
  auto md = render_table(db, paper_tables()[4], "fixture.db");  // Table 5
  EXPECT_NE(md.find("| erf(x) |"), std::string::npos);
  EXPECT_NE(md.find(" ± "), std::string::npos) << md;            // a two-seed cell
  EXPECT_NE(md.find("| x (82.1%) |"), std::string::npos) << md;  // all seeds diverged, the paper trained it
  EXPECT_NE(md.find("| 10.0% ‡ (82.5%) |"), std::string::npos) << md;  // trained, stayed at chance
  EXPECT_NE(md.find(" †"), std::string::npos) << md;                   // partly diverged
  EXPECT_NE(md.find("— ("), std::string::npos) << md;                  // missing or running
  EXPECT_NE(md.find("**"), std::string::npos) << md;                   // the best per row
  EXPECT_NE(md.find("Provenance: commit fixture; proxies vit-tiny; budget smoke"), std::string::npos) << md;
}

TEST(Reports, CellsThatStayedAtChanceAreMarkedAndExplained) {
  auto path = build_fixture();
  db::Database db(path);
  int marked = 0;
  for (const auto& table : paper_tables()) {
    auto md = render_table(db, table, "fixture.db");
    std::size_t count = 0;
    for (auto at = md.find("10.0% ‡"); at != std::string::npos; at = md.find("10.0% ‡", at + 1)) ++count;
    // Every marker sits on a chance-level number, and the footnote counts the cells.
    std::size_t markers = 0;
    for (auto at = md.find(" ‡"); at != std::string::npos; at = md.find(" ‡", at + 1)) ++markers;
    EXPECT_EQ(markers, count) << md;
    if (count > 0) {
      const std::string cells = count == 1 ? "1 cell" : std::to_string(count) + " cells";
      EXPECT_NE(md.find("‡: at least one seed trained without diverging but stayed within 1 point of chance "
                        "accuracy: the network never learned (" +
                        cells + ")"),
                std::string::npos)
          << md;
    } else {
      EXPECT_EQ(md.find("‡:"), std::string::npos) << md;
    }
    marked += static_cast<int>(count);
  }
  EXPECT_GT(marked, 0);
}

TEST(Reports, FidCellsKeepTheBestLearningRateAndNameTheExtractor) {
  auto path = build_fixture();
  db::Database db(path);
  auto md = render_table(db, paper_tables()[6], "fixture.db");  // Table 7
  // A one-seed FID cell trained at three lrs (FIDs v, v - 5, diverged) shows v - 5, without a dagger:
  // a diverged learning rate is not a diverged seed.
  auto jobs = db.jobs(*db.sweep_id("table7"));
  std::map<std::string, std::vector<db::JobRow>> by_cell;
  for (const auto& job : jobs) {
    if (job.proxy.rfind("dit", 0) == 0) by_cell[job.key.substr(0, job.key.rfind('-'))].push_back(job);
  }
  int checked = 0;
  for (const auto& [cell, cell_jobs] : by_cell) {
    if (cell_jobs.size() != 3) continue;
    double best = INFINITY;
    for (const auto& job : cell_jobs) {
      if (auto r = db.result(job.key); r && std::isfinite(r->fid)) best = std::min(best, r->fid);
    }
    std::ostringstream text;
    text.setf(std::ios::fixed);
    text.precision(2);
    text << best;
    EXPECT_TRUE(md.find(" " + text.str() + " (") != std::string::npos ||
                md.find("**" + text.str() + "** (") != std::string::npos)
        << "cell " << cell << " should show " << text.str() << "\n"
        << md;
    EXPECT_EQ(md.find(text.str() + " †"), std::string::npos) << md;
    ++checked;
  }
  EXPECT_GT(checked, 0);
  EXPECT_NE(md.find("in the features of `cnn:fixture`, of images sampled with 50 steps, eta 1, guidance 3, "
                    "1000 samples."),
            std::string::npos)
      << md;
}

// Table 13's loss of a DiT cell comes from each seed's best-FID model (the model Table 7 shows),
// not from the learning rate that fits the training set closest.
TEST(Reports, Table13ReadsTheLossOfEachSeedsBestFidModel) {
  auto path = (fsearch::testing::program_temp_dir() / ("report-table13-" + std::to_string(::getpid()) + ".db"))
                  .string();
  fs::remove(path);
  db::Database db(path);
  const TableSpec* table13 = nullptr;
  for (const auto& t : paper_tables()) table13 = t.number == 13 ? &t : table13;
  ASSERT_NE(table13, nullptr);
  auto sweep = db.ensure_sweep("table13", "configs/tables/table13.yaml", "smoke", 1.7e9);
  db.upsert_candidate({"fp:erf", "erf(x)", "erf(x)", "[]", "{}", true, ""});
  db.link_candidate(sweep, "fp:erf", db::CandidateStatus::Kept, "erf(x)");
  // (lr, FID, loss): the best FID is at 2e-3; the lowest loss at 4e-3.
  const std::vector<std::tuple<double, double, double>> runs = {{1e-3, 30, 0.2}, {2e-3, 25, 0.22}, {4e-3, 40, 0.15}};
  for (const auto& [lr, fid, loss] : runs) {
    db::JobRow job;
    job.key = "derf-" + std::to_string(lr);
    job.lr = lr;
    job.fingerprint = "fp:erf";
    job.label = "erf(x)";
    job.proxy = "dit-b";
    job.shift = "scalar";
    job.spec_json = kSpecJson;
    job.run_dir = "runs/" + job.key;
    db.add_job(sweep, job);
    db.mark_running(job.key, 1, 1000);
    db::ResultRow r;
    r.key = job.key;
    r.status = "done";
    r.fid = fid;
    r.fid_features = "cnn:fixture";
    r.eval_train_loss = loss;
    r.steps = 100;
    r.result_json = R"({"git_commit": "fixture", "budget": "smoke", "device": "cpu", "threads": 1})";
    db.record_result(r, db::JobState::Done, 1.7e9);
  }
  const auto md = render_table(db, *table13, "fixture.db");
  EXPECT_NE(md.find("0.2200"), std::string::npos) << md;
  EXPECT_EQ(md.find("0.1500"), std::string::npos) << md;
  fs::remove(path);
}

TEST(Reports, ABestAtTheEdgeOfTheLearningRatesIsMarked) {
  auto path = build_fixture();
  db::Database db(path);
  const auto& table7 = paper_tables()[6];
  // The fixture's three-lr cells have their best at the middle rate (1e-3: v, 2e-3: v - 5, 4e-3
  // diverged): no mark.
  auto before = render_table(db, table7, "fixture.db");
  EXPECT_EQ(before.find(" §"), std::string::npos) << before;
  EXPECT_EQ(before.find("§:"), std::string::npos) << before;
  // One such cell trained once more at 8e-3, better still: its best is now the highest rate tried.
  std::optional<db::JobRow> middle;
  double middle_fid = NAN;
  for (const auto& job : db.jobs(*db.sweep_id("table7"))) {
    auto r = db.result(job.key);
    if (job.proxy.rfind("dit", 0) == 0 && std::abs(job.lr - 2e-3) < 1e-12 && r && std::isfinite(r->fid)) {
      middle = job, middle_fid = r->fid;
      break;
    }
  }
  ASSERT_TRUE(middle.has_value());
  db::JobRow wider = *middle;
  wider.key = middle->key + "-lr8e-3";
  wider.lr = 8e-3;
  db.add_job(*db.sweep_id("table7"), wider);
  add_result(db, wider, false, (middle_fid - 3) / 100, true);
  auto md = render_table(db, table7, "fixture.db");
  std::ostringstream best;
  best.setf(std::ios::fixed);
  best.precision(2);
  best << middle_fid - 3;
  EXPECT_TRUE(md.find(" " + best.str() + " § (") != std::string::npos ||
              md.find("**" + best.str() + " §** (") != std::string::npos)
      << best.str() << "\n"
      << md;
  EXPECT_NE(md.find("§: the best result of at least one seed came at the lowest or the highest of the "
                    "learning rates it was trained at"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("(1 cell)."), std::string::npos) << md;
}

TEST(Reports, FidsFromTwoExtractorsAreFlaggedAsNotComparable) {
  auto path = build_fixture();
  db::Database db(path);
  const auto& table7 = paper_tables()[6];
  const std::string flag = "**Not comparable across extractors:**";
  EXPECT_EQ(render_table(db, table7, "fixture.db").find(flag), std::string::npos);
  // A running DiT job finishes on another machine, scored by that machine's extractor.
  bool finished = false;
  for (const auto& job : db.jobs(*db.sweep_id("table7"))) {
    if (job.proxy.rfind("dit", 0) != 0 || job.state != db::JobState::Running) continue;
    db::ResultRow r;
    r.key = job.key;
    r.status = "done";
    r.fid = 42.0;
    r.fid_features = "cnn:elsewhere";
    r.steps = 100;
    r.result_json = "{}";
    db.record_result(r, db::JobState::Done, 1.8e9);
    finished = true;
    break;
  }
  ASSERT_TRUE(finished);
  auto md = render_table(db, table7, "fixture.db");
  EXPECT_NE(md.find("features of `cnn:elsewhere`, `cnn:fixture`"), std::string::npos) << md;
  EXPECT_NE(md.find(flag + " these cells were scored by 2 different extractors"), std::string::npos) << md;
}

TEST(Reports, TableListsAndUnknownTables) {
  EXPECT_EQ(parse_table_list("1-7,14-16"), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 14, 15, 16}));
  EXPECT_EQ(parse_table_list("5"), std::vector<int>{5});
  EXPECT_EQ(parse_table_list("1-20"), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16}));
  EXPECT_THROW(parse_table_list("10"), ConfigError);
  EXPECT_THROW(parse_table_list("a-b"), ConfigError);
}

TEST(Reports, ATableThatWasNotRunSaysHow) {
  auto path = (fsearch::testing::program_temp_dir() / ("report-empty-" + std::to_string(::getpid()) + ".db"))
                  .string();
  fs::remove(path);
  db::Database db(path);
  auto md = render_table(db, paper_tables()[0], "empty.db");
  EXPECT_NE(md.find("Not run yet: `fsearch run --space configs/tables/table1.yaml`"), std::string::npos);
}

}  // namespace
}  // namespace fsearch::reports
