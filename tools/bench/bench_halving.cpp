// Successive halving against the grid on the same candidates: compute (steps trained), whether
// halving's top k are the grid's top k, and, per rung, how well the ranking there predicts the
// grid's final ranking (Kendall tau-b over the arms that reached the rung): what decides whether
// halving can recover the grid's best. Candidates are compared as arms (a candidate on one proxy, lr
// and layer option, over its seeds; search/halving.h): with several seeds, by their mean. The grid
// may come in several databases (one per seed); their compute adds up. bench-halving.sh makes them.
//   bench-halving --grid grid-0.db [--grid grid-1.db ...] --halving halving.db --sweep NAME [--top 3]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/search/halving.h"
#include "fsearch/search/sweep.h"

namespace {

using fsearch::db::JobState;
using fsearch::search::JobReport;

// Steps a job trained on its own trajectory: to its result (done, diverged, rejected), else to its
// furthest rung.
std::int64_t steps_trained(const JobReport& r) {
  if (r.result) return r.result->steps;
  if (r.rung) return r.rung->step;
  return 0;
}

struct Summary {
  std::int64_t steps = 0;           // everything trained, the branches of annealed rungs included
  std::int64_t cooldown_steps = 0;  // of which on those branches
  std::vector<JobReport> jobs;
  std::vector<fsearch::db::RungRow> rungs;
  int done = 0, paused = 0, other = 0;
};

void read(const std::string& path, const std::string& sweep, Summary& s) {
  fsearch::db::Database db(path, fsearch::db::Access::ReadOnly);
  auto id = db.sweep_id(sweep);
  if (!id) throw std::runtime_error(path + " has no sweep " + sweep);
  for (auto& r : fsearch::search::job_reports(db, *id)) {
    s.steps += steps_trained(r);
    s.done += r.job.state == JobState::Done;
    s.paused += r.job.state == JobState::Paused;
    s.other += r.job.state != JobState::Done && r.job.state != JobState::Paused;
    s.jobs.push_back(std::move(r));
  }
  // A rung scored on an annealed branch (halving.cooldown) trained the branch's steps too.
  for (auto& r : db.rungs(*id)) {
    s.steps += r.cooldown_steps;
    s.cooldown_steps += r.cooldown_steps;
    s.rungs.push_back(std::move(r));
  }
}

// One candidate over its seeds, as far as all of them got.
struct Arm {
  std::string id, name;
  std::vector<const JobReport*> seeds;
  bool finished = false;  // every seed trained its full budget
  double accuracy = NAN;  // finished: the mean final test accuracy (NaN if a seed diverged)
  double spread = 0;      //           and its sample standard deviation over the seeds (0 for one)
  double reached = 0;     // else: the furthest rung every seed reached, as a fraction of the budget
  double score = NAN;     //       and the mean score there
};

std::vector<Arm> arms_of(const Summary& s) {
  std::map<std::string, Arm> by_id;
  for (const auto& r : s.jobs) {
    Arm& a = by_id[fsearch::search::arm_of(r.job)];
    a.id = fsearch::search::arm_of(r.job);
    a.name = r.job.label;
    a.seeds.push_back(&r);
  }
  std::vector<Arm> out;
  for (auto& [id, a] : by_id) {
    a.finished = std::all_of(a.seeds.begin(), a.seeds.end(), [](const JobReport* r) {
      return r->job.state == JobState::Done || r->job.state == JobState::Diverged;
    });
    if (a.finished) {
      double sum = 0;
      for (const auto* r : a.seeds)
        sum += r->job.state == JobState::Done && r->result ? r->result->test_acc : NAN;
      a.accuracy = sum / static_cast<double>(a.seeds.size());
      if (a.seeds.size() > 1) {
        double squares = 0;
        for (const auto* r : a.seeds) squares += std::pow(r->result ? r->result->test_acc - a.accuracy : NAN, 2);
        a.spread = std::sqrt(squares / static_cast<double>(a.seeds.size() - 1));
      }
    } else {
      a.reached = 1;
      for (const auto* r : a.seeds) a.reached = std::min(a.reached, r->rung ? r->rung->fraction : 0.0);
      double sum = 0;
      int n = 0;
      for (const auto& row : s.rungs) {
        const bool mine = std::any_of(a.seeds.begin(), a.seeds.end(),
                                      [&](const JobReport* r) { return r->job.key == row.key; });
        if (mine && std::abs(row.fraction - a.reached) < 1e-6) sum += row.score, ++n;
      }
      a.score = n > 0 ? sum / n : NAN;
    }
    out.push_back(a);
  }
  // Finished first (by accuracy), then by how far they got and their score there; NaN last.
  auto key = [](const Arm& a) { return a.finished ? a.accuracy : a.score; };
  std::sort(out.begin(), out.end(), [&](const Arm& a, const Arm& b) {
    if (a.finished != b.finished) return a.finished;
    if (a.reached != b.reached) return a.reached > b.reached;
    const double ka = key(a), kb = key(b);
    if (std::isfinite(ka) != std::isfinite(kb)) return std::isfinite(ka);
    if (ka != kb) return ka > kb;
    return a.id < b.id;
  });
  return out;
}

// Per rung: the arms whose seeds all reached it, ranked by their mean score there, against their
// mean final accuracy on the grid; and where the grid's top k stood at that rung.
void print_rung_agreement(const std::vector<Arm>& grid, const Summary& halving, int top) {
  std::map<std::string, double> final_acc;
  std::map<std::string, int> grid_rank;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    if (std::isfinite(grid[i].accuracy)) final_acc[grid[i].id] = grid[i].accuracy;
    grid_rank[grid[i].id] = static_cast<int>(i) + 1;
  }
  std::map<std::string, const fsearch::db::JobRow*> job_of;
  for (const auto& r : halving.jobs) job_of[r.job.key] = &r.job;
  std::map<std::int64_t, std::map<std::string, std::vector<double>>> by_step;  // step -> arm -> scores
  std::map<std::int64_t, double> fraction;
  for (const auto& r : halving.rungs) {
    by_step[r.step][fsearch::search::arm_of(*job_of.at(r.key))].push_back(r.score);
    fraction[r.step] = r.fraction;
  }
  std::map<std::string, std::size_t> seeds;
  for (const auto& r : halving.jobs) ++seeds[fsearch::search::arm_of(r.job)];
  for (const auto& [step, arms] : by_step) {
    std::vector<std::pair<double, std::string>> ranked;
    std::vector<double> at_rung, at_end;
    for (const auto& [arm, scores] : arms) {
      if (scores.size() != seeds[arm]) continue;  // not all its seeds got here
      double mean = 0;
      for (double v : scores) mean += v / static_cast<double>(scores.size());
      ranked.push_back({mean, arm});
      if (auto it = final_acc.find(arm); it != final_acc.end() && std::isfinite(mean)) {
        at_rung.push_back(mean);
        at_end.push_back(it->second);
      }
    }
    std::sort(ranked.begin(), ranked.end(), std::greater<>());
    std::string places;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      if (auto it = grid_rank.find(ranked[i].second); it != grid_rank.end() && it->second <= top)
        places += fmt::format("{}grid #{} is #{}", places.empty() ? "" : ", ", it->second, i + 1);
    }
    std::cout << fmt::format("rung at step {} ({:.0f}% of the budget): {} candidates, Kendall tau-b with the grid's "
                             "final accuracy {:.2f}; {}\n",
                             step, 100 * fraction[step], ranked.size(), fsearch::reports::kendall_tau_b(at_rung, at_end),
                             places.empty() ? "none of the grid's top " + std::to_string(top) + " here" : places);
  }
}

std::string reached_text(const Arm& a) {
  if (a.finished) return "full budget";
  return fmt::format("{:.0f}% of the budget", 100 * a.reached);
}

// Whether halving's top k are as good as the grid's top k up to the grid's own seed spread: a pick
// outside the grid's top k still counts when its grid mean is below the k-th place's by no more than
// the two arms' standard deviations together (the reports' "beyond the seed spread" rule). When
// places k and k+1 are that close, which of them is "the top k" is itself a draw of the seeds.
void print_within_spread(const std::vector<Arm>& grid, const std::vector<Arm>& halving, int top) {
  if (static_cast<int>(grid.size()) < top || static_cast<int>(halving.size()) < top) return;
  const Arm& kth = grid[static_cast<std::size_t>(top - 1)];
  int within = 0;
  std::string outside;
  for (int i = 0; i < top; ++i) {
    const Arm& pick = halving[static_cast<std::size_t>(i)];
    auto it = std::find_if(grid.begin(), grid.end(), [&](const Arm& g) { return g.id == pick.id; });
    if (it == grid.end() || !std::isfinite(it->accuracy)) {
      outside += " " + pick.name + " (no grid result)";
      continue;
    }
    const auto place = static_cast<int>(it - grid.begin()) + 1;
    if (place <= top || it->accuracy + it->spread + kth.spread >= kth.accuracy) {
      ++within;
      if (place > top)
        outside += fmt::format(" {} (grid's #{}: {:.2f} +- {:.2f}, within)", pick.name, place, 100 * it->accuracy,
                               100 * it->spread);
    } else {
      outside += fmt::format(" {} (grid's #{}: {:.2f} +- {:.2f}, below)", pick.name, place, 100 * it->accuracy,
                             100 * it->spread);
    }
  }
  std::cout << fmt::format("within the grid's seed spread: {} of {} (the grid's #{} {}: {:.2f} +- {:.2f}){}\n", within,
                           top, top, kth.name, 100 * kth.accuracy, 100 * kth.spread,
                           outside.empty() ? "" : ";" + outside);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Successive halving against the grid on the same candidates"};
  std::vector<std::string> grid_dbs;
  std::string halving_db, sweep;
  int top = 3;
  app.add_option("--grid", grid_dbs, "Database(s) of the grid run (repeat for one database per seed)")->required();
  app.add_option("--halving", halving_db, "Database of the halving run")->required();
  app.add_option("--sweep", sweep, "Sweep name (the space's name)")->required();
  app.add_option("--top", top, "How many of the grid's best halving must recover")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    Summary grid_jobs, halving_jobs;
    for (const auto& db : grid_dbs) read(db, sweep, grid_jobs);
    read(halving_db, sweep, halving_jobs);
    const auto grid = arms_of(grid_jobs), halving = arms_of(halving_jobs);
    std::cout << fmt::format("grid:    {} jobs, {} candidates, {} steps trained ({} done, {} other)\n",
                             grid_jobs.jobs.size(), grid.size(), grid_jobs.steps, grid_jobs.done, grid_jobs.other);
    std::cout << fmt::format("halving: {} jobs, {} candidates, {} steps trained ({} done, {} paused at a rung, {} "
                             "other)\n",
                             halving_jobs.jobs.size(), halving.size(), halving_jobs.steps, halving_jobs.done,
                             halving_jobs.paused, halving_jobs.other);
    std::cout << fmt::format("compute: halving used {:.1f}% of the grid's steps\n",
                             100.0 * static_cast<double>(halving_jobs.steps) /
                                 static_cast<double>(std::max<std::int64_t>(1, grid_jobs.steps)));
    std::set<std::string> grid_top, halving_top;
    std::cout << fmt::format("{:<4} {:<28} {:>9}   {:<28} {}\n", "rank", "grid", "accuracy", "halving", "reached");
    for (int i = 0; i < top && i < static_cast<int>(std::min(grid.size(), halving.size())); ++i) {
      const auto& g = grid[static_cast<std::size_t>(i)];
      const auto& h = halving[static_cast<std::size_t>(i)];
      grid_top.insert(g.id);
      halving_top.insert(h.id);
      std::cout << fmt::format("{:<4} {:<28} {:>8.2f}%   {:<28} {}\n", i + 1, g.name, 100 * g.accuracy, h.name,
                               reached_text(h));
    }
    int recovered = 0;
    for (const auto& id : halving_top) recovered += grid_top.count(id);
    const bool best = !grid.empty() && !halving.empty() && grid[0].id == halving[0].id;
    std::cout << fmt::format("recovered: {} of the grid's top {}; the grid's best {} halving's best\n", recovered, top,
                             best ? "is" : "is NOT");
    print_within_spread(grid, halving, top);
    print_rung_agreement(grid, halving_jobs, top);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
