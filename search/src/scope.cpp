#include "fsearch/search/scope.h"

#include <algorithm>
#include <type_traits>

namespace fsearch::search {

bool JobScope::admits(const db::JobRow& job) const {
  return (proxies.empty() || std::find(proxies.begin(), proxies.end(), job.proxy) != proxies.end()) &&
         (seeds.empty() || std::find(seeds.begin(), seeds.end(), job.seed) != seeds.end());
}

std::string JobScope::flags() const {
  std::string out;
  auto flag = [&](const std::string& name, const auto& values) {
    if (values.empty()) return;
    out += (out.empty() ? "" : " ") + name + " ";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ",";
      if constexpr (std::is_same_v<std::decay_t<decltype(values[i])>, std::string>)
        out += values[i];
      else
        out += std::to_string(values[i]);
    }
  };
  flag("--proxies", proxies);
  flag("--only-seeds", seeds);
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
