#include "fsearch/search/eta.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fsearch/jobs/run_dir.h"

namespace fsearch::search {
namespace {

// Whether the run's events were last written before this start of the job (seconds since the epoch):
// a resumed job shows its previous start's progress until its worker logs the new start, and that
// progress over the seconds since the new start would make the job look almost done.
bool written_before(const jobs::RunDir& run, double started_at) {
  struct stat st {};
  if (::stat(run.events().c_str(), &st) != 0) return false;
  const double written = static_cast<double>(st.st_mtim.tv_sec) + 1e-9 * static_cast<double>(st.st_mtim.tv_nsec);
  return written < started_at;
}

}  // namespace

double eta_seconds(db::Database& db, std::int64_t sweep, double mean_job_seconds, double parallelism, double now,
                   const JobScope& scope) {
  double work = scope.counts(db, sweep)[db::JobState::Pending];  // in whole jobs
  std::vector<double> lengths;  // each running job's length, extrapolated from its progress
  for (const auto& job : scope.jobs(db, sweep, db::JobState::Running)) {
    const jobs::RunDir run{job.run_dir};
    const auto p = jobs::read_progress(run);
    if (!p.known()) {
      work += 1;
      continue;
    }
    const double done = std::min(1.0, static_cast<double>(p.step) / static_cast<double>(p.total_steps));
    work += 1 - done;
    const double trained = static_cast<double>(p.step - p.start_step) / static_cast<double>(p.total_steps);
    if (trained > 0 && job.started_at > 0 && now > job.started_at && !written_before(run, job.started_at))
      lengths.push_back((now - job.started_at) / trained);
  }
  if (work == 0) return 0;
  double length = mean_job_seconds;
  if (!std::isfinite(length)) {
    if (lengths.empty()) return NAN;
    length = 0;
    for (double l : lengths) length += l;
    length /= static_cast<double>(lengths.size());
  }
  return length * work / std::max(1.0, parallelism);
}

}  // namespace fsearch::search
