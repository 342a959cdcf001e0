#include "fsearch/search/eta.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

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

// The budget a job was planned with (its spec's train.budget), "" when the spec does not say.
std::string budget_of(const db::JobRow& job) {
  const auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  if (!spec.is_object() || !spec.contains("train") || !spec["train"].is_object()) return "";
  const auto& budget = spec["train"].value("budget", nlohmann::json());
  return budget.is_string() ? budget.get<std::string>() : "";
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
    work += p.share_left();
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

std::vector<ProxyWork> work_left(const std::vector<JobReport>& reports, const std::vector<JobReport>& finished,
                                 const std::function<double(const db::JobRow&)>& running_share) {
  std::vector<ProxyWork> out;
  for (const auto& r : reports) {
    auto it = std::find_if(out.begin(), out.end(), [&](const ProxyWork& w) { return w.proxy == r.job.proxy; });
    if (it == out.end()) it = out.insert(out.end(), ProxyWork{r.job.proxy, budget_of(r.job)});
    if (r.job.state == db::JobState::Pending) it->jobs += 1;
    if (r.job.state == db::JobState::Running) it->jobs += std::clamp(running_share(r.job), 0.0, 1.0);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const ProxyWork& w) { return w.jobs <= 0; }), out.end());
  std::map<std::pair<std::string, std::string>, std::vector<double>> lengths;  // (proxy, budget) -> seconds
  std::set<std::string> seen;
  for (const auto& r : finished) {
    if (r.job.state != db::JobState::Done || !r.result || !(r.result->wall_time > 0) ||
        !std::isfinite(r.result->wall_time) || !seen.insert(r.job.key).second)
      continue;
    lengths[{r.job.proxy, budget_of(r.job)}].push_back(r.result->wall_time);
  }
  for (auto& work : out) {
    auto& l = lengths[{work.proxy, work.budget}];
    work.timed = static_cast<int>(l.size());
    if (l.empty()) continue;
    std::sort(l.begin(), l.end());
    const std::size_t n = l.size();
    work.job_seconds = n % 2 ? l[n / 2] : (l[n / 2 - 1] + l[n / 2]) / 2;
  }
  return out;
}

}  // namespace fsearch::search
