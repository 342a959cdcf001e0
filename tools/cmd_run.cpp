// `fsearch run`: plan a search space's jobs into the database and run them on worker processes.
// Running the same command again continues the sweep. Exit codes: 0 the sweep ran to its end,
// 75 interrupted (run again to continue), 2 bad input or the database is in use.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "command.h"
#include "terminal.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/process.h"
#include "fsearch/search/sweep.h"
#include "fsearch/trainers/fid_pin.h"
#include "fsearch/trainers/runtime.h"

namespace fsearch::cli {
namespace {

// Exit codes: 0 every job finished (done or diverged: divergence is a result), 2 bad input,
// 3 some of the sweep's jobs failed (fsearch status shows why; --retry-failed runs them again),
// 75 interrupted (the same command continues).
constexpr int kExitJobsFailed = 3;

// Ctrl-C while `fsearch run` checks its plan (an FID extractor training in a child process).
struct StoppedBeforeTheLoop {};

struct RunCommand {
  std::string space, db = kDefaultDatabase, runs, budget, device = "cpu", devices, worker_binary;
  int workers = 0, jobs_per_device = 1, threads_per_worker = 0, top = 10;
  std::vector<std::int64_t> seeds, only_seeds;
  std::vector<std::string> proxies, retrain_builds;
  double max_candidates = 100000;
  // Slurm backend
  std::string backend = "local", partition, gres, time;
  std::vector<std::string> sbatch_args;
  int max_parallel = 0, signal_before = 60, max_timeouts = 10;
  double poll = 5;
  bool plan_only = false, retry_failed = false, retry_rejected = false, drop_unplanned = false,
       any_fid_extractor = false;

  int run(const char* self) const {
    search::SweepOptions options;
    options.db_path = db;
    options.runs_root = runs;
    options.budget = budget;
    options.seeds = seeds;
    options.loop.scope = {proxies, only_seeds};
    options.max_candidates = max_candidates;
    options.plan_only = plan_only;
    options.retry_failed = retry_failed;
    options.retry_rejected = retry_rejected;
    options.retrain_builds = retrain_builds;
    options.drop_unplanned = drop_unplanned;
    const auto& stop = stop_on_signals();
    if (any_fid_extractor) {
      ::unsetenv(trainers::kFidPinVariable);  // each worker scores with its own, whatever a caller set
    } else {
      options.check_plan = [path = db, plan_only = plan_only, &stop](db::Database& database,
                                                                      const std::vector<jobs::JobSpec>& to_train,
                                                                      const std::function<void()>& keep_lock) {
        const bool scores_fid = std::any_of(to_train.begin(), to_train.end(),
                                            [](const jobs::JobSpec& spec) { return spec.model.proxy == "dit"; });
        const auto recorded = database.fid_extractors();
        if (!scores_fid || (recorded.empty() && plan_only)) return;  // nothing to keep to, or no worker
        // In a child process: the extractor loads LibTorch's thread pools, which workers forked from
        // this process must not inherit. Training it takes minutes: the lock's heartbeat goes on.
        const auto ids = run_in_child_for_text(
            [&] {
              std::string text;
              for (const auto& id : trainers::fid_extractors_for(to_train, [](const std::string& line) {
                     std::cerr << line << "\n";
                   }))
                text += id + "\n";
              return text;
            },
            [&, refreshed = unix_now()]() mutable {
              // Ctrl-C: the child (it has this process's signal handlers) would train on to the end.
              if (stop.load()) throw StoppedBeforeTheLoop{};
              if (unix_now() - refreshed >= db::Database::kLockHeartbeatSeconds) keep_lock(), refreshed = unix_now();
            },
            0.25);
        std::vector<std::string> ours;
        std::istringstream lines(ids);
        for (std::string id; std::getline(lines, id);) ours.push_back(id);
        // Workers with a cache of their own (Slurm tasks elsewhere) check theirs before they score.
        const auto pin = trainers::pin_extractors(ours, recorded, path);
        ::setenv(trainers::kFidPinVariable, trainers::fid_pin_text(pin, path).c_str(), 1);
      };
    }
    auto& s = options.local;
    // Workers start this very binary by absolute path: argv[0] may be a bare name found through PATH,
    // which the worker's exec does not search.
    s.binary = worker_binary.empty() ? self_executable(self) : worker_binary;
    // CPU slots fork from this process, which has LibTorch loaded already (a stand-in worker given
    // with --worker-binary always runs as its own process).
    if (worker_binary.empty())
      s.serve = [](const std::string& runs_dir, int threads) { return serve_jobs(runs_dir, "", threads); };
    s.device = device;
    if (!devices.empty()) s.devices = parse_list(devices);
    s.jobs_per_device = jobs_per_device;
    s.threads_per_worker = threads_per_worker > 0 ? threads_per_worker : (device == "cpu" ? 1 : 0);
    if (workers > 0) {
      s.workers = workers;
    } else if (device == "cpu") {
      s.workers = std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) / s.threads_per_worker);
    } else {
      s.workers = static_cast<int>(std::max<std::size_t>(1, s.devices.size())) * jobs_per_device;
    }
    options.loop.stop = &stop;
    options.backend = search::parse_backend_kind(backend);
    auto& slurm = options.slurm;
    // Tasks start on other machines: they need this binary's absolute path on the shared filesystem.
    slurm.binary = worker_binary.empty() ? self_executable(self) : std::filesystem::absolute(worker_binary).string();
    slurm.partition = partition;
    slurm.gres = gres;
    slurm.time = time;
    slurm.max_parallel = max_parallel;
    slurm.sbatch_args = sbatch_args;
    slurm.threads = threads_per_worker;
    slurm.device = device == "cpu" ? "" : device;
    slurm.signal_seconds = signal_before;
    slurm.max_timeouts = max_timeouts;
    slurm.poll_seconds = poll;
    auto progress = std::make_shared<ProgressLine>();
    options.loop.on_progress = [progress](const std::map<db::JobState, int>& c, double eta) {
      auto count = [&](db::JobState st) { return c.count(st) ? c.at(st) : 0; };
      std::string line =
          fmt::format("done {} | running {} | pending {} | diverged {} | failed {}", count(db::JobState::Done),
                      count(db::JobState::Running), count(db::JobState::Pending), count(db::JobState::Diverged),
                      count(db::JobState::Failed));
      // What only a search strategy or early rejection produces, once it happens.
      if (int n = count(db::JobState::Paused)) line += fmt::format(" | paused {}", n);
      if (int n = count(db::JobState::Rejected)) line += fmt::format(" | rejected {}", n);
      // Off a terminal (logs, CI), a line only when the counts change, not the ETA.
      progress->update(line + " | ETA " + duration_text(eta), line);
    };
    options.say = [progress](const std::string& line) { progress->message(line); };

    search::SweepOutcome outcome;
    try {
      outcome = search::run_sweep(space, options);
    } catch (const StoppedBeforeTheLoop&) {
      progress.reset();
      std::cerr << "interrupted while the FID extractor trained, before anything of this run was recorded. "
                   "Run the same command again.\n";
      return 75;
    }
    options.loop.on_progress = nullptr;
    options.say = nullptr;
    progress.reset();  // ends the progress line
    if (plan_only) return 0;
    const int failed = print_ranking(outcome.sweep);
    if (!outcome.backend_report.empty()) std::cerr << outcome.backend_report << "\n";
    // What the local workers' matrix products ran on, when the environment slowed them.
    const std::string blas_note = backend == "local" && device == "cpu" ? trainers::blas_core_note() : "";
    if (!blas_note.empty()) std::cerr << blas_note << "\n";
    if (outcome.run.interrupted) {
      std::cerr << (backend == "slurm"
                        ? "stopped following the sweep; its Slurm jobs keep running. The same command adopts "
                          "them and submits what is missing.\n"
                        : "interrupted: running jobs checkpointed. Continue with the same command.\n");
      return 75;
    }
    return failed > 0 ? kExitJobsFailed : 0;
  }

  static std::vector<std::string> parse_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
      auto comma = text.find(',', start);
      out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return out;
  }

  // Prints the best jobs; returns how many of the sweep's jobs ended failed.
  int print_ranking(std::int64_t sweep) const {
    db::Database database(db);
    auto reports = search::job_reports(database, sweep);
    const int failed = static_cast<int>(std::count_if(
        reports.begin(), reports.end(), [](const auto& r) { return r.job.state == db::JobState::Failed; }));
    std::cout << fmt::format("\n{:<4} {:<36} {:<10} {:<7} {:>8} {:>5} {:>9}  {}\n", "rank", "function",
                             "proxy", "shift", "lr", "seed", "result", "state");
    int rank = 0;
    for (const auto& r : reports) {
      if (++rank > top) break;
      std::string acc = r.result && r.job.state == db::JobState::Done
                            ? (std::isnan(r.result->fid) ? fmt::format("{:.2f}%", 100 * r.result->test_acc)
                                                         : fmt::format("FID {:.2f}", r.result->fid))
                        : r.job.state == db::JobState::Diverged ? "x"
                                                                : "-";
      std::string state = db::to_string(r.job.state);
      if ((r.job.state == db::JobState::Diverged || r.job.state == db::JobState::Rejected) && r.result)
        state += " at step " + std::to_string(r.result->diverged_step);
      if (r.job.state == db::JobState::Paused && r.rung) {
        acc = r.rung->metric == "test_acc" ? fmt::format("{:.2f}%", 100 * r.rung->score)
                                           : fmt::format("loss {:.4f}", -r.rung->score);
        state += fmt::format(" at {:.0f}% of the budget", 100 * r.rung->fraction);
      }
      std::cout << fmt::format("{:<4} {:<36} {:<10} {:<7} {:>8.2g} {:>5} {:>9}  {}\n", rank, r.job.label,
                               r.job.proxy, r.job.shift, r.job.lr, r.job.seed, acc, state);
    }
    if (static_cast<int>(reports.size()) > top)
      std::cout << fmt::format("... {} more: fsearch status --db {}\n", reports.size() - top, db);
    return failed;
  }
};

}  // namespace

Command register_run(CLI::App& app, char** argv) {
  auto command = std::make_shared<RunCommand>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run a search: expand the space into candidates, screen them with the property tests, plan one\n"
      "training job per (candidate, proxy, lr, seed, layer option), and run the jobs on worker processes,\n"
      "recording everything in SQLite. Run the same command again to continue an interrupted sweep.\n"
      "Exit codes: 0 every job finished (done or diverged), 2 bad input, 3 some jobs failed\n"
      "(fsearch status shows why; --retry-failed runs them again), 75 interrupted (run it again).");
  sub->add_option("--space", command->space, "Search space file, e.g. configs/space.yaml")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--runs", command->runs, "Folder for run directories (default: <db folder>/runs)");
  sub->add_option("--workers", command->workers,
                  "Worker processes (default: CPU cores / threads per worker). On the CPU with one thread\n"
                  "each, a worker is a fork of this process (LibTorch is not loaded again); otherwise it\n"
                  "runs `fsearch worker`. 0: the default")
      ->check(whole_number());
  sub->add_option("--device", command->device, "cpu | cuda")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--devices", command->devices,
                  "CUDA devices for the workers, e.g. 0,1 (with --device cuda)");
  sub->add_option("--jobs-per-device", command->jobs_per_device, "Workers per CUDA device")
      ->capture_default_str()
      ->check(positive_whole_number());
  sub->add_option("--threads-per-worker", command->threads_per_worker,
                  "CPU threads per worker (default 1 on CPU; 0: the default)")
      ->check(whole_number());
  const CLI::Validator seed(
      [](std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : "'" + text + "' is not a seed: seeds are whole numbers >= 0";
      },
      "SEED>=0");
  sub->add_option("--seeds", command->seeds,
                  "Override the space's seeds, e.g. --seeds 0,1,2 (each cell trains once per seed; reports "
                  "show the mean and spread)")
      ->delimiter(',')
      ->check(seed);
  sub->add_option("--proxies", command->proxies,
                  "Train only these proxies' jobs (their model names), e.g. --proxies vit-tiny: a table's\n"
                  "cheap columns first. Every job is still planned; the others stay pending until a run\n"
                  "without --proxies. Grid sweeps only")
      ->delimiter(',');
  sub->add_option("--only-seeds", command->only_seeds,
                  "Train only these seeds' jobs, e.g. --only-seeds 0: one seed of every cell before any\n"
                  "cell's second (with --proxies, of those proxies). Every job is still planned; the others\n"
                  "stay pending until a run without --only-seeds. Grid sweeps only")
      ->delimiter(',')
      ->check(seed);
  sub->add_option("--max-candidates", command->max_candidates,
                  "Refuse a space that would make more candidates than this (counted before expanding)")
      ->capture_default_str()
      ->check(positive_number());
  sub->add_option("--budget", command->budget,
                  "Override the space's budget: default | quick (one epoch) | smoke (seconds)");
  sub->add_flag("--plan-only", command->plan_only, "Record candidates and jobs, run nothing");
  sub->add_flag("--retry-failed", command->retry_failed,
                "Run the sweep's failed jobs again with fresh attempts, from their checkpoints (they stay "
                "failed otherwise; `fsearch status` shows why they failed)");
  sub->add_flag("--retry-rejected", command->retry_rejected,
                "Train the sweep's rejected jobs (early rejection: not learning after a short probe) on to the "
                "end with rejection off, from their checkpoints: to confirm that a rejection was not premature. "
                "Grid sweeps only");
  sub->add_flag("--drop-unplanned", command->drop_unplanned,
                "Take out of the sweep its jobs that this plan does not list and that never started (they\n"
                "would train otherwise): after narrowing the space, its seeds or lrs. Finished jobs and their\n"
                "results stay. Grid sweeps only");
  sub->add_flag("--any-fid-extractor", command->any_fid_extractor,
                "Score FIDs with the extractor this machine's cache gives even when the database's FIDs were\n"
                "scored by another (two machines' feature CNNs differ; without it such a run is refused).\n"
                "Reports then say the FIDs are not comparable");
  sub->add_option("--retrain-build", command->retrain_builds,
                  "Train again, from the start, the sweep's finished jobs whose results this build recorded\n"
                  "(a commit as `fsearch export` or PROVENANCE.md shows it, e.g. bab3cdad0bb5-dirty; a commit\n"
                  "without -dirty matches its clean and dirty builds). Repeatable or comma-separated. Old\n"
                  "results stay in the database (table replaced_results), old run directories beside the new\n"
                  "(<dir>.replaced-<build>); a job that other sweeps share is retrained for them too. Grid\n"
                  "sweeps only")
      ->delimiter(',');
  sub->add_option(
      "--worker-binary", command->worker_binary,
      "Program workers run instead of this fsearch, for wrappers (nice, numactl) and benchmarks. "
      "Local: it gets --threads T worker --runs DIR [--device cuda] and speaks `fsearch worker`'s "
      "protocol (a run directory per line in, an exit code per line out); Slurm: it gets "
      "--threads T train --job RUN_DIR --quiet [--device D]");
  sub->add_option("--top", command->top, "Rows of the final ranking")
      ->capture_default_str()
      ->check(whole_number());
  const char* slurm = "Slurm backend (README: Running on a Slurm cluster)";
  sub->add_option("--backend", command->backend,
                  "local: worker processes on this machine; slurm: Slurm job arrays on a cluster")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "slurm"}));
  sub->add_option("--partition", command->partition, "Slurm partition (sbatch --partition)")->group(slurm);
  sub->add_option("--gres", command->gres, "Generic resources per task, e.g. gpu:1 (sbatch --gres)")
      ->group(slurm);
  sub->add_option("--time", command->time,
                  "Time limit per task, e.g. 2:00:00 (sbatch --time); jobs that reach it "
                  "checkpoint and are resubmitted")
      ->group(slurm);
  sub->add_option("--max-parallel", command->max_parallel,
                  "Tasks running at once per array (%N); 0 = no limit")
      ->check(whole_number())
      ->group(slurm);
  sub->add_option("--sbatch-arg", command->sbatch_args,
                  "Extra sbatch option, passed as one argument (repeatable), e.g. --sbatch-arg=--account=lab")
      ->group(slurm);
  sub->add_option("--signal-before", command->signal_before,
                  "Seconds before the time limit at which tasks checkpoint and exit")
      ->capture_default_str()
      ->check(whole_number())
      ->group(slurm);
  sub->add_option("--max-timeouts", command->max_timeouts,
                  "A job that reaches the time limit this many times fails (then raise --time and "
                  "--retry-failed)")
      ->capture_default_str()
      ->check(positive_whole_number())
      ->group(slurm);
  sub->add_option("--poll", command->poll, "Seconds between squeue polls")
      ->capture_default_str()
      ->check(positive_number())
      ->group(slurm);
  return {sub, [command, argv] { return command->run(argv[0]); }};
}

}  // namespace fsearch::cli
