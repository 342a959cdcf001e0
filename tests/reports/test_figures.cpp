// The figures a report writes: the loss panels of a paper table (which job each curve draws) and
// the SVG files gnuplot makes of them and of a sweep's search, linked from the pages.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fixture.h"
#include "fsearch/db/database.h"
#include "fsearch/reports/figures.h"
#include "fsearch/reports/report.h"
#include "paper_fixture.h"
#include "temp_dir.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;

// Every finished or diverged fixture job logged a short training curve; running ones did not.
void add_curves(db::Database& db) {
  for (const auto& table : paper_tables()) {
    for (const auto& job : db.jobs(*db.sweep_id(table.sweep))) {
      if (job.state == db::JobState::Running) continue;
      db.add_curve({{job.key, "train", 10, 2.0}, {job.key, "train", 20, 1.5}});
    }
  }
}

// A cell whose only job still runs draws that job's curve so far, and its legend says so.
TEST(LossFigure, APartialCurveSaysItsJobStillRuns) {
  auto path = build_fixture();
  db::Database db(path);
  add_curves(db);
  const auto& t5 = paper_tables()[4];
  int running = 0;
  for (const auto& job : db.jobs(*db.sweep_id(t5.sweep))) {
    if (job.state != db::JobState::Running) continue;
    db.add_curve({{job.key, "train", 10, 2.0}, {job.key, "train", 30, 1.2}});
    ++running;
  }
  ASSERT_GT(running, 0) << "the fixture's Table 5 has running jobs";
  int partial = 0;
  for (const auto& panel : loss_panels(db, t5)) {
    for (const auto& series : panel.series) {
      auto job = db.job(series.job_key);
      ASSERT_TRUE(job);
      if (job->state != db::JobState::Running) {
        EXPECT_EQ(series.stopped.find("running"), std::string::npos) << series.label;
        continue;
      }
      EXPECT_EQ(series.stopped, "still running at step 30") << panel.title << ", " << series.label;
      ++partial;
    }
  }
  EXPECT_GT(partial, 0) << "a cell with only a running job draws it";
}

TEST(LossFigure, PanelsPerRowOrColumnWithOneCurvePerCellThatHasOne) {
  auto path = build_fixture();
  db::Database db(path);
  add_curves(db);
  auto titles = [](const std::vector<LossPanel>& panels) {
    std::vector<std::string> out;
    for (const auto& p : panels) out.push_back(p.title);
    return out;
  };
  // Table 5: a panel per base function (3 rows < 6 columns), a curve per lambda, each the cell's own job.
  const auto& t5 = paper_tables()[4];
  auto panels = loss_panels(db, t5);
  EXPECT_EQ(titles(panels), (std::vector<std::string>{"erf(x)", "tanh(x)", "arctan(x)"}));
  auto sweep5 = *db.sweep_id("table5");
  auto spellings = db.spellings(sweep5);
  int stopped = 0;
  for (std::size_t r = 0; r < panels.size(); ++r) {
    std::size_t with_curves = 0;
    for (std::size_t c = 0; c < t5.rows[r].cells.size(); ++c) {
      const auto& cell = t5.rows[r].cells[c];
      bool has = false;
      for (const auto& job : db.jobs(sweep5))
        has |= job.fingerprint == spellings[cell.function] && job.state != db::JobState::Running;
      with_curves += has;
      for (const auto& series : panels[r].series) {
        if (series.label != "lambda = " + t5.header[c + 1]) continue;
        auto job = db.job(series.job_key);
        ASSERT_TRUE(job);
        EXPECT_EQ(job->fingerprint, spellings[cell.function]) << series.label;
        EXPECT_EQ(job->seed, 0) << "a two-seed cell draws its lowest seed";
        // A curve that stops short says why in its legend; a finished one says nothing.
        if (job->state == db::JobState::Diverged) {
          EXPECT_EQ(series.stopped, "diverged at step 12") << series.label;
          ++stopped;
        } else if (job->state == db::JobState::Done) {
          EXPECT_EQ(series.stopped, "") << series.label;
        }
      }
    }
    EXPECT_EQ(panels[r].series.size(), with_curves) << panels[r].title;
  }
  EXPECT_GT(stopped, 0) << "the fixture's Table 5 has diverged cells";
  // Table 7 mixes the ViT and DiT proxies in a row: a panel per column instead; a DiT cell trained at
  // three learning rates draws the one with the best FID.
  panels = loss_panels(db, paper_tables()[6]);
  EXPECT_EQ(titles(panels), (std::vector<std::string>{"ViT top-1", "DiT-B FID", "DiT-L FID"}));
  int checked = 0;
  for (const auto& series : panels[1].series) {
    auto drawn = db.job(series.job_key);
    const std::string cell = drawn->key.substr(0, drawn->key.rfind('-'));
    double best = INFINITY;
    for (const auto& job : db.jobs(*db.sweep_id("table7"))) {
      if (job.key.rfind(cell + "-", 0) != 0 || job.seed != drawn->seed) continue;
      if (auto r = db.result(job.key); r && std::isfinite(r->fid)) best = std::min(best, r->fid);
    }
    if (std::isfinite(best)) {
      EXPECT_EQ(db.result(drawn->key)->fid, best) << series.label;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  // Table 1's two label columns; Table 2's unclipped row is the "original" curve.
  panels = loss_panels(db, paper_tables()[0]);
  ASSERT_FALSE(panels.empty());
  EXPECT_EQ(panels[0].title, "erf(x), horizontal");
  for (const auto& series : panels[0].series)
    EXPECT_EQ(series.label.rfind("lambda = ", 0), 0u) << series.label;
  panels = loss_panels(db, paper_tables()[1]);
  EXPECT_EQ(titles(panels), (std::vector<std::string>{"arcsinh(x)", "logsign(x)", "linear(x)"}));
  bool original = false;
  for (const auto& panel : panels)
    for (const auto& series : panel.series) original |= series.label == "original";
  EXPECT_TRUE(original);
  // No curves, no panels.
  db::Database empty(path + ".empty");
  EXPECT_TRUE(loss_panels(empty, t5).empty());
}

// The written figures (real gnuplot): labels with underscores are shown as written, not as subscripts.
TEST(LossFigure, WrittenWithGnuplotAndLabelsVerbatim) {
  auto path = build_fixture();
  db::Database db(path);
  add_curves(db);
  ReportOptions options;
  options.out_dir =
      (fsearch::testing::program_temp_dir() / ("report-figures-" + std::to_string(::getpid()))).string();
  options.tables = {5, 6};
  options.db_label = "fixture.db";
  write_reports(db, options);
  {  // a curve that stops short says why in the legend
    std::ifstream in(fs::path(options.out_dir) / "figures" / "table5-loss.svg");
    std::stringstream svg;
    svg << in.rdbuf();
    EXPECT_NE(svg.str().find("(diverged at step 12)"), std::string::npos);
  }
  for (const char* name : {"table6-loss.svg", "table6-functions.svg"}) {
    std::ifstream in(fs::path(options.out_dir) / "figures" / name);
    ASSERT_TRUE(in) << name;
    std::stringstream svg;
    svg << in.rdbuf();
    EXPECT_NE(svg.str().find(name == std::string("table6-loss.svg") ? "f_neg(x)" : "negate(erf)"),
              std::string::npos)
        << name;
  }
  std::ifstream md(fs::path(options.out_dir) / "table6.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("![figures/table6-loss.svg](figures/table6-loss.svg)"), std::string::npos);
  fs::remove_all(options.out_dir);
}

// A sweep's page plots its best result so far against the steps trained (real gnuplot), with the
// baselines as the lines to beat.
TEST(SearchFigure, WrittenWithGnuplotAndLinkedFromTheSweepPage) {
  Fixture fx;
  fx.jobs("searchy", "fp-erf", "erf(x)", "scalar", "vit-tiny", {80.0, 81.0});
  fx.jobs("searchy", "", "", "", "vit-tiny", {84.0}, "layernorm");
  for (const auto& job : fx.db().jobs(*fx.db().sweep_id("searchy")))
    fx.db().add_curve(
        {{job.key, "train", 10, 2.0}, {job.key, "train", 20, job.label == "layernorm" ? 1.2 : 1.5}});
  ReportOptions options;
  options.out_dir =
      (fsearch::testing::program_temp_dir() / ("report-search-" + std::to_string(::getpid()))).string();
  options.tables = {6};
  options.db_label = "fixture.db";
  write_reports(fx.db(), options);
  std::ifstream in(fs::path(options.out_dir) / "figures" / "sweep-searchy-search.svg");
  ASSERT_TRUE(in);
  std::stringstream svg;
  svg << in.rdbuf();
  EXPECT_NE(svg.str().find("best candidate so far"), std::string::npos);
  EXPECT_NE(svg.str().find("layernorm"), std::string::npos);
  std::ifstream md(fs::path(options.out_dir) / "sweep-searchy.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("![best so far against steps trained](figures/sweep-searchy-search.svg)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("![the best candidates' shapes](figures/sweep-searchy-functions.svg)"),
            std::string::npos)
      << text.str();
  std::ifstream shapes(fs::path(options.out_dir) / "figures" / "sweep-searchy-functions.svg");
  std::stringstream shapes_svg;
  shapes_svg << shapes.rdbuf();
  EXPECT_NE(shapes_svg.str().find("erf(x)"), std::string::npos);
  EXPECT_EQ(shapes_svg.str().find("layernorm"), std::string::npos);  // a baseline has no shape
  // The training loss of the best candidates and the baselines, beside them.
  EXPECT_NE(text.str().find("![training loss of the best candidates](figures/sweep-searchy-loss.svg)"),
            std::string::npos)
      << text.str();
  std::ifstream loss(fs::path(options.out_dir) / "figures" / "sweep-searchy-loss.svg");
  std::stringstream loss_svg;
  loss_svg << loss.rdbuf();
  EXPECT_NE(loss_svg.str().find("Sweep searchy: training loss"), std::string::npos);
  EXPECT_NE(loss_svg.str().find("layernorm"), std::string::npos);
  EXPECT_NE(loss_svg.str().find("erf(x)"), std::string::npos);
  fs::remove_all(options.out_dir);
}

}  // namespace
}  // namespace fsearch::reports
