#include "fsearch/search/slurm.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/core/files.h"
#include "fsearch/core/hash.h"
#include "fsearch/search/local.h"
#include "fsearch/jobs/run_dir.h"
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
struct SlurmCounters {
  int submitted_arrays = 0, adopted = 0, timeouts = 0, preemptions = 0, cancelled = 0;
  int polls = 0;                  // squeue/scontrol calls
  double poll_seconds_total = 0;  // time spent in them
};

std::map<std::string, std::string> squeue_states(const std::set<std::string>& arrays, SlurmCounters& summary) {
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
std::string scontrol_state(const std::string& slurm_id, SlurmCounters& summary) {
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

class SlurmBackend final : public Backend {
 public:
  SlurmBackend(db::Database& db, std::int64_t sweep, const SlurmOptions& options,
               std::function<void(const std::string&)> say)
      : Backend(db, sweep), options_(options), say_(std::move(say)) {}

  void adopt() override;
  std::size_t capacity() const override { return detached_ ? 0 : std::numeric_limits<std::size_t>::max(); }
  void submit(const std::vector<db::JobRow>& jobs) override;
  int poll() override;
  void cancel() override { detached_ = true; }  // the Slurm jobs keep running; the next loop adopts them
  bool following() const override {
    return !detached_ && db_.job_counts(sweep_)[db::JobState::Running] > 0;
  }
  double parallelism() const override { return std::max(1, options_.max_parallel); }
  double poll_seconds() const override { return options_.poll_seconds; }
  std::string report() const override;

 private:
  void say(const std::string& text) const {
    if (say_) say_(text);
  }
  void prepare_work_dir();
  void submit_array(const std::vector<db::JobRow>& jobs);
  void settle(const db::JobRow& job, const std::string& state);
  fs::path task_log(const std::string& slurm_id) const {
    auto bar = slurm_id.find('_');
    return fs::path(options_.work_dir) / "logs" /
           (slurm_id.substr(0, bar) + "_" + (bar == std::string::npos ? "0" : slurm_id.substr(bar + 1)) +
            ".out");
  }

  SlurmOptions options_;
  std::function<void(const std::string&)> say_;
  SlurmCounters counters_;
  bool detached_ = false;
  fs::path script_;
  std::map<std::string, std::uintmax_t> events_offset_;
};

void SlurmBackend::prepare_work_dir() {
  if (options_.work_dir.find('%') != std::string::npos) {
    throw ConfigError(
        "Slurm work folder " + options_.work_dir + " contains '%', which Slurm reads as a pattern",
        "use runs folders without '%'");
  }
  make_directories(fs::path(options_.work_dir) / "logs", "the Slurm jobs' log folder");
  script_ = fs::absolute(fs::path(options_.work_dir) / "fsearch-task.sh");
  write_atomic(script_, slurm_batch_script());
  ::chmod(script_.c_str(), 0755);
}

// Jobs the database has on Slurm: follow them. A submission that was recorded but never answered
// by sbatch (the scheduler died in between) is looked up by its array's unique name.
void SlurmBackend::adopt() {
  prepare_work_dir();
  if (int n = recover_running_jobs(db_, sweep_); n > 0)  // left by a local loop
    say(std::to_string(n) + " job(s) left running by a stopped scheduler: continuing them");
  std::map<std::string, std::vector<db::JobRow>> unanswered;
  for (const auto& job : db_.jobs(sweep_, db::JobState::Running)) {
    if (job.slurm_id.rfind("submitting:", 0) == 0) {
      unanswered[job.slurm_id.substr(11)].push_back(job);
    } else if (!job.slurm_id.empty()) {
      ++counters_.adopted;
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
        ++counters_.adopted;
      } else if (!detail::ingest_result(db_, job)) {
        db_.requeue(job.key, "its submission to Slurm was not confirmed; submitting again");
      }
    }
  }
  if (counters_.adopted > 0)
    say(std::to_string(counters_.adopted) + " job(s) already on Slurm: following them");
}

void SlurmBackend::submit(const std::vector<db::JobRow>& jobs) {
  const auto chunk = static_cast<std::size_t>(std::max(1, options_.max_array));
  for (std::size_t begin = 0; begin < jobs.size(); begin += chunk) {
    const auto end = std::min(jobs.size(), begin + chunk);
    submit_array(std::vector<db::JobRow>(jobs.begin() + static_cast<std::ptrdiff_t>(begin),
                                         jobs.begin() + static_cast<std::ptrdiff_t>(end)));
  }
}

void SlurmBackend::submit_array(const std::vector<db::JobRow>& jobs) {
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
  ++counters_.submitted_arrays;
  say("submitted " + std::to_string(jobs.size()) + " job(s) as Slurm array " + id);
}

// Decides a job whose Slurm task is no longer waiting or running; the run directory comes first.
void SlurmBackend::settle(const db::JobRow& job, const std::string& state) {
  const fs::path run_dir = job.run_dir;
  db_.add_curve(detail::read_events(job.key, jobs::RunDir{run_dir}.events(), events_offset_[job.key]));
  if (settle_result(job, job.started_at)) {
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
    ++counters_.timeouts;
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
    ++counters_.preemptions;
    ++summary_.requeued;
  } else if (outcome == SlurmOutcome::Cancelled) {
    db_.record_failure(job.key, where + ": cancelled", log, unix_now(), /*may_retry=*/false);
    ++counters_.cancelled;
    ++summary_.failed;
  } else {
    const bool may_retry = outcome != SlurmOutcome::Fatal;
    std::string error = outcome == SlurmOutcome::Ended ? where + " without result.json" : where;
    if (auto line = detail::error_line(task_log(job.slurm_id)); !line.empty()) error += ": " + line;
    if (!db_.record_failure(job.key, error, log, unix_now(), may_retry)) ++summary_.failed;
  }
  db_.set_slurm_state(job.key, job.slurm_id, state.empty() ? "UNKNOWN" : state);
}

int SlurmBackend::poll() {
  if (detached_) return 0;
  int settled = 0;
  auto jobs = db_.jobs(sweep_, db::JobState::Running);
  std::set<std::string> arrays;
  for (const auto& job : jobs) {
    if (!job.slurm_id.empty() && job.slurm_id.rfind("submitting:", 0) != 0)
      arrays.insert(array_of(job.slurm_id));
  }
  auto states = squeue_states(arrays, counters_);
  for (const auto& job : jobs) {
    if (job.slurm_id.empty() || job.slurm_id.rfind("submitting:", 0) == 0) continue;
    auto it = states.find(job.slurm_id);
    std::string state = it != states.end() ? it->second : scontrol_state(job.slurm_id, counters_);
    auto outcome = classify_slurm_state(state);
    if (outcome == SlurmOutcome::Waiting || outcome == SlurmOutcome::Running) {
      if (state != job.slurm_state) {
        // Slurm requeued a preempted task itself: count it once, keep following the same id.
        if ((state == "REQUEUED" || state == "PREEMPTED") && job.slurm_state == "RUNNING") {
          db_.count_preemption(job.key);
          ++counters_.preemptions;
        }
        db_.set_slurm_state(job.key, job.slurm_id, state);
      }
      if (outcome == SlurmOutcome::Running) {
        db_.add_curve(
            detail::read_events(job.key, jobs::RunDir{job.run_dir}.events(), events_offset_[job.key]));
        db_.heartbeat(job.key, unix_now());
      }
      continue;
    }
    settle(job, state);
    ++settled;
  }
  return settled;
}

std::string SlurmBackend::report() const {
  const auto& c = counters_;
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(2);
  line << "Slurm: " << c.submitted_arrays << " array(s) submitted, " << c.adopted << " job(s) adopted, "
       << c.timeouts << " time limit(s), " << c.preemptions << " preemption(s), " << c.cancelled
       << " cancelled; " << c.polls << " squeue/scontrol calls (" << c.poll_seconds_total << " s in all)";
  return line.str();
}

}  // namespace

std::unique_ptr<Backend> make_slurm_backend(db::Database& db, std::int64_t sweep, const SlurmOptions& options,
                                            std::function<void(const std::string&)> say) {
  if (options.work_dir.empty()) throw ConfigError("the Slurm backend needs a work folder");
  return std::make_unique<SlurmBackend>(db, sweep, options, std::move(say));
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
