// Successive halving against the grid on the same jobs: compute (steps trained) and whether
// halving's top k are the grid's top k. Reads two databases that ran the same space, one with
// strategy grid and one with strategy halving (bench-halving.sh makes them).
//   bench-halving --grid grid.db --halving halving.db --sweep NAME [--top 3]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "fsearch/db/database.h"
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
  int done = 0, paused = 0, other = 0;
};

Summary read(const std::string& path, const std::string& sweep) {
  fsearch::db::Database db(path, fsearch::db::Access::ReadOnly);
  auto id = db.sweep_id(sweep);
  if (!id) throw std::runtime_error(path + " has no sweep " + sweep);
  Summary s;
  s.ranked = fsearch::search::job_reports(db, *id);
  for (const auto& r : s.ranked) {
    s.steps += steps_trained(r);
    s.done += r.job.state == fsearch::db::JobState::Done;
    s.paused += r.job.state == fsearch::db::JobState::Paused;
    s.other += r.job.state != fsearch::db::JobState::Done && r.job.state != fsearch::db::JobState::Paused;
  }
  return s;
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
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
