// From kept candidates to jobs: one per (candidate or baseline, proxy, lr, seed, shift, alpha init).
// A job's key hashes its whole spec, so planning the same space again plans nothing new and editing
// the space adds only the new jobs.
#pragma once

#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/search/expand.h"
#include "fsearch/jobs/job_spec.h"

namespace fsearch::search {

struct PlannedJob {
  jobs::JobSpec spec;
  db::JobRow row;
};

// Throws ConfigError naming the entry's file and line for a layer.by_function entry that names no
// candidate this space keeps (in grid and halving sweeps; evolution may breed it later).
void check_by_function(const Space& space, const std::vector<Screened>& screened);

// `budget` overrides the space's budget when not empty; run directories go under
// runs_root/<sweep name>/<key>.
std::vector<PlannedJob> plan_jobs(const Space& space, const std::vector<Screened>& screened,
                                  const std::string& runs_root, const std::string& budget);

}  // namespace fsearch::search
