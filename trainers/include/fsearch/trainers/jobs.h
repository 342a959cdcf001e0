// The trainers run the jobs that the jobs library declares (jobs/: the job spec, the run directory,
// the result): inside the trainers its names are used as the trainers' own.
#pragma once

#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::trainers {
using namespace jobs;  // NOLINT(google-build-using-namespace): one library building on the other
}  // namespace fsearch::trainers
