// The sweep's ETA on the progress line of `fsearch run`.
#pragma once

#include <cstdint>

#include "fsearch/db/database.h"
#include "fsearch/search/scope.h"

namespace fsearch::search {

// Seconds until the sweep's pending and running jobs are done, on `parallelism` slots:
// job length x (pending jobs + the share of each running job still to train) / parallelism.
// The job length is `mean_job_seconds` (jobs finished under this loop) when finite; before the
// first job finishes it is estimated from the running jobs' own progress (events.jsonl: steps
// trained since their latest start, against the seconds since they started), which leaves out a
// job's final evaluation (a DiT job's sampling). NaN when neither is known yet. Only the jobs in
// `scope` count: those the loop trains.
double eta_seconds(db::Database& db, std::int64_t sweep, double mean_job_seconds, double parallelism, double now,
                   const JobScope& scope = {});

}  // namespace fsearch::search
