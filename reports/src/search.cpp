#include "fsearch/reports/search.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "table_data.h"

namespace fsearch::reports {

SearchTrace search_trace(db::Database& db, std::int64_t sweep) {
  SearchTrace t;
  const auto jobs = db.jobs(sweep);
  const auto rungs = db.rungs(sweep);
  const auto lineage = db.lineage(sweep);
  t.rungs = static_cast<int>(rungs.size());
  t.promotions = static_cast<int>(db.promotions(sweep).size());
  t.strategy = !lineage.empty() ? "evolution" : !rungs.empty() ? "halving" : "grid";
  std::set<std::int64_t> generations;
  for (const auto& row : lineage) {
    generations.insert(row.generation);
    if (row.generation == 0) continue;
    ++t.children;
    t.children_rejected += row.status == db::CandidateStatus::Rejected;
    t.children_duplicate += row.status == db::CandidateStatus::Duplicate;
  }
  t.generations = generations.empty() ? 0 : static_cast<int>(generations.size()) - 1;

  // Milestones in time: a job reached a rung, or finished (done, diverged, rejected).
  struct Milestone {
    double at;
    const db::JobRow* job;
    std::int64_t step;
    bool final;
  };
  std::vector<Milestone> milestones;
  std::map<std::string, const db::JobRow*> by_key;
  for (const auto& job : jobs) {
    by_key[job.key] = &job;
    t.jobs[db::to_string(job.state)]++;
    if (job.state == db::JobState::Done || job.state == db::JobState::Diverged ||
        job.state == db::JobState::Rejected) {
      if (auto r = db.result(job.key)) milestones.push_back({job.finished_at, &job, r->steps, true});
    }
  }
  for (const auto& r : rungs) {
    if (auto it = by_key.find(r.key); it != by_key.end())
      milestones.push_back({r.recorded_at, it->second, r.step, false});
  }
  std::stable_sort(milestones.begin(), milestones.end(), [](const Milestone& a, const Milestone& b) {
    return std::tie(a.at, a.step) < std::tie(b.at, b.step);
  });
  t.metric = Metric::TestAcc;
  for (const auto& job : jobs) {
    if (job.state != db::JobState::Done) continue;
    if (auto r = db.result(job.key); r && std::isfinite(r->fid)) t.metric = Metric::Fid;
    break;
  }
  std::map<std::string, std::int64_t> reached;  // job -> steps trained so far
  SearchPoint point;
  for (const auto& m : milestones) {
    auto& before = reached[m.job->key];
    point.steps += std::max<std::int64_t>(0, m.step - before);
    before = std::max(before, m.step);
    if (m.final && m.job->state == db::JobState::Done) {
      auto r = db.result(m.job->key);
      const double value = t.metric == Metric::Fid ? r->fid : r->test_acc;
      if (std::isfinite(value)) {
        if (m.job->fingerprint.empty()) {
          auto [it, fresh] = t.baselines.emplace(m.job->label, value);
          if (!fresh)
            it->second = t.higher_is_better() ? std::max(it->second, value) : std::min(it->second, value);
        } else if (std::isnan(point.best) || better(t.metric, value, point.best)) {
          point.best = value;
          point.best_label = m.job->label + " (seed " + std::to_string(m.job->seed) + ")";
        }
      }
    }
    t.points.push_back(point);
  }
  t.steps = point.steps;
  return t;
}

std::string render_search_section(const SearchTrace& t, const std::vector<std::string>& figures) {
  auto value = [&](double v) {
    return t.metric == Metric::Fid ? "FID " + detail::fmt_number(v, 2) : detail::fmt_number(100 * v, 2) + "%";
  };
  auto count = [&](const char* state) { return t.jobs.count(state) ? t.jobs.at(state) : 0; };
  std::ostringstream md;
  md << "\n## The search\n\nStrategy: **" << t.strategy << "**. " << t.steps
     << " training steps so far: " << count("done") << " jobs finished, " << count("paused")
     << " paused at a rung, " << count("rejected") << " rejected early, " << count("diverged")
     << " diverged, " << count("pending") + count("running") << " to run.";
  if (t.strategy == "halving")
    md << " " << t.rungs << " rung results, " << t.promotions << " promotions (docs/search.md).";
  if (t.strategy == "evolution") {
    md << " " << t.generations << " generation(s) bred " << t.children
       << " children: " << t.children - t.children_rejected - t.children_duplicate << " trained, "
       << t.children_rejected << " rejected by the property screen, " << t.children_duplicate
       << " duplicates of functions seen before (none cost training).";
  }
  md << "\n\n";
  const SearchPoint* found = nullptr;  // where the final best was first reached
  for (const auto& p : t.points) {
    if (!std::isnan(p.best) && (!found || p.best != found->best)) found = &p;
  }
  if (found) {
    md << "Best so far: **" << found->best_label << ", " << value(found->best) << "**, found after "
       << found->steps << " of " << t.steps << " steps ("
       << detail::fmt_number(
              100.0 * static_cast<double>(found->steps) / std::max<double>(1, static_cast<double>(t.steps)),
              0)
       << "%).";
    // The gap in words, best candidate against the baseline: a signed "-127 FID better" misreads.
    for (const auto& [label, v] : t.baselines) {
      const double gap = t.higher_is_better() ? 100 * (found->best - v) : v - found->best;  // > 0: best ahead
      const std::string size = detail::fmt_number(std::abs(gap), 2);
      md << " " << label << ": " << value(v) << " (the best ";
      if (size == detail::fmt_number(0, 2))
        md << "level with it";
      else if (t.metric == Metric::Fid)
        md << size << " FID " << (gap > 0 ? "better" : "worse");
      else
        md << size << " points " << (gap > 0 ? "above" : "below");
      md << ").";
    }
    md << "\n\n";
  }
  for (const auto& figure : figures) {
    const bool shapes = figure.find("-functions.") != std::string::npos;
    const bool loss = figure.find("-loss.") != std::string::npos;
    md << "!["
       << (shapes ? "the best candidates' shapes"
           : loss ? "training loss of the best candidates"
                  : "best so far against steps trained")
       << "](" << figure << ")\n\n";
  }
  return md.str();
}

}  // namespace fsearch::reports
