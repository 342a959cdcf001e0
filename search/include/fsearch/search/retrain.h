// `fsearch run --retrain-build COMMIT`: train again, from the start, the finished jobs of a sweep
// whose results a given build recorded (result.json's git_commit), e.g. jobs a build with
// uncommitted changes trained. Nothing is thrown away: each result and its curve points move to
// the database's replaced_results table, each run directory to "<dir>.replaced-<build>".
#pragma once

#include <set>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/plan.h"

namespace fsearch::search {

// Throws ConfigError unless `asked` looks like a build: 7 to 40 hex digits, optionally "-dirty".
void check_build_text(const std::string& asked);

// Whether a recorded build ("bab3cdad0bb5", "bab3cdad0bb5-dirty") is the one asked for: one hash is
// a prefix of the other (at least 7 digits, any case), and "-dirty" asked matches only dirty builds
// (without it, a commit matches its clean and its dirty builds).
bool build_matches(const std::string& recorded, const std::string& asked);

// The keys of the sweep's finished jobs that the asked builds trained. Throws ConfigError when an
// asked build matches none of them, naming the builds the sweep's results do come from -- unless
// its jobs were queued again before (the same command, run again after an interruption, goes on).
std::set<std::string> jobs_built_by(db::Database& db, std::int64_t sweep, const std::string& sweep_name,
                                    const std::vector<std::string>& builds);

struct RetrainOutcome {
  int queued = 0;        // back to pending, to train from the start
  int outside_plan = 0;  // matched, but this run's plan does not list them (other seeds, lrs, budget)
};

// For each of `keys` that `planned` lists: its run directory set aside, its result replaced
// (db::Database::replace_result), a fresh run directory from the plan. In that order, so that an
// interruption at any point leaves a state the same command continues from.
RetrainOutcome retrain(db::Database& db, const std::set<std::string>& keys,
                       const std::vector<PlannedJob>& planned, double now);

}  // namespace fsearch::search
