// `fsearch status`: per sweep, jobs per state, the work left, candidates, the best so far, and failures
// with errors.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>

#include "command.h"
#include "terminal.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/error.h"
#include "fsearch/core/names.h"
#include "fsearch/core/process.h"
#include "fsearch/search/eta.h"
#include "fsearch/search/sweep.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::cli {
namespace {

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// A job that finished without learning: it diverged, or it trained but stayed within a point of
// chance accuracy. Returns the verdict ("diverged at step 12: non-finite loss", "at chance (10.0%)"),
// or "" for a job that learned.
std::string dead_verdict(const search::JobReport& r) {
  if (!r.result) return "";
  if (r.job.state == db::JobState::Diverged || r.job.state == db::JobState::Rejected)
    return fmt::format("{} at step {}: {}", db::to_string(r.job.state), r.result->diverged_step,
                       r.result->diverged_reason);
  if (r.job.state != db::JobState::Done || !std::isfinite(r.result->test_acc)) return "";
  auto spec = nlohmann::json::parse(r.job.spec_json, nullptr, false);
  const int classes = spec.is_object() && spec.contains("model") ? spec["model"].value("num_classes", 0) : 0;
  if (classes < 2 || r.result->test_acc > 1.0 / classes + 0.01) return "";
  return fmt::format("at chance ({:.1f}%)", 100 * r.result->test_acc);
}

// Successive halving, per rung (grouped by the fraction of the budget): how many jobs reached it,
// how many of them were promoted, and the best there with its lineage (the rungs it was promoted
// from). Empty for a sweep without rungs.
nlohmann::json rung_summary(db::Database& database, std::int64_t sweep) {
  std::map<std::string, std::string> label;
  for (const auto& job : database.jobs(sweep)) label[job.key] = job.label + " seed " + std::to_string(job.seed);
  std::map<std::pair<std::string, std::int64_t>, std::string> promoted;  // (key, from step) -> reason
  for (const auto& p : database.promotions(sweep)) promoted[{p.key, p.from_step}] = p.reason;
  std::map<long, nlohmann::json> rungs;  // by fraction in thousandths
  for (const auto& r : database.rungs(sweep)) {
    auto& rung = rungs[std::lround(r.fraction * 1000)];
    if (rung.is_null()) rung = {{"fraction", r.fraction}, {"reached", 0}, {"promoted", 0}, {"metric", r.metric},
                                {"best", ""}, {"best_score", nullptr}, {"promotions", nlohmann::json::array()}};
    rung["reached"] = rung["reached"].get<int>() + 1;
    if (auto it = promoted.find({r.key, r.step}); it != promoted.end()) {
      rung["promoted"] = rung["promoted"].get<int>() + 1;
      rung["promotions"].push_back({{"job", label[r.key]}, {"key", r.key}, {"reason", it->second}});
    }
    if (std::isfinite(r.score) && (!rung["best_score"].is_number() || r.score > rung["best_score"].get<double>())) {
      rung["best_score"] = r.score;
      rung["best"] = label[r.key];
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& [_, rung] : rungs) out.push_back(rung);
  return out;
}

// Evolution, per generation: children bred (kept, rejected by the screen, duplicates), and the
// best member so far with its lineage (each ancestor and the mutation that made the next). Empty
// for a sweep that is not evolutionary.
nlohmann::json evolution_summary(db::Database& database, std::int64_t sweep) {
  nlohmann::json out = nlohmann::json::object();
  const auto lineage = database.lineage(sweep);
  if (lineage.empty()) return out;
  std::map<std::int64_t, std::map<std::string, int>> per_generation;
  std::map<std::string, const db::LineageRow*> by_fingerprint;
  for (const auto& row : lineage) {
    per_generation[row.generation][db::to_string(row.status)]++;
    if (row.status == db::CandidateStatus::Kept && !by_fingerprint.count(row.fingerprint))
      by_fingerprint[row.fingerprint] = &row;
  }
  out["generations"] = nlohmann::json::array();
  for (const auto& [generation, counts] : per_generation) {
    auto get = [&](const char* s) { return counts.count(s) ? counts.at(s) : 0; };
    out["generations"].push_back(
        {{"generation", generation}, {"kept", get("kept")}, {"rejected", get("rejected")}, {"duplicate", get("duplicate")}});
  }
  // The best finished member by its proxy metric (accuracy, or lowest FID), and how it came about.
  const auto reports = search::job_reports(database, sweep);
  auto best = std::find_if(reports.begin(), reports.end(), [&](const search::JobReport& r) {
    return r.job.state == db::JobState::Done && by_fingerprint.count(r.job.fingerprint);
  });
  out["best"] = nullptr;
  if (best != reports.end()) {
    std::vector<nlohmann::json> chain;  // newest first, reversed below
    std::set<std::string> visited;
    for (const db::LineageRow* row = by_fingerprint[best->job.fingerprint]; row && visited.insert(row->fingerprint).second;) {
      chain.push_back(nlohmann::json{{"expression", row->expression}, {"generation", row->generation}, {"mutation", row->mutation}});
      auto parent = by_fingerprint.find(row->parent);
      row = parent == by_fingerprint.end() ? nullptr : parent->second;
    }
    std::reverse(chain.begin(), chain.end());
    out["best"] = {{"expression", best->job.label},
                   {"test_acc", number(best->result->test_acc)},
                   {"fid", number(best->result->fid)},
                   {"lineage", chain}};
  }
  return out;
}

// A run directory as the database stores it: relative to where `fsearch run` ran, which need not
// be here. Tried as it is, then against the database's folder and each folder above it (a
// database in docs/results/ of a checkout stores docs/results/runs/...).
std::filesystem::path locate_run_dir(const std::string& stored, const std::string& db) {
  const std::filesystem::path path(stored);
  if (path.is_absolute() || std::filesystem::exists(path)) return path;
  for (auto dir = std::filesystem::absolute(db).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / path)) return dir / path;
    if (dir == dir.root_path()) break;
  }
  return path;
}

// The jobs that did not learn, grouped by cell (function, proxy, lr) in the order they come.
std::vector<std::vector<nlohmann::json>> dead_by_cell(const nlohmann::json& dead) {
  std::vector<std::vector<nlohmann::json>> groups;
  std::map<std::tuple<std::string, std::string, double>, std::size_t> index;
  for (const auto& d : dead) {
    const auto cell = std::make_tuple(d["function"].get<std::string>(), d["proxy"].get<std::string>(),
                                      d["lr"].get<double>());
    auto [it, added] = index.emplace(cell, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(d);
  }
  return groups;
}

// The seconds of one job slot that the timed part of `left` needs.
double timed_seconds(const std::vector<search::ProxyWork>& left) {
  double seconds = 0;
  for (const auto& w : left)
    if (std::isfinite(w.seconds())) seconds += w.seconds();
  return seconds;
}

// "  work left: vit-tiny 24.1 job(s) x 6m (median of 251 finished) = 2.5h of one job slot; about
// 74m at the 2 job(s) running now", and a line for the proxies that no finished job times yet.
void print_work_left(const std::vector<search::ProxyWork>& left, int running) {
  std::string parts, untimed;
  for (const auto& w : left) {
    if (!std::isfinite(w.job_seconds)) {
      untimed += fmt::format("{}{} {:.1f} job(s)", untimed.empty() ? "" : "; ", w.proxy, w.jobs);
      continue;
    }
    const std::string from = w.timed > 0 ? fmt::format("median of {} finished", w.timed)
                                         : fmt::format("pace of {} running, final evaluation not counted", w.observed);
    parts += fmt::format("{}{} {:.1f} job(s) x {} ({})", parts.empty() ? "" : "; ", w.proxy, w.jobs,
                         duration_text(w.job_seconds), from);
  }
  const double seconds = timed_seconds(left);
  if (!parts.empty()) {
    std::cout << fmt::format("  work left: {} = {} of one job slot", parts, duration_text(seconds));
    if (running > 0)
      std::cout << fmt::format("; about {} at the {} job(s) running now", duration_text(seconds / running), running);
    std::cout << "\n";
  }
  if (!untimed.empty())
    std::cout << fmt::format("  work left, not timed yet (no job of the proxy finished or logged a step): {}\n",
                             untimed);
}

// What running jobs say of themselves in their events.jsonl (search/eta.h), each read once and
// at one moment, so that a sweep's work left and the total over sweeps sharing the job agree.
class RunningJobs {
 public:
  explicit RunningJobs(std::string db) : db_(std::move(db)), now_(unix_now()) {}
  search::RunningJob operator()(const db::JobRow& job) {
    auto it = read_.find(job.key);
    if (it == read_.end())
      it = read_.emplace(job.key, search::running_job(job, locate_run_dir(job.run_dir, db_), now_)).first;
    return it->second;
  }

 private:
  std::string db_;
  double now_;
  std::map<std::string, search::RunningJob> read_;
};

struct StatusCommand {
  std::string db = kDefaultDatabase;
  bool json = false;
  int best = 5;
  int limit = 10;  // lines per list (did not learn, failures); 0: all
  std::vector<std::string> only;  // --sweep: these sweeps, not every one

  int run() const {
    if (!std::filesystem::exists(db)) {
      throw ConfigError("no database at " + db, "run a sweep first: fsearch run --space configs/space.yaml");
    }
    db::Database database(db, db::Access::ReadOnly);
    nlohmann::json out = nlohmann::json::array();
    if (auto holder = database.lock_holder(); holder && !json) {
      const auto here = this_machine();
      const double now = unix_now();
      if (db::Database::lock_is_live(*holder, here, now, process_alive)) {
        std::cout << fmt::format("in use by fsearch run, pid {} on {}\n", holder->pid, holder->machine.host);
      } else if (holder->machine.same_boot_as(here)) {
        std::cout << fmt::format(
            "not in use: fsearch run, pid {}, stopped without releasing its lock; "
            "the next run takes it over\n",
            holder->pid);
      } else {  // e.g. a database committed while its sweep ran, now on a fresh machine
        const char* where = holder->machine.boot_id.empty()
                                ? "an fsearch before schema 9, which did not record the boot"
                                : "another machine or an earlier boot";
        std::cout << fmt::format(
            "not in use: the lock of fsearch run, pid {} on {} ({}), was last refreshed {} ago; "
            "the next run takes it over\n",
            holder->pid, holder->machine.host, where, duration_text(now - holder->heartbeat_at));
      }
    }
    if (!json) {  // which feature extractor the FIDs are in (fsearch run keeps a database to its own)
      const auto extractors = database.fid_extractors();
      for (const auto& [id, count] : extractors)
        std::cout << fmt::format("FID extractor: {}, {} FID{}{}\n", id, count, count == 1 ? "" : "s",
                                 extractors.size() > 1 ? " (FIDs of different extractors are not comparable)" : "");
    }
    const auto sweeps = database.sweeps();
    std::vector<std::string> names;
    for (const auto& [id, name] : sweeps) names.push_back(name);
    for (const auto& wanted : only) {
      if (std::find(names.begin(), names.end(), wanted) == names.end()) {
        const auto guess = fsearch::did_you_mean(wanted, names);
        throw ConfigError("--sweep: no sweep '" + wanted + "' in " + db,
                          (guess.empty() ? "" : guess + " ") + fmt::format("Its sweeps: {}", fmt::join(names, ", ")));
      }
    }
    // Every sweep's jobs: the finished ones time the work left of any sweep with the same proxy and budget.
    auto reports_of = search::job_reports_by_sweep(database);
    const auto every_job = search::flattened(reports_of);
    RunningJobs running_jobs(db);
    for (const auto& [id, name] : sweeps) {
      if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
      auto counts = database.job_counts(id);
      nlohmann::json candidates = nlohmann::json::object();  // kept, rejected, duplicate -> count
      for (const auto& [status, count] : database.candidate_counts(id)) candidates[db::to_string(status)] = count;
      const auto& reports = reports_of[id];
      nlohmann::json sweep = {
          {"sweep", name}, {"jobs", nlohmann::json::object()}, {"candidates", candidates}};
      for (auto state : db::kJobStates) sweep["jobs"][db::to_string(state)] = counts.count(state) ? counts.at(state) : 0;
      // Jobs per proxy and state, proxies in planning order: a sweep over several proxies, some of
      // them trained first (`fsearch run --proxies`), shows which columns stand where.
      sweep["proxies"] = nlohmann::json::array();
      for (const auto& job : database.jobs(id)) {
        auto it = std::find_if(sweep["proxies"].begin(), sweep["proxies"].end(),
                               [&](const nlohmann::json& p) { return p["proxy"] == job.proxy; });
        if (it == sweep["proxies"].end()) {
          nlohmann::json entry = {{"proxy", job.proxy}, {"jobs", nlohmann::json::object()}};
          for (auto state : db::kJobStates) entry["jobs"][db::to_string(state)] = 0;
          sweep["proxies"].push_back(entry);
          it = std::prev(sweep["proxies"].end());
        }
        auto& n = (*it)["jobs"][db::to_string(job.state)];
        n = n.get<int>() + 1;
      }
      // Results set aside by `fsearch run --retrain-build`, per build that had recorded them.
      sweep["replaced"] = nlohmann::json::object();
      for (const auto& [key, build] : database.replaced_builds(id)) {
        auto& n = sweep["replaced"][build.empty() ? "(not recorded)" : build];
        n = n.is_number() ? n.get<int>() + 1 : 1;
      }
      sweep["rungs"] = rung_summary(database, id);
      sweep["evolution"] = evolution_summary(database, id);
      sweep["best"] = nlohmann::json::array();
      sweep["failures"] = nlohmann::json::array();
      sweep["slurm"] = nlohmann::json::array();
      sweep["dead"] = nlohmann::json::array();
      sweep["running"] = nlohmann::json::array();
      for (const auto& r : reports) {
        if (r.job.state == db::JobState::Running) {
          const auto progress = jobs::read_progress(jobs::RunDir{locate_run_dir(r.job.run_dir, db)});
          sweep["running"].push_back({{"function", r.job.label},
                                      {"proxy", r.job.proxy},
                                      {"lr", r.job.lr},
                                      {"seed", r.job.seed},
                                      {"step", progress.step},
                                      {"total_steps", progress.total_steps},
                                      {"evaluating", progress.evaluating()},
                                      {"seconds", r.job.started_at > 0 ? unix_now() - r.job.started_at : 0.0}});
        }
        if (auto verdict = dead_verdict(r); !verdict.empty()) {
          auto result = nlohmann::json::parse(r.result->result_json, nullptr, false);
          const auto diagnostics =
              result.is_object() && result.contains("diagnostics") ? result["diagnostics"] : nlohmann::json();
          sweep["dead"].push_back({{"function", r.job.label},
                                   {"proxy", r.job.proxy},
                                   {"lr", r.job.lr},
                                   {"seed", r.job.seed},
                                   {"verdict", verdict},
                                   {"explanation", jobs::explain_diagnostics(diagnostics)}});
        }
        if (r.job.state == db::JobState::Done && static_cast<int>(sweep["best"].size()) < best) {
          sweep["best"].push_back({{"function", r.job.label},
                                   {"proxy", r.job.proxy},
                                   {"shift", r.job.shift},
                                   {"lr", r.job.lr},
                                   {"seed", r.job.seed},
                                   {"test_acc", number(r.result->test_acc)},
                                   {"fid", number(r.result->fid)}});
        }
        if (!r.job.slurm_id.empty() &&
            (r.job.state == db::JobState::Running || r.job.timeouts > 0 || r.job.preemptions > 0)) {
          sweep["slurm"].push_back({{"function", r.job.label},
                                    {"proxy", r.job.proxy},
                                    {"state", db::to_string(r.job.state)},
                                    {"slurm_id", r.job.slurm_id},
                                    {"slurm_state", r.job.slurm_state},
                                    {"timeouts", r.job.timeouts},
                                    {"preemptions", r.job.preemptions}});
        }
        if (r.job.state == db::JobState::Failed ||
            (r.job.state == db::JobState::Pending && !r.job.error.empty())) {
          // Whether its next start continues a checkpoint here: a database committed on another
          // machine, or copied without its runs, has none, and the job trains from the start.
          const bool checkpoint =
              std::filesystem::exists(jobs::RunDir{locate_run_dir(r.job.run_dir, db)}.checkpoint());
          sweep["failures"].push_back({{"function", r.job.label},
                                       {"key", r.job.key},
                                       {"state", db::to_string(r.job.state)},
                                       {"attempts", r.job.attempts},
                                       {"error", r.job.error},
                                       {"log_tail", r.job.log_tail},
                                       {"run_dir", r.job.run_dir},
                                       {"checkpoint", checkpoint}});
        }
      }
      // What is left, per proxy, in time of one job slot, and at the pace of the jobs running now.
      const auto left =
          search::work_left(reports, every_job, std::ref(running_jobs));
      sweep["work_left"] = nlohmann::json::array();
      for (const auto& w : left) {
        sweep["work_left"].push_back({{"proxy", w.proxy},
                                      {"budget", w.budget},
                                      {"jobs", w.jobs},
                                      {"job_seconds", number(w.job_seconds)},
                                      {"timed_jobs", w.timed},
                                      {"observed_jobs", w.observed},
                                      {"seconds", number(w.seconds())}});
      }
      const int running = sweep["jobs"]["running"].get<int>();
      sweep["eta_seconds"] = nlohmann::json(nullptr);  // at the running jobs' pace; timed work only
      if (running > 0 && timed_seconds(left) > 0) sweep["eta_seconds"] = timed_seconds(left) / running;
      out.push_back(sweep);
      if (json) continue;
      auto more_lines = [&](int total, const char* what) {
        if (limit > 0 && total > limit)
          std::cout << fmt::format("  ... {} more {}: --limit 0 or --json shows them\n", total - limit, what);
      };
      std::string line = fmt::format("sweep {}: jobs done {} | running {} | pending {} | diverged {} | failed {}",
                                     name, sweep["jobs"]["done"].get<int>(), sweep["jobs"]["running"].get<int>(),
                                     sweep["jobs"]["pending"].get<int>(), sweep["jobs"]["diverged"].get<int>(),
                                     sweep["jobs"]["failed"].get<int>());
      for (const char* state : {"paused", "rejected"}) {  // only sweeps with a strategy or a probe have them
        if (int n = sweep["jobs"][state].get<int>()) line += fmt::format(" | {} {}", state, n);
      }
      std::cout << line << "\n";
      if (sweep["proxies"].size() > 1) {
        std::string by;
        for (const auto& p : sweep["proxies"]) {
          std::string states;
          for (auto state : db::kJobStates) {
            if (int n = p["jobs"][db::to_string(state)].get<int>())
              states += fmt::format("{}{} {}", states.empty() ? "" : ", ", n, db::to_string(state));
          }
          by += fmt::format("{}{}: {}", by.empty() ? "" : "; ", p["proxy"].get<std::string>(), states);
        }
        std::cout << "  by proxy: " << by << "\n";
      }
      print_work_left(left, running);
      if (const auto& ev = sweep["evolution"]; ev.contains("generations")) {
        for (const auto& g : ev["generations"]) {
          std::cout << fmt::format("  generation {}: {} kept, {} rejected by the screen, {} duplicates\n",
                                   g["generation"].get<int>(), g["kept"].get<int>(), g["rejected"].get<int>(),
                                   g["duplicate"].get<int>());
        }
        if (ev["best"].is_object()) {
          std::cout << fmt::format("  best member so far: {}; lineage: ", ev["best"]["expression"].get<std::string>());
          bool first = true;
          for (const auto& step : ev["best"]["lineage"]) {
            if (!first) std::cout << fmt::format(" --{}--> ", step["mutation"].get<std::string>());
            std::cout << fmt::format("{} (generation {})", step["expression"].get<std::string>(),
                                     step["generation"].get<int>());
            first = false;
          }
          std::cout << "\n";
        }
      }
      for (const auto& rung : sweep["rungs"]) {
        std::cout << fmt::format("  rung at {:>5.1f}% of the budget: {} reached, {} promoted; best {} {}{}\n",
                                 100 * rung["fraction"].get<double>(), rung["reached"].get<int>(),
                                 rung["promoted"].get<int>(), rung["best"].get<std::string>(),
                                 rung["metric"].get<std::string>(), rung["best_score"].is_number()
                                     ? fmt::format(" {:.4g}", rung["best_score"].get<double>())
                                     : "");
        int shown = 0;
        for (const auto& p : rung["promotions"]) {
          if (++shown > best) break;
          std::cout << fmt::format("    promoted {}: {}\n", p["job"].get<std::string>(), p["reason"].get<std::string>());
        }
        if (const int more = static_cast<int>(rung["promotions"].size()) - best; more > 0)
          std::cout << fmt::format("    ... {} more promotion(s): --best {} or --json shows them\n", more,
                                   rung["promotions"].size());
      }
      std::cout << fmt::format("  candidates: {} kept, {} rejected, {} duplicates\n",
                               candidates.value("kept", 0), candidates.value("rejected", 0),
                               candidates.value("duplicate", 0));
      if (!sweep["replaced"].empty()) {
        std::string builds;
        int total = 0;
        for (const auto& [build, n] : sweep["replaced"].items()) {
          builds += fmt::format("{}{}: {}", builds.empty() ? "" : ", ", build, n.get<int>());
          total += n.get<int>();
        }
        std::cout << fmt::format("  replaced: {} result(s) of builds trained again (--retrain-build; {}); the old "
                                 "ones are in the table replaced_results\n",
                                 total, builds);
      }
      for (const auto& j : sweep["running"]) {
        const auto step = j["step"].get<std::int64_t>(), total = j["total_steps"].get<std::int64_t>();
        const std::string where =
            total <= 0                     ? "starting"
            : j["evaluating"].get<bool>() ? fmt::format("all {} steps trained, evaluating (DiT: sampling)", total)
                                           : fmt::format("step {} of {} ({:.0f}%)", step, total, 100.0 * step / total);
        std::cout << fmt::format("  running: {:<33} {:<10} lr {:<8.2g} seed {:<3} {}, for {:.0f} min\n",
                                 j["function"].get<std::string>(), j["proxy"].get<std::string>(),
                                 j["lr"].get<double>(), j["seed"].get<long>(), where,
                                 j["seconds"].get<double>() / 60);
      }
      for (const auto& b : sweep["best"]) {
        std::string metric = b["fid"].is_number() ? fmt::format("FID {:.2f}", b["fid"].get<double>())
                             : b["test_acc"].is_number()
                                 ? fmt::format("{:.2f}%", 100 * b["test_acc"].get<double>())
                                 : "-";
        std::cout << fmt::format("  best: {:<36} {:<10} {:<7} lr {:<8.2g} seed {:<3} {}\n",
                                 b["function"].get<std::string>(), b["proxy"].get<std::string>(),
                                 b["shift"].get<std::string>(), b["lr"].get<double>(), b["seed"].get<long>(),
                                 metric);
      }
      for (const auto& j : sweep["slurm"]) {
        std::cout << fmt::format("  slurm {:<14} {:<12} {:<36} {:<10} {} time limit(s), {} preemption(s)\n",
                                 j["slurm_id"].get<std::string>(), j["slurm_state"].get<std::string>(),
                                 j["function"].get<std::string>(), j["proxy"].get<std::string>(),
                                 j["timeouts"].get<int>(), j["preemptions"].get<int>());
      }
      // A cell's seeds usually fail alike: one line per (function, proxy, lr) with its seeds, the
      // first seed's verdict and diagnostics (--json has every job's).
      const auto groups = dead_by_cell(sweep["dead"]);
      int shown = 0;
      for (const auto& g : groups) {
        if (limit > 0 && ++shown > limit) break;
        const auto& d = g.front();
        const auto why = d["explanation"].get<std::string>();
        std::vector<long> seeds;
        for (const auto& j : g) seeds.push_back(j["seed"].get<long>());
        std::cout << fmt::format("  did not learn: {:<28} {:<10} lr {:<8.2g} {}: {}{}\n",
                                 d["function"].get<std::string>(), d["proxy"].get<std::string>(),
                                 d["lr"].get<double>(),
                                 seeds.size() > 1 ? fmt::format("seeds {}; seed {}", fmt::join(seeds, ", "), seeds.front())
                                                  : fmt::format("seed {}", seeds.front()),
                                 d["verdict"].get<std::string>(), why.empty() ? "" : "\n      " + why);
      }
      more_lines(static_cast<int>(groups.size()), "cell(s) that did not learn");
      shown = 0;
      for (const auto& f : sweep["failures"]) {
        if (limit > 0 && ++shown > limit) break;
        std::cout << fmt::format("  {}: {} after {} attempt(s): {} ({}{})\n", f["state"].get<std::string>(),
                                 f["function"].get<std::string>(), f["attempts"].get<int>(),
                                 f["error"].get<std::string>(), f["run_dir"].get<std::string>(),
                                 f["checkpoint"].get<bool>() ? "" : "; no checkpoint there: it trains from the start");
      }
      more_lines(static_cast<int>(sweep["failures"].size()), "failed or retrying job(s)");
    }
    // Over every sweep shown, when there are several: each job once, however many sweeps share it.
    if (!json && out.size() > 1) {
      std::vector<search::JobReport> distinct;
      std::set<std::string> keys;
      int running = 0;
      for (const auto& [id, name] : sweeps) {
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        for (const auto& r : reports_of[id]) {
          if (!keys.insert(r.job.key).second) continue;
          distinct.push_back(r);
          running += r.job.state == db::JobState::Running;
        }
      }
      const auto left =
          search::work_left(distinct, every_job, std::ref(running_jobs));
      if (!left.empty()) {
        std::cout << fmt::format("all {} sweeps ({} distinct jobs; one shared by several sweeps counts once):\n",
                                 out.size(), distinct.size());
        print_work_left(left, running);
      }
    }
    if (json) std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
};

}  // namespace

Command register_status(CLI::App& app) {
  auto command = std::make_shared<StatusCommand>();
  CLI::App* sub =
      app.add_subcommand("status",
                         "Show each sweep: jobs per state, the work left (per proxy, timed by its finished jobs' "
                         "median wall time), running jobs, the best candidates, failures");
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--best", command->best, "How many of the best jobs to show")
      ->capture_default_str()
      ->check(whole_number());
  sub->add_option("--sweep", command->only, "Show only this sweep (repeatable); default: every sweep")
      ->type_name("NAME");
  sub->add_option("--limit", command->limit,
                  "How many lines each list shows (cells that did not learn, failed or retrying jobs); 0 shows all")
      ->capture_default_str()
      ->check(whole_number());
  sub->add_flag("--json", command->json, "Print JSON (every job, whatever --limit says)");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
