#include "fsearch/search/halving.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "fsearch/search/evolution.h"
#include "fsearch/jobs/job_spec.h"
#include "ingest.h"

namespace fsearch::search {
namespace {

// A rung closer to the full budget than this is the full budget.
constexpr double kLastRungGap = 0.05;
// Steps are whole: a rung's recorded fraction is its pause step over the total.
constexpr double kFractionTolerance = 0.01;

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%%", 100 * fraction);
  return text;
}

}  // namespace

std::vector<double> rung_fractions(const HalvingSpec& spec) {
  std::vector<double> out;
  for (double f = spec.min_fraction; f < 1 - kLastRungGap; f *= spec.eta) out.push_back(f);
  out.push_back(1);
  return out;
}

int rung_of(const std::vector<double>& rungs, double fraction) {
  int found = -1;
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    if (rungs[i] <= fraction + kFractionTolerance) found = static_cast<int>(i);
  }
  return found;
}

std::vector<Promotion> halving_decisions(const HalvingSpec& spec, const std::vector<db::RungRow>& rungs,
                                         const std::set<std::string>& paused,
                                         const std::set<std::pair<std::string, std::int64_t>>& promoted) {
  const auto fractions = rung_fractions(spec);
  std::map<int, std::vector<const db::RungRow*>> by_rung;
  for (const auto& r : rungs) {
    const int k = rung_of(fractions, r.fraction);
    if (k >= 0 && k + 1 < static_cast<int>(fractions.size())) by_rung[k].push_back(&r);
  }
  std::vector<Promotion> out;
  for (auto& [k, entries] : by_rung) {
    // Best first; a job without a score (NaN) is never promoted; ties by key, for determinism.
    std::sort(entries.begin(), entries.end(), [](const db::RungRow* a, const db::RungRow* b) {
      const bool fa = std::isfinite(a->score), fb = std::isfinite(b->score);
      if (fa != fb) return fa;
      if (fa && a->score != b->score) return a->score > b->score;
      return a->key < b->key;
    });
    const auto n = entries.size();
    const auto quota = static_cast<std::size_t>(std::floor(static_cast<double>(n) / spec.eta + 1e-9));
    for (std::size_t i = 0; i < quota; ++i) {
      const auto& r = *entries[i];
      if (!std::isfinite(r.score) || !paused.count(r.key) || promoted.count({r.key, r.step})) continue;
      Promotion p;
      p.key = r.key;
      p.from_step = r.step;
      p.to_rung = k + 1;
      p.to_fraction = fractions[static_cast<std::size_t>(k) + 1];
      char score[32];
      std::snprintf(score, sizeof score, "%.4g", r.score);
      p.reason = "rank " + std::to_string(i + 1) + " of " + std::to_string(n) + " at rung " + std::to_string(k) +
                 " (" + percent(fractions[static_cast<std::size_t>(k)]) + " of the budget, " + r.metric + " " +
                 score + "); the top " + std::to_string(quota) + " continue";
      out.push_back(std::move(p));
    }
  }
  return out;
}

namespace {

int promote(db::Database& db, std::int64_t sweep, const Space& space, double now);

}  // namespace

int apply_strategy(db::Database& db, std::int64_t sweep, const Space& space, double now,
                   const std::string& runs_root, const std::string& budget) {
  int changed = promote(db, sweep, space, now);
  if (space.strategy == StrategyKind::Evolution && changed == 0) {
    // A generation whose children were all rejected or duplicates adds no job: breed the next.
    for (std::size_t bred = db.lineage(sweep).size();;) {
      changed = breed(db, sweep, space, runs_root, budget);
      const auto now_bred = db.lineage(sweep).size();
      if (changed > 0 || now_bred == bred) break;
      bred = now_bred;
    }
  }
  return changed;
}

namespace {

int promote(db::Database& db, std::int64_t sweep, const Space& space, double now) {
  std::vector<Promotion> decisions;
  const auto paused_jobs = db.jobs(sweep, db::JobState::Paused);
  if (paused_jobs.empty()) return 0;
  if (space.strategy != StrategyKind::Halving) {
    // A grid sweep runs every job to its full budget, also one a halving sweep left paused.
    std::map<std::string, std::int64_t> paused_at;  // each paused job's latest rung
    for (const auto& job : paused_jobs) paused_at[job.key] = 0;
    for (const auto& r : db.rungs(sweep)) {
      if (auto it = paused_at.find(r.key); it != paused_at.end()) it->second = std::max(it->second, r.step);
    }
    for (const auto& [key, step] : paused_at)
      decisions.push_back({key, step, 1, 0, to_string(space.strategy) + ": every job runs to its full budget"});
  } else {
    std::set<std::string> paused;
    for (const auto& job : paused_jobs) paused.insert(job.key);
    std::set<std::pair<std::string, std::int64_t>> promoted;
    for (const auto& p : db.promotions(sweep)) promoted.insert({p.key, p.from_step});
    decisions = halving_decisions(space.halving, db.rungs(sweep), paused, promoted);
  }
  int count = 0;
  for (const auto& d : decisions) {
    const auto job = db.job(d.key);
    if (!job || job->state != db::JobState::Paused) continue;
    jobs::set_pause_at(job->run_dir, d.to_fraction >= 1 ? 0 : d.to_fraction);
    detail::set_aside_rung_result(*job);
    db.promote(sweep, {d.key, d.from_step, d.to_fraction, d.reason, now}, d.to_rung);
    ++count;
  }
  return count;
}

}  // namespace

}  // namespace fsearch::search
