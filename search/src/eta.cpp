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

std::string timing_class(const std::string& proxy, const std::string& budget) { return proxy + "|" + budget; }

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace

std::string timing_class(const db::JobRow& job) { return timing_class(job.proxy, budget_of(job)); }

RunningJob running_job(const db::JobRow& job, const std::string& run_dir, double now) {
  const jobs::RunDir run{run_dir};
  const auto p = jobs::read_progress(run);
  RunningJob out;
  out.share_left = p.share_left();
  if (!p.known()) return out;
  const double trained = static_cast<double>(p.step - p.start_step) / static_cast<double>(p.total_steps);
  if (trained > 0 && job.started_at > 0 && now > job.started_at && !written_before(run, job.started_at))
    out.length = (now - job.started_at) / trained;
  return out;
}

double eta_seconds(db::Database& db, std::int64_t sweep, const std::function<double(const db::JobRow&)>& job_seconds,
                   double parallelism, double now, const JobScope& scope) {
  struct Work {
    double jobs = 0;               // in whole jobs
    double length = NAN;           // a job's seconds, when known
    std::vector<double> observed;  // each running job's length at its pace
  };
  std::map<std::string, Work> classes;
  auto work_of = [&](const db::JobRow& job) -> Work& {
    auto [it, fresh] = classes.try_emplace(timing_class(job));
    if (fresh) it->second.length = job_seconds(job);
    return it->second;
  };
  for (const auto& job : scope.jobs(db, sweep, db::JobState::Pending)) work_of(job).jobs += 1;
  for (const auto& job : scope.jobs(db, sweep, db::JobState::Running)) {
    Work& work = work_of(job);
    const auto r = running_job(job, job.run_dir, now);
    work.jobs += r.share_left;
    if (std::isfinite(r.length)) work.observed.push_back(r.length);
  }
  double seconds = 0;
  for (auto& [name, work] : classes) {
    if (work.jobs == 0) continue;
    if (!std::isfinite(work.length)) {
      if (work.observed.empty()) return NAN;
      work.length = mean(work.observed);
    }
    seconds += work.length * work.jobs;
  }
  return seconds / std::max(1.0, parallelism);
}

std::map<std::string, MedianLength> median_lengths(const std::vector<JobReport>& finished) {
  std::map<std::string, std::vector<double>> lengths;
  std::set<std::string> seen;
  for (const auto& r : finished) {
    if (r.job.state != db::JobState::Done || !r.result || !(r.result->wall_time > 0) ||
        !std::isfinite(r.result->wall_time) || !seen.insert(r.job.key).second)
      continue;
    lengths[timing_class(r.job)].push_back(r.result->wall_time);
  }
  std::map<std::string, MedianLength> out;
  for (auto& [name, l] : lengths) {
    std::sort(l.begin(), l.end());
    const std::size_t n = l.size();
    out[name] = {n % 2 ? l[n / 2] : (l[n / 2 - 1] + l[n / 2]) / 2, static_cast<int>(n)};
  }
  return out;
}

std::vector<ProxyWork> work_left(const std::vector<JobReport>& reports, const std::vector<JobReport>& finished,
                                 const std::function<RunningJob(const db::JobRow&)>& running) {
  std::vector<ProxyWork> out;
  std::map<std::string, std::vector<double>> observed;  // proxy -> its running jobs' lengths
  for (const auto& r : reports) {
    auto it = std::find_if(out.begin(), out.end(), [&](const ProxyWork& w) { return w.proxy == r.job.proxy; });
    if (it == out.end()) it = out.insert(out.end(), ProxyWork{r.job.proxy, budget_of(r.job)});
    if (r.job.state == db::JobState::Pending) it->jobs += 1;
    if (r.job.state != db::JobState::Running) continue;
    const auto job = running(r.job);
    it->jobs += std::clamp(job.share_left, 0.0, 1.0);
    if (std::isfinite(job.length)) observed[r.job.proxy].push_back(job.length);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const ProxyWork& w) { return w.jobs <= 0; }), out.end());
  const auto lengths = median_lengths(finished);
  for (auto& work : out) {
    if (auto it = lengths.find(timing_class(work.proxy, work.budget)); it != lengths.end()) {
      work.job_seconds = it->second.seconds;
      work.timed = it->second.jobs;
    } else if (const auto& l = observed[work.proxy]; !l.empty()) {
      work.job_seconds = mean(l);
      work.observed = static_cast<int>(l.size());
    }
  }
  return out;
}

}  // namespace fsearch::search
