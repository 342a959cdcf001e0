#include "fsearch/search/scope.h"

#include <algorithm>

namespace fsearch::search {

bool JobScope::admits(const db::JobRow& job) const {
  return (proxies.empty() || std::find(proxies.begin(), proxies.end(), job.proxy) != proxies.end()) &&
         (seeds.empty() || std::find(seeds.begin(), seeds.end(), job.seed) != seeds.end());
}

std::string JobScope::flags() const {
  std::string out;
  for (std::size_t i = 0; i < proxies.size(); ++i) out += (i == 0 ? "--proxies " : ",") + proxies[i];
  for (std::size_t i = 0; i < seeds.size(); ++i)
    out += (i == 0 ? std::string(out.empty() ? "" : " ") + "--only-seeds " : ",") + std::to_string(seeds[i]);
  return out;
}

std::vector<db::JobRow> JobScope::jobs(db::Database& db, std::int64_t sweep,
                                       std::optional<db::JobState> state) const {
  auto rows = db.jobs(sweep, state);
  if (narrowed())
    rows.erase(std::remove_if(rows.begin(), rows.end(), [&](const db::JobRow& job) { return !admits(job); }),
               rows.end());
  return rows;
}

std::map<db::JobState, int> JobScope::counts(db::Database& db, std::int64_t sweep) const {
  if (!narrowed()) return db.job_counts(sweep);
  std::map<db::JobState, int> out;
  for (const auto& job : jobs(db, sweep)) out[job.state]++;
  return out;
}

}  // namespace fsearch::search
