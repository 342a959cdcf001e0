#include "fsearch/search/sweep.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/core/hash.h"
#include "fsearch/core/names.h"
#include "fsearch/core/process.h"
#include "fsearch/functions/transforms.h"
#include "fsearch/jobs/data_files.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/proxy_files.h"
#include "fsearch/jobs/run_dir.h"
#include "fsearch/properties/json.h"
#include "fsearch/search/evolution.h"
#include "fsearch/search/expand.h"
#include "fsearch/search/halving.h"
#include "fsearch/search/plan.h"
#include "fsearch/search/retrain.h"
#include "database_lock.h"

namespace fsearch::search {
namespace {

// A proxy whose data set is not in its folder would fail every job it plans. Local workers read it
// here: bad input, refused before the database is made. Slurm tasks read it on their nodes, which
// may have it where this machine does not: said, not refused.
void check_data_of_proxies(const Space& space, BackendKind backend,
                           const std::function<void(const std::string&)>& say) {
  for (const auto& proxy : space.proxies) {
    jobs::JobSpec spec;
    jobs::read_proxy_file(proxy, spec);
    try {
      jobs::find_data_files(spec.data);
    } catch (const ConfigError& e) {
      if (backend == BackendKind::Local) throw ConfigError(proxy + ": " + e.what(), e.hint());
      say("note: " + proxy + ": " + e.what() + " on this machine; the Slurm tasks must find it on their nodes");
    }
  }
}

// A job still to train whose run directory is not here (a database committed on another machine
// or copied without its runs, docs/results/README.md; a running one is requeued when the backend
// adopts the sweep) gets its job.json again, from the plan: its key is the same by construction.
// Without its checkpoint it trains from the start. A job paused at a rung is one still to train:
// a promotion edits its job.json and continues it (from the start here, to the same numbers).
// The plan's job.json pauses at the first rung; a job promoted since pauses where its latest
// promotion (`promoted_to`, by key: the fraction of the budget; 1 = the end) says, which the
// database keeps and the lost job.json held.
// With --retry-rejected, a rejected job is one still to train too.
void restore_run_dir(db::Database& db, const PlannedJob& p, bool retry_rejected,
                     const std::map<std::string, double>& promoted_to) {
  const auto row = db.job(p.row.key);
  const bool to_train = row && (row->state == db::JobState::Pending || row->state == db::JobState::Running ||
                                row->state == db::JobState::Failed || row->state == db::JobState::Paused ||
                                (retry_rejected && row->state == db::JobState::Rejected));
  if (!to_train) return;
  if (std::filesystem::exists(jobs::RunDir{row->run_dir}.job())) return;
  jobs::prepare_run_dir(p.spec, row->run_dir);
  if (auto it = promoted_to.find(row->key); it != promoted_to.end())
    jobs::set_pause_at(row->run_dir, it->second >= 1 ? 0 : it->second);
}

// Each job's latest promotion in the sweep: the fraction of the budget it was promoted to.
std::map<std::string, double> latest_promotions(db::Database& db, std::int64_t sweep) {
  std::map<std::string, std::pair<std::int64_t, double>> latest;  // key -> (from_step, to_fraction)
  for (const auto& p : db.promotions(sweep)) {
    auto [it, added] = latest.try_emplace(p.key, p.from_step, p.to_fraction);
    if (!added && p.from_step >= it->second.first) it->second = {p.from_step, p.to_fraction};
  }
  std::map<std::string, double> out;
  for (const auto& [key, step_fraction] : latest) out[key] = step_fraction.second;
  return out;
}

// Never trained: its run directory holds nothing but job.json, if it exists at all.
bool run_dir_unstarted(const std::string& run_dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, error)) {
    if (entry.path().filename() != jobs::RunDir{run_dir}.job().filename()) return false;
  }
  return true;
}

// --drop-unplanned: returns how many jobs left the sweep. Run directories of jobs that left the
// database go after the transaction, so that a rollback never leaves a job without its job.json.
int drop_unplanned(db::Database& db, std::int64_t sweep, const std::vector<PlannedJob>& planned) {
  std::set<std::string> listed;
  for (const auto& p : planned) listed.insert(p.row.key);
  int dropped = 0;
  std::vector<std::string> gone;
  db.transaction([&] {
    for (const auto& job : db.jobs(sweep, db::JobState::Pending)) {
      if (listed.count(job.key) || !run_dir_unstarted(job.run_dir)) continue;
      const auto how = db.drop_unstarted_job(sweep, job.key);
      dropped += how != db::Database::Dropped::Started;
      if (how == db::Database::Dropped::FromDatabase) gone.push_back(job.run_dir);
    }
  });
  for (const auto& run_dir : gone) {
    std::error_code ignored;  // a folder left behind is harmless: planned again, the job reuses it
    std::filesystem::remove_all(run_dir, ignored);
  }
  return dropped;
}

// "N jobs (n new; f already finished[, p paused at a rung])", counted over this plan's jobs. A
// sweep run before with other seeds, lrs, budget or cells holds jobs this plan does not list; the
// loop trains the sweep's pending jobs, those too (unless --drop-unplanned took them out), so the
// line says how many there are.
std::string plan_summary(db::Database& db, std::int64_t sweep, const std::vector<PlannedJob>& planned,
                         int jobs_new) {
  std::map<std::string, db::JobState> others;  // the sweep's jobs; this plan's are taken out below
  for (const auto& row : db.jobs(sweep)) others[row.key] = row.state;
  int finished = 0, paused = 0;
  for (const auto& p : planned) {
    const auto it = others.find(p.row.key);
    if (it == others.end()) continue;
    finished += it->second == db::JobState::Done || it->second == db::JobState::Diverged ||
                it->second == db::JobState::Rejected;
    paused += it->second == db::JobState::Paused;
    others.erase(it);
  }
  int others_to_train = 0;
  for (const auto& [key, state] : others)
    others_to_train += state == db::JobState::Pending || state == db::JobState::Running;
  std::string line = std::to_string(planned.size()) + " jobs (" + std::to_string(jobs_new) + " new; " +
                     std::to_string(finished) + " already finished" +
                     (paused > 0 ? ", " + std::to_string(paused) + " paused at a rung" : std::string()) + ")";
  if (!others.empty())
    line += "; the sweep holds " + std::to_string(others.size()) +
            " more from earlier runs (other seeds, lrs, budget or cells)" +
            (others_to_train > 0 ? ", " + std::to_string(others_to_train) +
                                       " of them still to train, which this run trains too (--drop-unplanned "
                                       "takes those that never started out of the sweep)"
                                 : std::string());
  return line;
}

// "0, 1, 2"
std::string join_numbers(const std::vector<std::int64_t>& numbers) {
  std::vector<std::string> names;
  for (const auto n : numbers) names.push_back(std::to_string(n));
  return join_names(names);
}

// --proxies names proxies of the space and --only-seeds seeds of the plan, in a grid sweep; checked
// before anything is recorded. A halving or evolution sweep decides on all of its jobs' results
// together, so a narrowed run would leave its decisions waiting.
void check_scope(const Space& space, const std::string& space_file, const JobScope& scope) {
  if (!scope.narrowed()) return;
  const std::string flag = scope.proxies.empty() ? "--only-seeds" : "--proxies";
  if (space.strategy != StrategyKind::Grid)
    throw ConfigError(flag + ": " + space_file + " uses strategy " + to_string(space.strategy) +
                          ", whose decisions need every job's results",
                      "only grid sweeps train some of their jobs first; run without " + scope.flags());
  std::vector<std::string> known;
  for (const auto& file : space.proxies) {
    jobs::JobSpec spec;
    jobs::read_proxy_file(file, spec);
    known.push_back(spec.model.name);
  }
  for (const auto& name : scope.proxies) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    const std::string hint = did_you_mean(name, known);
    throw ConfigError("--proxies: '" + name + "' is not a proxy of " + space_file + " (its proxies: " +
                          join_names(known) + ")",
                      hint.empty() ? "name one of the space's proxies" : hint);
  }
  for (const auto seed : scope.seeds) {
    if (std::find(space.seeds.begin(), space.seeds.end(), seed) != space.seeds.end()) continue;
    throw ConfigError("--only-seeds: " + std::to_string(seed) + " is not a seed of this run (its seeds: " +
                          join_numbers(space.seeds) + ")",
                      "name seeds the plan has, or add it to --seeds");
  }
}

// What a narrowed run leaves: "--proxies vit-tiny: this run trains the sweep's 51 job(s) of
// vit-tiny; 306 job(s) of dit-b, dit-l stay pending (the same command without --proxies trains them)".
std::string scope_summary(db::Database& db, std::int64_t sweep, const JobScope& scope) {
  int in = 0, out_to_train = 0;
  std::vector<std::string> other_proxies;
  std::vector<std::int64_t> other_seeds;
  for (const auto& job : db.jobs(sweep)) {
    if (scope.admits(job)) {
      ++in;
      continue;
    }
    if (job.state != db::JobState::Pending && job.state != db::JobState::Running) continue;
    ++out_to_train;
    if (std::find(other_proxies.begin(), other_proxies.end(), job.proxy) == other_proxies.end())
      other_proxies.push_back(job.proxy);
    if (std::find(other_seeds.begin(), other_seeds.end(), job.seed) == other_seeds.end())
      other_seeds.push_back(job.seed);
  }
  std::sort(other_seeds.begin(), other_seeds.end());
  // "of dit-b", "of seed 0", "of dit-b, seeds 1, 2": what the scope names, and only that.
  auto of = [&](const std::vector<std::string>& proxies, const std::vector<std::int64_t>& seeds) {
    std::vector<std::string> parts;
    if (!scope.proxies.empty()) parts.push_back(join_names(proxies));
    if (!scope.seeds.empty()) parts.push_back((seeds.size() == 1 ? "seed " : "seeds ") + join_numbers(seeds));
    return " of " + join_names(parts);
  };
  const std::string flags = scope.flags();
  const std::string line =
      flags + ": this run trains the sweep's " + std::to_string(in) + " job(s)" + of(scope.proxies, scope.seeds);
  if (out_to_train == 0) return line;
  return line + "; " + std::to_string(out_to_train) + " job(s)" + of(other_proxies, other_seeds) +
         " stay pending (the same command without " +
         (scope.proxies.empty() || scope.seeds.empty() ? flags.substr(0, flags.find(' '))
                                                         : std::string("--proxies and --only-seeds")) +
         " trains them)";
}

// The specs of the plan's jobs that this run may train: new ones, unfinished ones and finished
// ones that --retrain-build queues again.
std::vector<jobs::JobSpec> still_to_train(db::Database& db, const std::vector<PlannedJob>& planned,
                                          const std::set<std::string>& to_retrain) {
  std::vector<jobs::JobSpec> out;
  for (const auto& p : planned) {
    const auto job = db.job(p.row.key);
    const bool finished = job && (job->state == db::JobState::Done || job->state == db::JobState::Diverged ||
                                  job->state == db::JobState::Rejected);
    if (!finished || to_retrain.count(p.row.key)) out.push_back(p.spec);
  }
  return out;
}

}  // namespace

SweepOutcome run_sweep(const std::string& space_file, const SweepOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.say) options.say(line);
  };
  Space space = load_space(space_file);
  if (!options.seeds.empty()) space.seeds = options.seeds;
  check_scope(space, space_file, options.loop.scope);
  if (options.retry_rejected && space.strategy != StrategyKind::Grid) {  // before anything is recorded
    throw ConfigError("--retry-rejected: " + space_file + " uses strategy " + to_string(space.strategy) +
                          ", which has already decided on its rejected jobs' scores",
                      "only grid sweeps continue rejected jobs; plan the cells again in a grid space");
  }
  if (!options.retrain_builds.empty() && space.strategy != StrategyKind::Grid) {
    throw ConfigError("--retrain-build: " + space_file + " uses strategy " + to_string(space.strategy) +
                          ", whose decisions were taken on the results it would replace",
                      "only grid sweeps train jobs again; plan the cells again in a grid space");
  }
  if (options.drop_unplanned && space.strategy != StrategyKind::Grid) {
    throw ConfigError("--drop-unplanned: " + space_file + " uses strategy " + to_string(space.strategy) +
                          ", whose sweep holds jobs its plan does not list (promotions, later generations)",
                      "only grid sweeps drop jobs; run without --drop-unplanned");
  }
  for (const auto& build : options.retrain_builds) check_build_text(build);
  if (const double n = count_candidates(space); n > options.max_candidates) {
    std::ostringstream count;
    count.precision(3);
    count << n;
    throw ConfigError(space_file + ": the space makes up to " + count.str() + " candidates (" +
                          std::to_string(space.primitives.size()) + " primitives, " +
                          std::to_string(space.transforms.size()) + " transforms, depth " +
                          std::to_string(space.depth) + "), more than --max-candidates " +
                          std::to_string(static_cast<long long>(options.max_candidates)),
                      "narrow the space (fewer values or a smaller depth), or raise --max-candidates");
  }
  // Expanded and checked before anything is recorded.
  auto started = std::chrono::steady_clock::now();
  auto screened = expand(space);
  double screen_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  check_by_function(space, screened);

  check_data_of_proxies(space, options.backend, say);
  std::filesystem::path db_path(options.db_path);
  if (const auto folder = db_path.parent_path(); !folder.empty()) {
    std::error_code error;
    if (std::filesystem::create_directories(folder, error)) say("created " + folder.string() + " for the database");
    if (error)
      throw ConfigError("--db " + options.db_path + ": cannot create its folder " + folder.string() + ": " +
                            error.message(),
                        "give a database path in a folder you can write to");
  }
  const std::string runs_root =
      options.runs_root.empty() ? (db_path.parent_path() / "runs").string() : options.runs_root;
  // Before the database is made: a --runs that cannot hold run directories is bad input.
  make_directories(std::filesystem::path(runs_root) / space.name, "--runs " + runs_root);
  db::Database db(options.db_path);
  detail::DatabaseLock lock(db, options.db_path);

  SweepOutcome outcome;
  outcome.name = space.name;
  const std::string budget = options.budget.empty() ? space.budget : options.budget;
  // Checked before anything of this run is recorded: a build that trained none of the sweep's jobs
  // is a typo or the wrong sweep.
  const auto to_retrain =
      options.retrain_builds.empty()
          ? std::set<std::string>{}
          : jobs_built_by(db, db.sweep_id(space.name).value_or(-1), space.name, options.retrain_builds);
  // Evolution trains its initial population first; later generations are bred between jobs.
  const auto initial = space.strategy == StrategyKind::Evolution ? initial_population(space, screened)
                                                                  : std::vector<Screened>{};
  auto planned = plan_jobs(space, space.strategy == StrategyKind::Evolution ? initial : screened, runs_root,
                           options.budget);
  if (options.check_plan) options.check_plan(db, still_to_train(db, planned, to_retrain), [&] { lock.refresh(); });
  outcome.sweep = db.ensure_sweep(space.name, space_file, budget, unix_now());
  db.transaction([&] {
    for (const auto& s : screened) {
      db.upsert_candidate(candidate_row(s));
      db.link_candidate(outcome.sweep, to_hex(s.candidate.fingerprint), s.status, s.candidate.text);
      outcome.generated++;
      outcome.kept += s.status == db::CandidateStatus::Kept;
      outcome.rejected += s.status == db::CandidateStatus::Rejected;
      outcome.duplicates += s.status == db::CandidateStatus::Duplicate;
    }
  });
  say("sweep " + space.name + ": " + std::to_string(outcome.generated) +
      " candidates generated and screened in " + std::to_string(static_cast<int>(screen_seconds * 1000)) +
      " ms: " + std::to_string(outcome.kept) + " kept, " + std::to_string(outcome.rejected) + " rejected, " +
      std::to_string(outcome.duplicates) + " duplicates");

  if (space.strategy == StrategyKind::Evolution) record_initial_population(db, outcome.sweep, initial);
  const auto promoted_to = latest_promotions(db, outcome.sweep);
  db.transaction([&] {
    for (const auto& p : planned) {
      if (db.add_job(outcome.sweep, p.row)) {
        outcome.jobs_new++;
        jobs::prepare_run_dir(p.spec, p.row.run_dir);
      } else {
        restore_run_dir(db, p, options.retry_rejected, promoted_to);
      }
    }
  });
  outcome.jobs_total = static_cast<int>(planned.size());
  if (options.drop_unplanned) {
    const auto dropped = drop_unplanned(db, outcome.sweep, planned);
    if (dropped > 0)
      say("--drop-unplanned: " + std::to_string(dropped) +
          " job(s) of the sweep that this plan does not list and that never started were taken out of it");
  }
  say(plan_summary(db, outcome.sweep, planned, outcome.jobs_new) + ", budget " + budget + ", strategy " +
      to_string(space.strategy) + ", runs in " + runs_root + "/" + space.name);
  // With --plan-only too: queueing them again is recording, not training.
  if (!to_retrain.empty()) {
    const auto retrained = retrain(db, to_retrain, planned, unix_now());
    std::string builds = join_names(options.retrain_builds);
    say(std::to_string(retrained.queued) + " finished job(s) trained by " + builds +
        " queued again, to train from the start (old results kept in the database's replaced_results, old run "
        "directories in <run dir>.replaced-<build>)" +
        (retrained.outside_plan > 0
             ? "; " + std::to_string(retrained.outside_plan) +
                   " more of the sweep's jobs from that build are not in this plan (other seeds, lrs or budget) "
                   "and stay as they are"
             : std::string()));
  }
  if (options.plan_only) return outcome;

  if (options.retry_rejected) {
    const auto rejected = db.jobs(outcome.sweep, db::JobState::Rejected);
    for (const auto& job : rejected) {  // a run directory that was not here came from the plan above
      jobs::continue_rejected(job.run_dir);  // first: a crash here leaves the job rejected, and a rerun redoes it
      db.reopen_rejected(job.key);
    }
    if (!rejected.empty())
      say(std::to_string(rejected.size()) + " rejected job(s) queued again, to train on to the end with early "
          "rejection off");
  }
  if (options.retry_failed) {
    if (int n = db.retry_failed(outcome.sweep); n > 0)
      say(std::to_string(n) + " failed job(s) queued again, from their checkpoints");
  } else if (int failed = db.job_counts(outcome.sweep)[db::JobState::Failed]; failed > 0) {
    say(std::to_string(failed) +
        " job(s) failed earlier and stay failed (`fsearch status` shows why); --retry-failed runs them "
        "again");
  }

  LoopOptions loop = options.loop;
  loop.seeds_first = space.strategy == StrategyKind::Grid;
  if (loop.scope.narrowed()) say(scope_summary(db, outcome.sweep, loop.scope));
  loop.decide = [&] {
    const int promoted = apply_strategy(db, outcome.sweep, space, unix_now(), runs_root, options.budget);
    outcome.promoted += promoted;
    return promoted;
  };
  std::unique_ptr<Backend> backend;
  if (options.backend == BackendKind::Slurm) {
    SlurmOptions slurm = options.slurm;
    if (slurm.work_dir.empty())
      slurm.work_dir = (std::filesystem::path(runs_root) / space.name / "slurm").string();
    backend = make_slurm_backend(db, outcome.sweep, slurm, options.say);
  } else {
    backend = make_local_backend(db, outcome.sweep, options.local, options.say);
  }
  outcome.run = run_backend(db, outcome.sweep, *backend, loop);
  outcome.backend_report = backend->report();
  if (int failed = db.job_counts(outcome.sweep)[db::JobState::Failed]; failed > 0) {
    say(std::to_string(failed) +
        " job(s) failed: `fsearch status` shows why; after a fix, the same command with --retry-failed "
        "runs them again from their checkpoints.");
  }
  return outcome;
}

std::vector<JobReport> job_reports(db::Database& db, std::int64_t sweep) {
  std::map<std::string, db::RungRow> furthest;
  for (auto& rung : db.rungs(sweep)) {
    auto it = furthest.find(rung.key);
    if (it == furthest.end() || rung.step > it->second.step) furthest[rung.key] = rung;
  }
  std::vector<JobReport> out;
  for (auto& job : db.jobs(sweep)) {
    JobReport r{job, db.result(job.key), std::nullopt, std::nullopt};
    if (!job.fingerprint.empty()) r.candidate = db.candidate(job.fingerprint);
    if (auto it = furthest.find(job.key); it != furthest.end()) r.rung = it->second;
    out.push_back(std::move(r));
  }
  // Best first: finished jobs by their proxy's own metric (accuracy up, FID down), then paused
  // jobs by how far they got and their score there, then jobs that diverged or were rejected,
  // then the rest. No NaN reaches the comparison (a DiT result has no accuracy).
  auto rank = [](const JobReport& r) -> std::tuple<int, double, double> {
    auto finite = [](double v) { return std::isfinite(v) ? v : -INFINITY; };
    if (r.job.state == db::JobState::Done && r.result) {
      if (std::isfinite(r.result->fid)) return {3, 0.0, -r.result->fid};
      return {3, 0.0, finite(r.result->test_acc)};
    }
    if (r.job.state == db::JobState::Paused && r.rung) return {2, r.rung->fraction, finite(r.rung->score)};
    if (r.job.state == db::JobState::Diverged || r.job.state == db::JobState::Rejected) return {1, 0.0, 0.0};
    return {0, 0.0, 0.0};
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const JobReport& a, const JobReport& b) { return rank(a) > rank(b); });
  return out;
}

std::map<std::int64_t, std::vector<JobReport>> job_reports_by_sweep(db::Database& db) {
  std::map<std::int64_t, std::vector<JobReport>> out;
  for (const auto& [id, name] : db.sweeps()) out[id] = job_reports(db, id);
  return out;
}

std::vector<JobReport> flattened(const std::map<std::int64_t, std::vector<JobReport>>& by_sweep) {
  std::vector<JobReport> out;
  for (const auto& [id, reports] : by_sweep) out.insert(out.end(), reports.begin(), reports.end());
  return out;
}

}  // namespace fsearch::search
