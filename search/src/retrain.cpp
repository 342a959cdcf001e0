#include "fsearch/search/retrain.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "fsearch/core/error.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::search {
namespace {

constexpr const char* kDirty = "-dirty";

struct Build {
  std::string hash;
  bool dirty = false;
};

Build split(const std::string& text) {
  Build b{text, false};
  const std::string suffix = kDirty;
  if (b.hash.size() > suffix.size() &&
      b.hash.compare(b.hash.size() - suffix.size(), suffix.size(), suffix) == 0) {
    b.hash.resize(b.hash.size() - suffix.size());
    b.dirty = true;
  }
  std::transform(b.hash.begin(), b.hash.end(), b.hash.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return b;
}

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

void check_build_text(const std::string& asked) {
  const Build b = split(asked);
  if (b.hash.size() < 7 || b.hash.size() > 40 || !is_hex(b.hash))
    throw ConfigError(
        "--retrain-build '" + asked + "' is not a build",
        "give the commit a result was trained by, 7 to 40 hex digits, optionally ending in "
        "-dirty, as PROVENANCE.md or result.json's git_commit spells it (e.g. bab3cdad0bb5-dirty)");
}

bool build_matches(const std::string& recorded, const std::string& asked) {
  const Build r = split(recorded), a = split(asked);
  if (r.hash.size() < 7 || a.hash.size() < 7 || !is_hex(r.hash)) return false;
  if (a.dirty && !r.dirty) return false;
  const auto n = std::min(r.hash.size(), a.hash.size());
  return r.hash.compare(0, n, a.hash, 0, n) == 0;
}

std::set<std::string> jobs_built_by(db::Database& db, std::int64_t sweep, const std::string& sweep_name,
                                    const std::vector<std::string>& builds) {
  for (const auto& asked : builds) check_build_text(asked);
  const auto finished = db.finished_builds(sweep);
  std::set<std::string> out;
  for (const auto& asked : builds) {
    int matched = 0;
    for (const auto& [key, recorded] : finished) {
      if (!build_matches(recorded, asked)) continue;
      out.insert(key);
      ++matched;
    }
    if (matched > 0) continue;
    const auto replaced = db.replaced_builds(sweep);
    if (std::any_of(replaced.begin(), replaced.end(),
                    [&](const auto& r) { return build_matches(r.second, asked); }))
      continue;  // queued again by an earlier run of the same command
    std::map<std::string, int> per_build;
    for (const auto& [key, recorded] : finished) per_build[recorded.empty() ? "(not recorded)" : recorded]++;
    std::string list;
    for (const auto& [build, count] : per_build)
      list += (list.empty() ? "" : ", ") + build + ": " + std::to_string(count);
    throw ConfigError("--retrain-build " + asked + ": no finished job of sweep " + sweep_name +
                          " was trained by that build",
                      finished.empty() ? "the sweep has no finished jobs yet"
                                       : "its finished jobs come from these builds (build: jobs): " + list);
  }
  return out;
}

RetrainOutcome retrain(db::Database& db, const std::set<std::string>& keys,
                       const std::vector<PlannedJob>& planned, double now) {
  RetrainOutcome outcome;
  std::set<std::string> in_plan;
  for (const auto& p : planned) {
    if (!keys.count(p.row.key) || !in_plan.insert(p.row.key).second) continue;
    const auto row = db.job(p.row.key);
    const auto result = db.result(p.row.key);
    if (!row || !result) continue;
    const auto recorded = nlohmann::json::parse(result->result_json, nullptr, false);
    const std::string build =
        recorded.is_object() ? recorded.value("git_commit", std::string()) : std::string();
    const std::string moved = jobs::set_aside(jobs::RunDir{row->run_dir}, build.empty() ? "unknown" : build);
    db.replace_result(row->key,
                      "trained again from the start: its result came from build " + build +
                          " (--retrain-build; the old result is in replaced_results)",
                      moved, now);
    jobs::prepare_run_dir(p.spec, row->run_dir);
    ++outcome.queued;
  }
  outcome.outside_plan = static_cast<int>(keys.size() - in_plan.size());
  return outcome;
}

}  // namespace fsearch::search
