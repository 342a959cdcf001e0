// Successive halving against the grid on the same jobs: compute (steps trained), whether halving's
// top k are the grid's top k, and, per rung, how well the ranking there predicts the grid's final
// ranking (Kendall tau-b over the jobs that reached the rung): what decides whether halving can
// recover the grid's best. Reads two databases that ran the same space, one with strategy grid and
// one with strategy halving (bench-halving.sh makes them).
//   bench-halving --grid grid.db --halving halving.db --sweep NAME [--top 3]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/search/sweep.h"

namespace {

using fsearch::search::JobReport;

// Steps a job trained: to its result (done, diverged, rejected), else to its furthest rung.
std::int64_t steps_trained(const JobReport& r) {
  if (r.result) return r.result->steps;
  if (r.rung) return r.rung->step;
  return 0;
}

std::string name(const JobReport& r) {
  return fmt::format("{} (seed {})", r.job.label, r.job.seed);
}

struct Summary {
  std::int64_t steps = 0;
  std::vector<JobReport> ranked;
  std::vector<fsearch::db::RungRow> rungs;
  int done = 0, paused = 0, other = 0;
};

Summary read(const std::string& path, const std::string& sweep) {
  fsearch::db::Database db(path, fsearch::db::Access::ReadOnly);
  auto id = db.sweep_id(sweep);
  if (!id) throw std::runtime_error(path + " has no sweep " + sweep);
  Summary s;
  s.ranked = fsearch::search::job_reports(db, *id);
  s.rungs = db.rungs(*id);
  for (const auto& r : s.ranked) {
    s.steps += steps_trained(r);
    s.done += r.job.state == fsearch::db::JobState::Done;
    s.paused += r.job.state == fsearch::db::JobState::Paused;
    s.other += r.job.state != fsearch::db::JobState::Done && r.job.state != fsearch::db::JobState::Paused;
  }
  return s;
}

// Per rung: the jobs that reached it, ranked by their score there, against their final accuracy on
// the grid; and where the grid's top k stood at that rung.
void print_rung_agreement(const Summary& grid, const Summary& halving, int top) {
  std::map<std::string, double> final_acc;
  std::map<std::string, int> grid_rank;
  int rank = 0;
  for (const auto& r : grid.ranked) {
    ++rank;
    if (r.result && r.job.state == fsearch::db::JobState::Done) {
      final_acc[r.job.key] = r.result->test_acc;
      grid_rank[r.job.key] = rank;
    }
  }
  std::map<std::int64_t, std::vector<fsearch::db::RungRow>> by_step;
  for (const auto& r : halving.rungs) by_step[r.step].push_back(r);
  for (auto& [step, rows] : by_step) {
    std::vector<double> at_rung, at_end;
    for (const auto& r : rows) {
      if (auto it = final_acc.find(r.key); it != final_acc.end() && std::isfinite(r.score)) {
        at_rung.push_back(r.score);
        at_end.push_back(it->second);
      }
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    std::string places;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (auto it = grid_rank.find(rows[i].key); it != grid_rank.end() && it->second <= top)
        places += fmt::format("{}grid #{} is #{}", places.empty() ? "" : ", ", it->second, i + 1);
    }
    std::cout << fmt::format("rung at step {} ({:.0f}% of the budget): {} jobs, Kendall tau-b with the grid's final "
                             "accuracy {:.2f}; {}\n",
                             step, 100 * rows.front().fraction, rows.size(),
                             fsearch::reports::kendall_tau_b(at_rung, at_end),
                             places.empty() ? "none of the grid's top " + std::to_string(top) + " here" : places);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Successive halving against the grid on the same jobs"};
  std::string grid_db, halving_db, sweep;
  int top = 3;
  app.add_option("--grid", grid_db, "Database of the grid run")->required();
  app.add_option("--halving", halving_db, "Database of the halving run")->required();
  app.add_option("--sweep", sweep, "Sweep name (the space's name)")->required();
  app.add_option("--top", top, "How many of the grid's best halving must recover")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto grid = read(grid_db, sweep), halving = read(halving_db, sweep);
    std::cout << fmt::format("grid:    {} jobs, {} steps trained ({} done, {} other)\n", grid.ranked.size(),
                             grid.steps, grid.done, grid.other);
    std::cout << fmt::format("halving: {} jobs, {} steps trained ({} done, {} paused at a rung, {} other)\n",
                             halving.ranked.size(), halving.steps, halving.done, halving.paused, halving.other);
    std::cout << fmt::format("compute: halving used {:.1f}% of the grid's steps\n",
                             100.0 * static_cast<double>(halving.steps) / static_cast<double>(std::max<std::int64_t>(1, grid.steps)));
    std::set<std::string> grid_top, halving_top;
    std::cout << fmt::format("{:<4} {:<40} {:>9}   {:<40} {}\n", "rank", "grid", "accuracy", "halving", "reached");
    for (int i = 0; i < top && i < static_cast<int>(grid.ranked.size()); ++i) {
      const auto& g = grid.ranked[static_cast<std::size_t>(i)];
      const auto& h = halving.ranked[static_cast<std::size_t>(i)];
      grid_top.insert(g.job.key);
      halving_top.insert(h.job.key);
      const std::string reached = h.job.state == fsearch::db::JobState::Done ? "full budget"
                                  : h.rung ? fmt::format("{:.0f}% of the budget", 100 * h.rung->fraction)
                                           : fsearch::db::to_string(h.job.state);
      std::cout << fmt::format("{:<4} {:<40} {:>8.2f}%   {:<40} {}\n", i + 1, name(g),
                               g.result ? 100 * g.result->test_acc : NAN, name(h), reached);
    }
    int recovered = 0;
    for (const auto& key : halving_top) recovered += grid_top.count(key);
    const bool best_to_the_end = !grid.ranked.empty() && !halving.ranked.empty() &&
                                 grid.ranked[0].job.key == halving.ranked[0].job.key;
    std::cout << fmt::format("recovered: {} of the grid's top {}; the grid's best {} halving's best\n", recovered,
                             top, best_to_the_end ? "is" : "is NOT");
    print_rung_agreement(grid, halving, top);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
