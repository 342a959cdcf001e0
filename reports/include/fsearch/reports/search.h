// How a sweep's search went, for its report page: compute spent (steps trained, in the order the
// work finished) against the best result found so far, the baselines it has to beat, and what the
// strategy did (rungs and promotions, generations, early rejections).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fsearch/core/metric.h"
#include "fsearch/db/database.h"

namespace fsearch::reports {

struct SearchPoint {
  std::int64_t steps = 0;  // steps trained by the sweep so far (every job, every rung)
  double best = NAN;       // the best finished candidate's metric so far (baselines excluded)
  std::string best_label;
};

struct SearchTrace {
  std::string strategy;          // grid | halving | evolution, as the database shows it
  Metric metric = Metric::TestAcc;
  std::vector<SearchPoint> points;  // after each finished job or rung, oldest first
  std::map<std::string, double> baselines;  // label -> its best result
  std::int64_t steps = 0;        // total steps trained
  std::map<std::string, int> jobs;  // state -> jobs
  int rungs = 0, promotions = 0;
  int children = 0, children_rejected = 0, children_duplicate = 0, generations = 0;

  bool higher_is_better() const { return info(metric).higher_is_better; }
};

SearchTrace search_trace(db::Database& db, std::int64_t sweep);
// The page's "The search" section (markdown), linking `figures` (the best-so-far plot, the shapes of
// the best candidates).
std::string render_search_section(const SearchTrace& trace, const std::vector<std::string>& figures);

}  // namespace fsearch::reports
