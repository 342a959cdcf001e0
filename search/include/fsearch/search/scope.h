// Which of a sweep's jobs one run of its loop trains: every job, or only those of some proxies
// and/or some seeds (`fsearch run --proxies vit-tiny` trains the cheap proxy's cells of every table
// first and leaves the DiT jobs pending for a later run; `--proxies dit-b --only-seeds 0` then gives
// every table's DiT-B column one seed before any column gets its second). The loop's submissions,
// its progress counts, its ETA and its end all look through the same scope, so a narrowed run ends
// when its own jobs are trained.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fsearch/db/database.h"

namespace fsearch::search {

struct JobScope {
  std::vector<std::string> proxies;  // proxy names (a proxy file's model.name); empty: every proxy
  std::vector<std::int64_t> seeds;   // empty: every seed

  bool narrowed() const { return !proxies.empty() || !seeds.empty(); }
  bool admits(const db::JobRow& job) const;
  // The command-line flags that make this scope: "--proxies dit-b --only-seeds 0" ("" for every job).
  std::string flags() const;
  // The sweep's jobs in this scope, in the database's order (pending jobs: by priority).
  std::vector<db::JobRow> jobs(db::Database& db, std::int64_t sweep,
                               std::optional<db::JobState> state = std::nullopt) const;
  // Jobs per state in this scope.
  std::map<db::JobState, int> counts(db::Database& db, std::int64_t sweep) const;
};

}  // namespace fsearch::search
