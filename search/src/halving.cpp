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

std::string arm_of(const db::JobRow& job) {
  char numbers[64];
  std::snprintf(numbers, sizeof numbers, "|%.17g|%.17g", job.lr, job.alpha_init);
  return (job.fingerprint.empty() ? job.label : job.fingerprint) + "|" + job.proxy + "|" + job.shift + numbers;
}

namespace {

struct Arm {
  std::vector<const db::JobRow*> seeds;
  // Per rung: the seeds' rung results there.
  std::map<int, std::vector<const db::RungRow*>> at;
};

bool training(db::JobState s) { return s == db::JobState::Pending || s == db::JobState::Running; }
bool stopped_badly(db::JobState s) {
  return s == db::JobState::Diverged || s == db::JobState::Failed || s == db::JobState::Rejected;
}

struct Ranked {
  const Arm* arm;
  std::string name;  // the arm's first key, for ties
  double score;      // mean over seeds; NaN: no score
};

}  // namespace

std::vector<Promotion> halving_decisions(const HalvingSpec& spec, const std::vector<db::JobRow>& jobs,
                                         const std::vector<db::RungRow>& rungs,
                                         const std::set<std::pair<std::string, std::int64_t>>& promoted) {
  const auto fractions = rung_fractions(spec);
  std::map<std::string, Arm> arms;
  std::map<std::string, Arm*> arm_by_key;
  for (const auto& job : jobs) {
    Arm& arm = arms[arm_of(job)];
    arm.seeds.push_back(&job);
    arm_by_key[job.key] = &arm;
  }
  for (const auto& r : rungs) {
    const int k = rung_of(fractions, r.fraction);
    auto it = arm_by_key.find(r.key);
    if (it == arm_by_key.end() || k < 0 || k + 1 >= static_cast<int>(fractions.size())) continue;
    it->second->at[k].push_back(&r);
  }
  std::vector<Promotion> out;
  for (int k = 0; k + 1 < static_cast<int>(fractions.size()); ++k) {
    std::vector<Ranked> ranked;
    for (const auto& [id, arm] : arms) {
      auto here = arm.at.find(k);
      if (here == arm.at.end()) continue;
      const auto& results = here->second;
      bool ready = true, scored = true;
      for (const auto* job : arm.seeds) {
        const bool reached = std::any_of(results.begin(), results.end(),
                                         [&](const db::RungRow* r) { return r->key == job->key; });
        if (reached) continue;
        if (training(job->state)) ready = false;
        if (stopped_badly(job->state)) scored = false;
      }
      if (!ready) continue;
      double sum = 0;
      for (const auto* r : results) sum += r->score;
      std::string first = arm.seeds.front()->key;
      for (const auto* job : arm.seeds) first = std::min(first, job->key);
      ranked.push_back({&arm, first, scored ? sum / static_cast<double>(results.size()) : NAN});
    }
    // Best first; an arm without a score (NaN) is never promoted; ties by key, for determinism.
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      const bool fa = std::isfinite(a.score), fb = std::isfinite(b.score);
      if (fa != fb) return fa;
      if (fa && a.score != b.score) return a.score > b.score;
      return a.name < b.name;
    });
    const auto n = ranked.size();
    const auto quota = static_cast<std::size_t>(std::floor(static_cast<double>(n) / spec.eta + 1e-9));
    for (std::size_t i = 0; i < quota && i < n; ++i) {
      if (!std::isfinite(ranked[i].score)) break;
      const auto& results = ranked[i].arm->at.at(k);
      char score[32];
      std::snprintf(score, sizeof score, "%.4g", ranked[i].score);
      const std::string over =
          results.size() > 1 ? ", mean of " + std::to_string(results.size()) + " seeds" : std::string();
      for (const auto* r : results) {
        const bool paused = std::any_of(ranked[i].arm->seeds.begin(), ranked[i].arm->seeds.end(),
                                        [&](const db::JobRow* j) {
                                          return j->key == r->key && j->state == db::JobState::Paused;
                                        });
        if (!paused || promoted.count({r->key, r->step})) continue;
        Promotion p;
        p.key = r->key;
        p.from_step = r->step;
        p.to_rung = k + 1;
        p.to_fraction = fractions[static_cast<std::size_t>(k) + 1];
        const std::string annealed =
            r->cooldown_steps > 0 ? " after a cooldown of " + std::to_string(r->cooldown_steps) +
                                        (r->cooldown_steps == 1 ? " step" : " steps")
                                  : "";
        p.reason = "rank " + std::to_string(i + 1) + " of " + std::to_string(n) + " at rung " + std::to_string(k) +
                   " (" + percent(fractions[static_cast<std::size_t>(k)]) + " of the budget, " + r->metric + " " +
                   score + over + annealed + "); the top " + std::to_string(quota) + " continue";
        out.push_back(std::move(p));
      }
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
    std::set<std::pair<std::string, std::int64_t>> promoted;
    for (const auto& p : db.promotions(sweep)) promoted.insert({p.key, p.from_step});
    decisions = halving_decisions(space.halving, db.jobs(sweep), db.rungs(sweep), promoted);
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
