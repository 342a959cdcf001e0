// The sweep database: the only code that speaks SQL. Sweeps, candidates (structure, fingerprint,
// property measurements), jobs (state, attempts, worker, heartbeat, timestamps, error), metric
// curves and results.
//
// Versioned schema (PRAGMA user_version) with numbered migrations applied on open; WAL mode; a busy
// timeout; prepared statements only. One writer at a time: the scheduler holds the sweep lock
// (acquire_lock) while it runs; readers (status, export, report) may open it alongside.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fsearch/core/process.h"
#include "fsearch/core/result_numbers.h"
#include "fsearch/db/sqlite.h"

namespace fsearch::db {

// pending -> running -> done | diverged | rejected | failed; running -> pending (worker gone,
// interrupted); failed -> pending (retry while attempts remain); running -> paused (it reached a
// successive-halving rung) -> pending (promoted). "diverged" (the loss blew up) and "rejected" (the
// early probe found it not learning) are results and final: only replace_result, on a user's
// request, takes a finished job back to pending, its result set aside.
enum class JobState { Pending, Running, Paused, Done, Diverged, Rejected, Failed };
inline constexpr JobState kJobStates[] = {JobState::Pending,  JobState::Running,  JobState::Paused,
                                          JobState::Done,     JobState::Diverged, JobState::Rejected,
                                          JobState::Failed};
std::string to_string(JobState state);
JobState parse_job_state(const std::string& text);  // throws StorageError
bool allowed_transition(JobState from, JobState to);

// What the screen made of a generated candidate: kept (to train), rejected (a required property
// failed), or a duplicate (the fingerprint of one generated before it).
enum class CandidateStatus { Kept, Rejected, Duplicate };
std::string to_string(CandidateStatus status);
CandidateStatus parse_candidate_status(const std::string& text);  // throws StorageError

struct CandidateRow {
  std::string fingerprint;  // hex
  std::string expression;   // canonical text
  std::string base;
  std::string transforms_json;  // [{"kind": "flat", "params": [0.5]}, ...]
  std::string properties_json;  // per test: pass, borderline, reason, measures
  bool pass_all = false;
  std::string reasons;  // one line per failed test
};

struct JobRow {
  std::string key;
  std::string fingerprint;  // empty for baselines (LayerNorm, RMSNorm)
  std::string label;        // the function's text or the baseline's name
  std::string proxy, shift;
  double lr = 0, alpha_init = 0;
  std::int64_t seed = 0;
  std::string spec_json, run_dir;
  JobState state = JobState::Pending;
  int attempts = 0, max_attempts = 3;
  std::int64_t worker_pid = 0;
  double heartbeat_at = 0, started_at = 0, finished_at = 0;
  std::string error, log_tail;
  // Slurm backend: "ARRAY_TASK" (e.g. "1234_5"), or "submitting:NAME" between recording a submission
  // and sbatch answering; empty on the local backend.
  std::string slurm_id, slurm_state;
  int timeouts = 0, preemptions = 0;
  int priority = 0;  // pending jobs start in descending priority (a promoted job: its new rung)
};

// A row of the results table: the numbers every result has (core/result_numbers.h, one column
// each) and the rest.
struct ResultRow : ResultNumbers {
  std::string key, status;
  std::int64_t steps = 0;
  // Where and why training stopped early: diverged, or rejected by the early probe (status says which).
  std::int64_t diverged_step = -1;
  std::string diverged_reason;
  std::string fid_features;  // the extractor that produced fid
  std::string result_json;
};

// A result that `fsearch run --retrain-build` set aside (replaced_results): the job, when and why,
// its state then, the result as it was (its numbers read back from the stored result.json) and
// where its run directory went.
struct ReplacedResult {
  std::string key;
  double replaced_at = 0;
  std::string reason, state, run_dir;
  ResultRow result;
};

struct CurvePoint {
  std::string key, kind;  // kind: train | eval
  std::int64_t step = 0;
  double loss = NAN, lr = NAN, grad_norm = NAN, test_acc = NAN;
};

// A job's score at a successive-halving rung: it paused at `step` (`fraction` of its budget). score is
// higher-is-better (accuracy, or minus the training loss for the DiT proxy, as `metric` says); NaN
// for a job that diverged or was rejected before the rung.
struct RungRow {
  std::string key;
  std::int64_t step = 0;
  double fraction = 0, score = NAN;
  std::string metric;
  double recorded_at = 0;
  std::int64_t cooldown_steps = 0;  // steps of the annealed branch the score came from (search.cooldown)
};

// A sweep's decision to continue a paused job from `from_step` to `to_fraction` of its budget.
struct PromotionRow {
  std::string key;
  std::int64_t from_step = 0;
  double to_fraction = 1;
  std::string reason;
  double decided_at = 0;
};

// One child of an evolutionary sweep: generation 0 is the initial population. `genome` is the
// search's own JSON (search/evolution.h); `parent` the parent's fingerprint ("" in generation 0).
struct LineageRow {
  std::int64_t generation = 0, index = 0;
  std::string fingerprint, expression, genome, parent, mutation;
  CandidateStatus status = CandidateStatus::Kept;
  std::string reason;  // why rejected, or which earlier child it duplicates
};

struct LockHolder {
  std::int64_t pid = 0;
  Machine machine;  // its boot id is "" in locks taken by builds before schema 9
  double started_at = 0, heartbeat_at = 0;
};

class Database {
 public:
  static constexpr int kSchemaVersion = 9;

  // PRAGMA application_id of an fsearch database ("fsea"): what tells it from another SQLite file.
  static constexpr std::int32_t kApplicationId = 0x66736561;

  // ReadWrite opens or creates the database and migrates it to kSchemaVersion. ReadOnly (status,
  // export, report) changes nothing: it refuses a file that is not an fsearch database, and reads
  // one of an older schema through a migrated copy in memory. Throws StorageError, also for a
  // database from a newer fsearch.
  explicit Database(const std::string& path, Access access = Access::ReadWrite);

  const std::string& path() const { return connection_.path(); }
  int schema_version();
  // Runs body in one IMMEDIATE transaction; rolls back if it throws.
  void transaction(const std::function<void()>& body);
  // Throws StorageError, after saving what this connection sees to <path>.rescued-<pid>, when the
  // path no longer names the file opened (Connection::file_replaced). Every transaction and every
  // refresh of the scheduler's lock (each 10 s of a sweep) checks first.
  void check_file_is_ours();

  // The sweep lock: one scheduler per database. Returns the current holder if another live
  // process holds it, nothing if this process now holds it. A scheduler refreshes its heartbeat
  // (refresh_lock) every kLockHeartbeatSeconds, in its loop and during long work before it.
  static constexpr double kLockStaleSeconds = 120;
  static constexpr double kLockHeartbeatSeconds = 10;
  std::optional<LockHolder> acquire_lock(std::int64_t pid, const Machine& here, double now,
                                         const std::function<bool(std::int64_t)>& alive);
  // Whether `holder` is a live scheduler, seen from `here` at `now`. A holder in this boot of this
  // machine is live while alive(pid) says so. Anywhere else (a shared filesystem, or a database
  // copied or committed while its sweep ran and opened on another machine, or after a reboot) its
  // pid means nothing here: it is live while its heartbeat is younger than kLockStaleSeconds.
  static bool lock_is_live(const LockHolder& holder, const Machine& here, double now,
                           const std::function<bool(std::int64_t)>& alive);
  // Moves the heartbeat of this scheduler's lock (pid on `here`) to `now`. False when the lock is
  // no longer this scheduler's: a run elsewhere found its heartbeat stale (it was stopped or
  // suspended for kLockStaleSeconds) and took the database over. The loop then stops at once.
  bool refresh_lock(std::int64_t pid, const Machine& here, double now);
  // Deletes the lock if it is still this scheduler's; a lock taken over stays with its new holder.
  void release_lock(std::int64_t pid, const Machine& here);
  std::optional<LockHolder> lock_holder();

  std::int64_t ensure_sweep(const std::string& name, const std::string& space_file, const std::string& budget,
                            double now);
  std::vector<std::pair<std::int64_t, std::string>> sweeps();  // id, name

  void upsert_candidate(const CandidateRow& candidate);
  // spelled_as: the text as generated
  void link_candidate(std::int64_t sweep, const std::string& fingerprint, CandidateStatus status,
                      const std::string& spelled_as);
  std::map<CandidateStatus, int> candidate_counts(std::int64_t sweep);
  std::vector<CandidateRow> candidates(std::int64_t sweep, CandidateStatus status);
  std::optional<CandidateRow> candidate(const std::string& fingerprint);
  // How the sweep's space spelled each candidate -> the fingerprint it stands for.
  std::map<std::string, std::string> spellings(std::int64_t sweep);
  std::optional<std::int64_t> sweep_id(const std::string& name);

  // Adds the job if its key is new, and links it to the sweep. Returns true if the job is new.
  bool add_job(std::int64_t sweep, const JobRow& job);
  std::optional<JobRow> job(const std::string& key);
  // Takes a job that never started (pending, no attempt, nothing recorded of it: no result, curve,
  // rung, promotion or replaced result) out of the sweep, and out of the database when no other
  // sweep has it. Any other job stays as it is (Started).
  enum class Dropped { Started, FromSweep, FromDatabase };
  Dropped drop_unstarted_job(std::int64_t sweep, const std::string& key);
  std::vector<JobRow> jobs(std::int64_t sweep, std::optional<JobState> state = std::nullopt);
  std::map<JobState, int> job_counts(std::int64_t sweep);

  // State changes check allowed_transition and throw StorageError otherwise.
  void mark_running(const std::string& key, std::int64_t pid, double now);
  void heartbeat(const std::string& key, double now);
  void requeue(const std::string& key, const std::string& why);  // running/failed -> pending
  // The sweep's failed jobs back to pending with a fresh set of attempts and time limits (their
  // run directories keep their checkpoints) and no error from before. Returns how many.
  int retry_failed(std::int64_t sweep);
  // A rejected job back to pending, its rejection's result removed: an early rejection is the
  // verdict of a short probe, and `fsearch run --retry-rejected` trains such a job on to the end
  // (its run directory keeps the checkpoint). Done and diverged results are never reopened.
  void reopen_rejected(const std::string& key);
  // The build (result.json's git_commit, e.g. "bab3cdad0bb5-dirty") that trained each of the
  // sweep's finished (done, diverged, rejected) jobs, by key; "" where the result does not say.
  std::map<std::string, std::string> finished_builds(std::int64_t sweep);
  // The FID feature extractors of the database's results (every sweep), each with how many results
  // it scored: FIDs of two extractors are not comparable (`fsearch run` keeps a database to its own).
  std::map<std::string, int> fid_extractors();
  // The builds whose results of the sweep's jobs replace_result set aside (key, build), oldest first.
  std::vector<std::pair<std::string, std::string>> replaced_builds(std::int64_t sweep);
  // The sweep's replaced results, oldest first (`fsearch export --replaced`).
  std::vector<ReplacedResult> replaced_results(std::int64_t sweep);
  // A finished job back to pending with fresh attempts, to train again from the start: its result
  // and curve points move to replaced_results with `why` and `moved_run_dir` (where the caller moved
  // its run directory; "" if there was none), in one transaction. The job's error stays empty: it
  // did not fail (`fsearch status` counts replaced results apart). Throws StorageError for a job that
  // is not finished.
  void replace_result(const std::string& key, const std::string& why, const std::string& moved_run_dir,
                      double now);
  // Slurm backend: a pending job handed to Slurm (running, worker_pid 0, with its Slurm id), its
  // Slurm state as last seen, and the time-limit / preemption counters.
  void mark_submitted(const std::string& key, const std::string& slurm_id, double now);
  void set_slurm_state(const std::string& key, const std::string& slurm_id, const std::string& state);
  void count_timeout(const std::string& key);
  void count_preemption(const std::string& key);
  void record_result(const ResultRow& result, JobState state, double now);  // running -> done|diverged
  // running -> failed; counts an attempt; returns true when the job was put back to pending because
  // attempts remain (never when `may_retry` is false: cancelled, out of memory).
  bool record_failure(const std::string& key, const std::string& error, const std::string& log_tail,
                      double now, bool may_retry = true);

  // running -> paused at a rung, with its score there.
  void record_rung(const RungRow& rung, double now);
  // A job's rung results (every sweep's: a rung is a fact about the job), oldest first.
  std::vector<RungRow> rungs(std::int64_t sweep);
  // paused -> pending with `priority`, recording the decision in the sweep.
  void promote(std::int64_t sweep, const PromotionRow& promotion, int priority);
  std::vector<PromotionRow> promotions(std::int64_t sweep);
  void add_lineage(std::int64_t sweep, const LineageRow& row);  // inside the caller's transaction
  std::vector<LineageRow> lineage(std::int64_t sweep);          // by generation, then index

  void add_curve(const std::vector<CurvePoint>& points);
  std::vector<CurvePoint> curve(const std::string& key, const std::string& kind);
  std::optional<ResultRow> result(const std::string& key);

  Connection& connection() { return connection_; }

 private:
  void migrate();
  std::int64_t pragma(const std::string& name);
  bool looks_like_fsearch();
  void check_is_fsearch_or_empty();
  void check_readable();
  void transition(const std::string& key, JobState to);
  Connection connection_;
};

// The SQL of each migration, index i taking user_version i to i + 1 (exposed for tests that build
// databases of older versions).
const std::vector<std::string>& migrations();

}  // namespace fsearch::db
