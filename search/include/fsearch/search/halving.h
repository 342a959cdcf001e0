// Successive halving, asynchronous (ASHA, Li et al. 2020): the decisions, apart from the scheduler.
//
// A halving sweep plans every job with search.pause_at at the first rung. A job that reaches a rung
// checkpoints, scores itself (test accuracy; minus the smoothed training loss for the DiT proxy)
// and pauses. Halving ranks arms, not jobs: an arm is a candidate on one proxy, lr and layer option,
// with all its seeds, scored at a rung by the mean over its seeds (one seed's luck does not decide;
// with one seed an arm is a job). Whenever an arm's seeds have all reached a rung, every arm in the
// top floor(n / eta) of the n arms that reached it so far is promoted: its paused seeds continue
// from their checkpoints to the next rung. No arm waits for a whole rung to fill, and no job trains
// a step twice.
//
// The learning-rate schedule is the job's own, over its full budget: a promoted job continues the
// exact trajectory the grid would have trained, so its final result is the grid's result (same job
// key, reused by any later sweep). A rung scores the model before the schedule has decayed, or, with
// halving.cooldown, on an annealed branch that is thrown away after scoring (docs/search.md).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/space.h"

namespace fsearch::search {

// The rung fractions of the budget, ascending; the last is 1.
std::vector<double> rung_fractions(const HalvingSpec& spec);
// The index of the rung a fraction of the budget belongs to (the largest rung at or below it,
// within rounding of the step count); -1 below the first.
int rung_of(const std::vector<double>& rungs, double fraction);

struct Promotion {
  std::string key;
  std::int64_t from_step = 0;
  double to_fraction = 1;  // 1: to the end of the budget
  int to_rung = 0;
  std::string reason;
};

// The arm a job belongs to: its candidate, proxy, lr and layer option (everything but the seed).
std::string arm_of(const db::JobRow& job);

// Which paused jobs to promote now. `jobs` are the sweep's jobs (their arms and states), `rungs`
// every rung result of them, `promoted` the (key, from_step) decisions already taken. An arm is
// ranked at a rung once none of its seeds is still training towards it; a seed that diverged or
// failed before the rung leaves its arm without a score there (never promoted), one that finished
// elsewhere without pausing there (a grid sweep's job) is left out of the mean. Pure and
// deterministic: the same database gives the same decisions.
std::vector<Promotion> halving_decisions(const HalvingSpec& spec, const std::vector<db::JobRow>& jobs,
                                         const std::vector<db::RungRow>& rungs,
                                         const std::set<std::pair<std::string, std::int64_t>>& promoted);

// Applies the space's strategy to the database, between jobs. Halving promotes what
// halving_decisions says; grid and evolution continue every paused job to its full budget. Each
// promotion rewrites the job's search.pause_at in job.json, sets its paused result aside, then
// records the decision and requeues the job with its new rung as priority; a crash between the two
// steps repeats the same decision. Evolution then breeds generations (evolution.h breed) until one
// adds jobs or none remain. Returns the number of jobs requeued or added.
int apply_strategy(db::Database& db, std::int64_t sweep, const Space& space, double now,
                   const std::string& runs_root = "", const std::string& budget = "");

}  // namespace fsearch::search
