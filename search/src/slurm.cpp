#include "fsearch/search/slurm.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/core/files.h"
#include "fsearch/core/hash.h"
#include "fsearch/trainers/run_dir.h"
#include "ingest.h"

namespace fsearch::search {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;

constexpr const char* kScript = R"script(#!/bin/bash
# Written by fsearch (search/src/slurm.cpp): one array task runs one job. Nothing in this file comes
# from user input; values arrive as arguments:
#   $1 the fsearch binary   $2 the job list (one run directory per line)   $3 threads (0: the task's CPUs)
#   $4 the device (empty: the job's own, from job.json)
set -u
binary="$1"
job_list="$2"
threads="$3"
device=()
if [ -n "${4:-}" ]; then device=(--device "$4"); fi
run_dir="$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$job_list")"
if [ -z "$run_dir" ]; then
  echo "fsearch: no line $((SLURM_ARRAY_TASK_ID + 1)) in $job_list" >&2
  exit 2
fi
if [ "$threads" = 0 ]; then threads="${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-1}}"; fi
export OMP_WAIT_POLICY=PASSIVE
# SIGUSR1 (sbatch --signal, before the time limit) and SIGTERM (preemption, scancel): tell the
# scheduler which one in the run directory, then let the trainer checkpoint and exit 75.
forward() {
  printf '%s\n' "$1" > "$run_dir/slurm-signal"
  kill -TERM "$child" 2>/dev/null
}
"$binary" --threads "$threads" train --job "$run_dir" --quiet "${device[@]}" &
child=$!
trap 'forward USR1' USR1
trap 'forward TERM' TERM
wait "$child"
code=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  code=$?
done
exit "$code"
)script";

struct CommandOutput {
  int code = -1;
  std::string out, err;
};

// Runs a Slurm client command without a shell.
CommandOutput run_command(const std::string& program, const std::vector<std::string>& args) {
  auto path = bp::search_path(program);
  if (path.empty()) {
    throw ConfigError(program + " not found on PATH",
                      "run on a machine with Slurm's client commands (Debian: slurm-client)");
  }
  boost::asio::io_context io;
  std::future<std::string> out, err;
  bp::child child(path, bp::args = args, bp::std_in.close(), bp::std_out > out, bp::std_err > err, io);
  io.run();
  child.wait();
  return {child.exit_code(), out.get(), err.get()};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string array_of(const std::string& slurm_id) {
  return slurm_id.substr(0, slurm_id.find('_'));
}

// "id|STATE" lines of squeue for the given arrays (all states Slurm still remembers).
std::map<std::string, std::string> squeue_states(const std::set<std::string>& arrays, SlurmSummary& summary) {
  std::map<std::string, std::string> states;
  if (arrays.empty()) return states;
  auto query = [&](const std::string& ids) {
    const auto start = std::chrono::steady_clock::now();
    auto r =
        run_command("squeue", {"--noheader", "--array", "--states=all", "--format=%i|%T", "--jobs=" + ids});
    ++summary.polls;
    summary.poll_seconds_total +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      auto bar = line.find('|');
      if (bar != std::string::npos) states[trim(line.substr(0, bar))] = trim(line.substr(bar + 1));
    }
    return r.code == 0;
  };
  std::string all;
  for (const auto& a : arrays) all += (all.empty() ? "" : ",") + a;
  if (!query(all) && arrays.size() > 1) {
    for (const auto& a : arrays) query(a);  // one id Slurm forgot fails the whole call
  }
  return states;
}

// JobState of one task from scontrol, for tasks squeue no longer lists; "" if Slurm forgot it.
std::string scontrol_state(const std::string& slurm_id, SlurmSummary& summary) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run_command("scontrol", {"show", "job", "--oneliner", slurm_id});
  ++summary.polls;
  summary.poll_seconds_total +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto at = r.out.find("JobState=");
  if (r.code != 0 || at == std::string::npos) return "";
  auto end = r.out.find(' ', at);
  return r.out.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
}

std::string read_signal_marker(const fs::path& run_dir) {
  std::ifstream in(run_dir / "slurm-signal");
  std::string signal;
  std::getline(in, signal);
  return trim(signal);
}

}  // namespace

SlurmOutcome classify_slurm_state(const std::string& state_text) {
  const std::string state = state_text.substr(0, state_text.find(' '));  // "CANCELLED by 0"
  static const std::map<std::string, SlurmOutcome> kStates = {
      {"PENDING", SlurmOutcome::Waiting},     {"CONFIGURING", SlurmOutcome::Waiting},
      {"REQUEUED", SlurmOutcome::Waiting},    {"REQUEUE_HOLD", SlurmOutcome::Waiting},
      {"REQUEUE_FED", SlurmOutcome::Waiting}, {"RESIZING", SlurmOutcome::Waiting},
      {"SUSPENDED", SlurmOutcome::Waiting},   {"STOPPED", SlurmOutcome::Waiting},
      {"SIGNALING", SlurmOutcome::Running},   {"RUNNING", SlurmOutcome::Running},
      {"COMPLETING", SlurmOutcome::Running},  {"STAGE_OUT", SlurmOutcome::Running},
      {"COMPLETED", SlurmOutcome::Ended},     {"TIMEOUT", SlurmOutcome::Timeout},
      {"PREEMPTED", SlurmOutcome::Preempted}, {"FAILED", SlurmOutcome::Failed},
      {"NODE_FAIL", SlurmOutcome::Failed},    {"BOOT_FAIL", SlurmOutcome::Failed},
      {"SPECIAL_EXIT", SlurmOutcome::Failed}, {"OUT_OF_MEMORY", SlurmOutcome::Fatal},
      {"DEADLINE", SlurmOutcome::Fatal},      {"REVOKED", SlurmOutcome::Cancelled},
      {"CANCELLED", SlurmOutcome::Cancelled},
  };
  auto it = kStates.find(state);
  return it == kStates.end() ? SlurmOutcome::Unknown : it->second;
}

const std::string& slurm_batch_script() {
  static const std::string script = kScript;
  return script;
}

std::vector<std::string> sbatch_arguments(const SlurmOptions& options, const std::string& name,
                                          const std::string& script, const std::string& job_list, int count) {
  std::string array = "0-" + std::to_string(count - 1);
  if (options.max_parallel > 0) array += "%" + std::to_string(options.max_parallel);
  std::vector<std::string> args = {
      "--parsable",         "--job-name=" + name,
      "--array=" + array,   "--output=" + (fs::path(options.work_dir) / "logs" / "%A_%a.out").string(),
      "--open-mode=append", "--signal=B:USR1@" + std::to_string(options.signal_seconds)};
  if (!options.partition.empty()) args.push_back("--partition=" + options.partition);
  if (!options.gres.empty()) args.push_back("--gres=" + options.gres);
  if (!options.time.empty()) args.push_back("--time=" + options.time);
  args.insert(args.end(), options.sbatch_args.begin(), options.sbatch_args.end());
  args.insert(args.end(),
              {script, options.binary, job_list, std::to_string(options.threads), options.device});
  return args;
}

namespace {

class SlurmScheduler {
 public:
  SlurmScheduler(db::Database& db, std::int64_t sweep, const SlurmOptions& options)
      : db_(db), sweep_(sweep), options_(options) {}

  SlurmSummary run();

 private:
  void say(const std::string& text) const {
    if (options_.say) options_.say(text);
  }
  void prepare_work_dir();
  void adopt();
  void submit(const std::vector<db::JobRow>& jobs);
  void poll();
  void settle(const db::JobRow& job, const std::string& state);
  fs::path task_log(const std::string& slurm_id) const {
    auto bar = slurm_id.find('_');
    return fs::path(options_.work_dir) / "logs" /
           (slurm_id.substr(0, bar) + "_" + (bar == std::string::npos ? "0" : slurm_id.substr(bar + 1)) +
            ".out");
  }
  void progress(bool force);

  db::Database& db_;
  std::int64_t sweep_;
  SlurmOptions options_;
  SlurmSummary summary_;
  fs::path script_;
  std::map<std::string, std::uintmax_t> events_offset_;
  double last_progress_ = 0, finished_seconds_ = 0;
  int finished_count_ = 0;
};

void SlurmScheduler::prepare_work_dir() {
  if (options_.work_dir.find('%') != std::string::npos) {
    throw ConfigError(
        "Slurm work folder " + options_.work_dir + " contains '%', which Slurm reads as a pattern",
        "use runs folders without '%'");
  }
  fs::create_directories(fs::path(options_.work_dir) / "logs");
  script_ = fs::absolute(fs::path(options_.work_dir) / "fsearch-task.sh");
  write_atomic(script_, slurm_batch_script());
  ::chmod(script_.c_str(), 0755);
}

// Jobs the database has on Slurm: follow them. A submission that was recorded but never answered
// by sbatch (the scheduler died in between) is looked up by its array's unique name.
void SlurmScheduler::adopt() {
  std::map<std::string, std::vector<db::JobRow>> unanswered;
  for (const auto& job : db_.jobs(sweep_, db::JobState::Running)) {
    if (job.slurm_id.rfind("submitting:", 0) == 0) {
      unanswered[job.slurm_id.substr(11)].push_back(job);
    } else if (!job.slurm_id.empty()) {
      ++summary_.adopted;
    }
  }
  for (const auto& [name, jobs] : unanswered) {
    auto r =
        run_command("squeue", {"--noheader", "--array", "--states=all", "--format=%i", "--name=" + name});
    std::string array;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line) && array.empty();) array = array_of(trim(line));
    std::vector<std::string> listed;
    std::ifstream in(fs::path(options_.work_dir) / (name + ".jobs"));
    for (std::string line; std::getline(in, line);) listed.push_back(line);
    for (const auto& job : jobs) {
      auto at = std::find(listed.begin(), listed.end(), fs::absolute(job.run_dir).string());
      if (!array.empty() && at != listed.end()) {
        db_.set_slurm_state(job.key, array + "_" + std::to_string(at - listed.begin()), "PENDING");
        ++summary_.adopted;
      } else if (!detail::ingest_result(db_, job)) {
        db_.requeue(job.key, "its submission to Slurm was not confirmed; submitting again");
      }
    }
  }
  if (summary_.adopted > 0)
    say(std::to_string(summary_.adopted) + " job(s) already on Slurm: following them");
}

void SlurmScheduler::submit(const std::vector<db::JobRow>& jobs) {
  const std::string name =
      "fsearch-" + std::to_string(sweep_) + "-" +
      Hasher().add(std::to_string(::getpid()) + "/" + std::to_string(unix_now())).hex().substr(0, 10);
  const fs::path job_list = fs::absolute(fs::path(options_.work_dir) / (name + ".jobs"));
  std::string lines;
  for (const auto& job : jobs) {
    auto dir = fs::absolute(job.run_dir).string();
    if (dir.find('\n') != std::string::npos) {
      throw ConfigError("run directory " + dir + " contains a line break",
                        "rename the sweep or its runs folder");
    }
    lines += dir + "\n";
  }
  write_atomic(job_list, lines);
  db_.transaction([&] {
    for (const auto& job : jobs) db_.mark_submitted(job.key, "submitting:" + name, unix_now());
  });
  auto args =
      sbatch_arguments(options_, name, script_.string(), job_list.string(), static_cast<int>(jobs.size()));
  auto r = run_command("sbatch", args);
  const std::string id = trim(r.out.substr(0, r.out.find(';')));
  if (r.code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    db_.transaction([&] {
      for (const auto& job : jobs) db_.requeue(job.key, "sbatch failed: " + trim(r.err));
    });
    throw ConfigError("sbatch refused the job array: " + trim(r.err.empty() ? r.out : r.err),
                      "check --partition, --gres, --time and --sbatch-arg; the jobs stay pending");
  }
  db_.transaction([&] {
    for (std::size_t i = 0; i < jobs.size(); ++i)
      db_.set_slurm_state(jobs[i].key, id + "_" + std::to_string(i), "PENDING");
  });
  summary_.started += static_cast<int>(jobs.size());
  ++summary_.submitted_arrays;
  say("submitted " + std::to_string(jobs.size()) + " job(s) as Slurm array " + id);
}

// Decides a job whose Slurm task is no longer waiting or running; the run directory comes first.
void SlurmScheduler::settle(const db::JobRow& job, const std::string& state) {
  const fs::path run_dir = job.run_dir;
  db_.add_curve(detail::read_events(job.key, trainers::RunDir{run_dir}.events(), events_offset_[job.key]));
  if (detail::ingest_result(db_, job)) {
    ++summary_.finished;
    ++finished_count_;
    finished_seconds_ += unix_now() - job.started_at;
    fs::remove(run_dir / "slurm-signal");
    return;
  }
  const std::string signal = read_signal_marker(run_dir);
  fs::remove(run_dir / "slurm-signal");
  auto outcome = classify_slurm_state(state);
  const std::string log = detail::tail_of(task_log(job.slurm_id));
  const std::string where = "Slurm task " + job.slurm_id + " " + (state.empty() ? "unknown to Slurm" : state);
  if (outcome == SlurmOutcome::Timeout || (signal == "USR1" && outcome != SlurmOutcome::Cancelled)) {
    db_.count_timeout(job.key);
    ++summary_.timeouts;
    if (job.timeouts + 1 >= options_.max_timeouts) {
      // A limit far too short for the job (or a job that hangs) would otherwise be resubmitted forever.
      db_.record_failure(
          job.key,
          where + ": reached its time limit " +
              (job.timeouts == 0 ? std::string("once") : std::to_string(job.timeouts + 1) + " times") +
              " (--max-timeouts " + std::to_string(options_.max_timeouts) +
              "); raise --time, then `fsearch run --retry-failed` continues it from its checkpoint",
          log, unix_now(), /*may_retry=*/false);
      ++summary_.failed;
    } else {
      db_.requeue(job.key, "reached its time limit; continues from its checkpoint");
      ++summary_.requeued;
    }
  } else if (outcome == SlurmOutcome::Preempted || (signal == "TERM" && outcome == SlurmOutcome::Failed)) {
    db_.count_preemption(job.key);
    db_.requeue(job.key, "preempted; continues from its checkpoint");
    ++summary_.preemptions;
    ++summary_.requeued;
  } else if (outcome == SlurmOutcome::Cancelled) {
    db_.record_failure(job.key, where + ": cancelled", log, unix_now(), /*may_retry=*/false);
    ++summary_.cancelled;
    ++summary_.failed;
  } else {
    const bool may_retry = outcome != SlurmOutcome::Fatal;
    std::string error = outcome == SlurmOutcome::Ended ? where + " without result.json" : where;
    if (auto line = detail::error_line(task_log(job.slurm_id)); !line.empty()) error += ": " + line;
    if (!db_.record_failure(job.key, error, log, unix_now(), may_retry)) ++summary_.failed;
  }
  db_.set_slurm_state(job.key, job.slurm_id, state.empty() ? "UNKNOWN" : state);
}

void SlurmScheduler::poll() {
  auto jobs = db_.jobs(sweep_, db::JobState::Running);
  std::set<std::string> arrays;
  for (const auto& job : jobs) {
    if (!job.slurm_id.empty() && job.slurm_id.rfind("submitting:", 0) != 0)
      arrays.insert(array_of(job.slurm_id));
  }
  auto states = squeue_states(arrays, summary_);
  for (const auto& job : jobs) {
    if (job.slurm_id.empty() || job.slurm_id.rfind("submitting:", 0) == 0) continue;
    auto it = states.find(job.slurm_id);
    std::string state = it != states.end() ? it->second : scontrol_state(job.slurm_id, summary_);
    auto outcome = classify_slurm_state(state);
    if (outcome == SlurmOutcome::Waiting || outcome == SlurmOutcome::Running) {
      if (state != job.slurm_state) {
        // Slurm requeued a preempted task itself: count it once, keep following the same id.
        if ((state == "REQUEUED" || state == "PREEMPTED") && job.slurm_state == "RUNNING") {
          db_.count_preemption(job.key);
          ++summary_.preemptions;
        }
        db_.set_slurm_state(job.key, job.slurm_id, state);
      }
      if (outcome == SlurmOutcome::Running) {
        db_.add_curve(
            detail::read_events(job.key, trainers::RunDir{job.run_dir}.events(), events_offset_[job.key]));
        db_.heartbeat(job.key, unix_now());
      }
      continue;
    }
    settle(job, state);
  }
}

void SlurmScheduler::progress(bool force) {
  if (!options_.on_progress || (!force && unix_now() - last_progress_ < 1.0)) return;
  last_progress_ = unix_now();
  auto counts = db_.job_counts(sweep_);
  double eta = NAN;
  if (finished_count_ > 0) {
    const int remaining = counts[db::JobState::Pending] + counts[db::JobState::Running];
    eta = finished_seconds_ / finished_count_ * remaining / std::max(1, options_.max_parallel);
  }
  options_.on_progress(counts, eta);
}

SlurmSummary SlurmScheduler::run() {
  prepare_work_dir();
  adopt();
  if (options_.decide) options_.decide();
  progress(true);
  double lock_refreshed_at = 0;
  for (;;) {
    if (unix_now() - lock_refreshed_at >= 10) db_.refresh_lock(::getpid(), lock_refreshed_at = unix_now());  // live to other hosts
    if (options_.stop && options_.stop->load()) {
      summary_.interrupted = true;
      break;  // the Slurm jobs keep running; the next run adopts them
    }
    auto pending = db_.jobs(sweep_, db::JobState::Pending);
    for (std::size_t begin = 0; begin < pending.size(); begin += options_.max_array) {
      auto end = std::min(pending.size(), begin + static_cast<std::size_t>(options_.max_array));
      submit(std::vector<db::JobRow>(pending.begin() + begin, pending.begin() + end));
    }
    poll();
    if (options_.decide) options_.decide();
    progress(false);
    auto counts = db_.job_counts(sweep_);
    if (counts[db::JobState::Pending] + counts[db::JobState::Running] == 0) break;
    // Sleep in short steps so that a stop request is noticed at once.
    const auto wake = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.poll_seconds);
    while (std::chrono::steady_clock::now() < wake && !(options_.stop && options_.stop->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  progress(true);
  return summary_;
}

}  // namespace

SlurmSummary run_slurm_scheduler(db::Database& db, std::int64_t sweep, const SlurmOptions& options) {
  return SlurmScheduler(db, sweep, options).run();
}

std::vector<std::string> cancel_slurm_jobs(db::Database& db, std::int64_t sweep) {
  std::vector<std::string> ids;
  for (const auto& job : db.jobs(sweep, db::JobState::Running)) {
    if (!job.slurm_id.empty() && job.slurm_id.rfind("submitting:", 0) != 0) ids.push_back(job.slurm_id);
  }
  if (ids.empty()) return ids;
  auto r = run_command("scancel", ids);
  if (r.code != 0) throw StorageError("scancel failed: " + trim(r.err));
  return ids;
}

}  // namespace fsearch::search
