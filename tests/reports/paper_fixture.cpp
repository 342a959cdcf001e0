#include "paper_fixture.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "fsearch/reports/tables.h"
#include "temp_dir.h"

namespace fsearch::reports {
namespace {

// A cell's fixture pattern, from its position: missing, all diverged, two seeds, one of two diverged,
// one seed, running, one seed that trained but stayed at chance accuracy.
enum class Pattern { Missing, Diverged, TwoSeeds, PartlyDiverged, One, Running, AtChance };

Pattern pattern_of(std::size_t index) {
  return static_cast<Pattern>(index % 7);
}

}  // namespace

void add_result(db::Database& db, const db::JobRow& job, bool diverged, double acc, bool fid,
                bool loss) {
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
  std::filesystem::remove(path);
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

}  // namespace fsearch::reports
