// The evolution benchmark's numbers (bench-evolution.sh):
//   bench-evolution --search evolution.db --sweep NAME [--best-only]
//       candidates screened, rejected, deduplicated and trained; the best member and its lineage
//       (--best-only: just the best member's expression, for the script)
//   bench-evolution --check check.db --sweep NAME
//       each function's accuracy over its seeds (mean ± sd): the best found against Derf
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <map>

#include "fsearch/db/database.h"
#include "fsearch/search/sweep.h"

namespace {

using fsearch::db::JobState;

int search_summary(const std::string& path, const std::string& sweep, bool best_only) {
  fsearch::db::Database db(path, fsearch::db::Access::ReadOnly);
  const auto id = db.sweep_id(sweep);
  if (!id) throw std::runtime_error(path + " has no sweep " + sweep);
  const auto lineage = db.lineage(*id);
  std::map<std::string, const fsearch::db::LineageRow*> kept;
  int children = 0, rejected = 0, duplicates = 0;
  for (const auto& row : lineage) {
    if (row.status == fsearch::db::CandidateStatus::Kept && !kept.count(row.fingerprint)) kept[row.fingerprint] = &row;
    if (row.generation == 0) continue;
    ++children;
    rejected += row.status == fsearch::db::CandidateStatus::Rejected;
    duplicates += row.status == fsearch::db::CandidateStatus::Duplicate;
  }
  const auto reports = fsearch::search::job_reports(db, *id);
  const fsearch::search::JobReport* best = nullptr;
  int trained = 0;
  std::int64_t steps = 0;
  for (const auto& r : reports) {
    if (r.result) steps += r.result->steps;
    if (r.job.fingerprint.empty()) continue;
    trained += r.result.has_value();
    if (!best && r.job.state == JobState::Done) best = &r;
  }
  if (best_only) {
    if (!best) return 1;
    std::cout << best->job.label << "\n";
    return 0;
  }
  std::cout << fmt::format("initial population {}, children bred {}: {} rejected by the property screen, {} "
                           "duplicates, {} trained; {} candidate jobs trained in all, {} steps\n",
                           lineage.size() - static_cast<std::size_t>(children), children, rejected, duplicates,
                           children - rejected - duplicates, trained, steps);
  if (!best) return 0;
  std::cout << fmt::format("best: {} at {:.2f}%; lineage:", best->job.label, 100 * best->result->test_acc);
  std::vector<const fsearch::db::LineageRow*> chain;
  for (auto it = kept.find(best->job.fingerprint); it != kept.end(); it = kept.find(it->second->parent)) {
    chain.insert(chain.begin(), it->second);
    if (chain.size() > lineage.size()) break;
  }
  for (const auto* row : chain) std::cout << fmt::format(" {} (gen {}: {})", row->expression, row->generation, row->mutation);
  std::cout << "\n";
  return 0;
}

int check_summary(const std::string& path, const std::string& sweep) {
  fsearch::db::Database db(path, fsearch::db::Access::ReadOnly);
  const auto id = db.sweep_id(sweep);
  if (!id) throw std::runtime_error(path + " has no sweep " + sweep);
  std::map<std::string, std::vector<double>> accuracy;
  for (const auto& r : fsearch::search::job_reports(db, *id)) {
    if (r.job.state == JobState::Done && r.result) accuracy[r.job.label].push_back(r.result->test_acc);
  }
  for (const auto& [label, values] : accuracy) {
    double mean = 0, sq = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    for (double v : values) sq += (v - mean) * (v - mean);
    const double sd = values.size() > 1 ? std::sqrt(sq / static_cast<double>(values.size() - 1)) : NAN;
    std::cout << fmt::format("{:<32} {:.2f}% ± {:.2f} over {} seed(s)\n", label, 100 * mean, 100 * sd, values.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The evolution benchmark's numbers"};
  std::string search_db, check_db, sweep;
  bool best_only = false;
  app.add_option("--search", search_db, "Database of the evolutionary sweep");
  app.add_option("--check", check_db, "Database of the seeds check (best found against Derf)");
  app.add_option("--sweep", sweep, "Sweep name")->required();
  app.add_flag("--best-only", best_only, "Print only the best member's expression");
  CLI11_PARSE(app, argc, argv);
  try {
    if (!search_db.empty()) return search_summary(search_db, sweep, best_only);
    if (!check_db.empty()) return check_summary(check_db, sweep);
    std::cerr << "error: give --search or --check\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
