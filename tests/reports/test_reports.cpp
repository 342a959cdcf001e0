// Golden-file tests: every paper table rendered from a fixture database that holds missing,
// diverged, partially diverged, multi-seed and single-seed cells, compared with the committed
// markdown in tests/reports/golden. Regenerate with scripts/regen-goldens.sh after a deliberate change.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "fixture.h"
#include "fsearch/core/error.h"
#include "fsearch/core/hash.h"
#include "fsearch/db/database.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/reports/figures.h"
#include "fsearch/reports/report.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;

// A cell's fixture pattern, from its position: missing, all diverged, two seeds, one of two diverged,
// one seed, running, one seed that trained but stayed at chance accuracy.
enum class Pattern { Missing, Diverged, TwoSeeds, PartlyDiverged, One, Running, AtChance };

Pattern pattern_of(std::size_t index) {
  return static_cast<Pattern>(index % 7);
}

// What the renderer reads from a job's spec: the classifier's classes (chance level) and the DiT
// sampler behind an FID.
constexpr const char* kSpecJson =
    R"({"model": {"num_classes": 10}, "diffusion": {"sample_steps": 50, "sample_eta": 1.0,)"
    R"( "cfg_scale": 3.0, "samples_per_class": 100}})";

void add_result(db::Database& db, const db::JobRow& job, bool diverged, double acc, bool fid,
                bool loss = false) {
  db.mark_running(job.key, 1, 1000);
  db::ResultRow r;
  r.key = job.key;
  r.status = diverged ? "diverged" : "done";
  r.test_acc = diverged || fid ? NAN : acc;
  r.fid = diverged || !fid ? NAN : 100 * acc;
  r.fid_features = fid ? "cnn:fixture" : "";
  r.eval_train_loss =
      diverged || !loss ? NAN : 1.2 - acc;  // Table 13's cells: a loss that falls as acc rises
  r.diverged_step = diverged ? 12 : -1;
  r.diverged_reason = diverged ? "non-finite loss" : "";
  r.steps = 100;
  r.result_json = R"({"git_commit": "fixture", "budget": "smoke", "device": "cpu", "threads": 1})";
  db.record_result(r, diverged ? db::JobState::Diverged : db::JobState::Done, 1.7e9);
}

std::string build_fixture() {
  auto path =
      (fsearch::testing::program_temp_dir() / ("report-fixture-" + std::to_string(::getpid()) + ".db"))
          .string();
  fs::remove(path);
  db::Database db(path);
  std::size_t index = 0;
  // The tables of the first golden files first, so that a table added later leaves their cells'
  // patterns (and goldens) as they were.
  std::vector<const TableSpec*> order;
  const std::set<int> first = {1, 2, 3, 4, 5, 6, 7, 14, 15, 16};
  for (const auto& t : paper_tables())
    if (first.count(t.number)) order.push_back(&t);
  for (const auto& t : paper_tables())
    if (!first.count(t.number)) order.push_back(&t);
  for (const TableSpec* table_ptr : order) {
    const auto& table = *table_ptr;
    auto sweep = db.ensure_sweep(table.sweep, "configs/tables/" + table.sweep + ".yaml", "smoke", 1.7e9);
    for (const auto& row : table.rows) {
      for (const auto& cell : row.cells) {
        if (cell.empty) continue;
        const bool fid = cell.metric == Metric::Fid;
        std::string fp = cell.baseline.empty() ? "fp:" + cell.function : "";
        if (!fp.empty()) {
          db.upsert_candidate({fp, cell.function, cell.function, "[]", "{}", true, ""});
          db.link_candidate(sweep, fp, db::CandidateStatus::Kept, cell.function);
        }
        Pattern p = pattern_of(index);
        double acc = 0.70 + 0.001 * static_cast<double>(index % 97);
        if (p == Pattern::AtChance && !fid) acc = 0.1003;
        int seeds = (p == Pattern::TwoSeeds || p == Pattern::PartlyDiverged) ? 2 : 1;
        // FID cells of one seed come from three learning rates (the best counts), one of them diverged.
        const int lrs = fid && p == Pattern::One ? 3 : 1;
        for (int run = 0; run < seeds * lrs && p != Pattern::Missing; ++run) {
          const int seed = run / lrs, lr_index = run % lrs;
          db::JobRow job;
          job.key = table.sweep + "-" + std::to_string(index) + "-" + std::to_string(run);
          job.lr = 1e-3 * (1 << lr_index);
          job.fingerprint = fp;
          job.label = cell.baseline.empty() ? cell.function : cell.baseline;
          job.proxy = cell.proxy;
          job.shift = cell.shift;
          job.seed = seed;
          job.spec_json = kSpecJson;
          job.run_dir = "runs/" + job.key;
          db.add_job(sweep, job);
          if (p == Pattern::Running) {
            db.mark_running(job.key, 1, 1000);
            continue;
          }
          bool diverged =
              p == Pattern::Diverged || (p == Pattern::PartlyDiverged && seed == 1) || lr_index == 2;
          add_result(db, job, diverged, acc + 0.004 * seed - 0.05 * lr_index, fid,
                     cell.metric == Metric::EvalTrainLoss);
        }
        ++index;
      }
    }
  }
  return path;
}

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

// Every finished or diverged fixture job logged a short training curve; running ones did not.
void add_curves(db::Database& db) {
  for (const auto& table : paper_tables()) {
    for (const auto& job : db.jobs(*db.sweep_id(table.sweep))) {
      if (job.state == db::JobState::Running) continue;
      db.add_curve({{job.key, "train", 10, 2.0}, {job.key, "train", 20, 1.5}});
    }
  }
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

TEST(Reports, Table4BoldsNothingAsThePaper) {
  Fixture fx;
  fx.cell(4, "logsign(x)", "none", "vit-tiny", {80.0});
  fx.cell(4, "arcsinh(x)", "none", "vit-tiny", {81.0});
  auto md = render_table(fx.db(), table(4), "fixture.db");
  EXPECT_EQ(md.find("**8"), std::string::npos) << md;
}

}  // namespace
}  // namespace fsearch::reports
