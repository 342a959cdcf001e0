#include "fsearch/db/database.h"

#include <unistd.h>

#include <cstring>
#include <fstream>

#include "fsearch/core/error.h"

namespace fsearch::db {
namespace {

constexpr const char* kJobColumns =
    "key, fingerprint, label, proxy, shift, lr, alpha_init, seed, spec, run_dir, state, attempts, "
    "max_attempts, worker_pid, heartbeat_at, started_at, finished_at, error, log_tail, slurm_id, "
    "slurm_state, timeouts, preemptions, priority";

constexpr const char* kCandidateColumns =
    "c.fingerprint, c.expression, c.base, c.transforms, c.properties, c.pass_all, c.reasons";

CandidateRow read_candidate(const Statement& s) {
  return CandidateRow{s.get_text(0), s.get_text(1),     s.get_text(2), s.get_text(3),
                      s.get_text(4), s.get_int(5) != 0, s.get_text(6)};
}

// A result's fields from `first` on, in the order of result_columns(prefix): the results table's
// own columns (prefix "") or, for a result kept as result.json text, their json_extract.
std::string result_columns(const std::string& json) {
  auto column = [&](const std::string& name) {
    return json.empty() ? name : "json_extract(" + json + ", '$." + name + "')";
  };
  std::string columns = column("status") + ", " + column("steps") + ", " + column("diverged_step") + ", " +
                        column("diverged_reason") + ", " + (json.empty() ? "result" : json) + ", " +
                        column("fid_features");
  for (const auto& field : result_number_fields()) columns += ", " + column(std::string(field.name));
  return columns;
}
ResultRow read_result(const Statement& s, int first, const std::string& key) {
  ResultRow r;
  r.key = key;
  r.status = s.get_text(first);
  r.steps = s.get_int(first + 1);
  r.diverged_step = s.is_null(first + 2) ? -1 : s.get_int(first + 2);
  r.diverged_reason = s.get_text(first + 3);
  r.result_json = s.get_text(first + 4);
  r.fid_features = s.get_text(first + 5);
  int index = first + 6;
  for (const auto& field : result_number_fields()) r.*field.member = s.get_double(index++);
  return r;
}

JobRow read_job(const Statement& s) {
  JobRow j;
  j.key = s.get_text(0);
  j.fingerprint = s.get_text(1);
  j.label = s.get_text(2);
  j.proxy = s.get_text(3);
  j.shift = s.get_text(4);
  j.lr = s.get_double(5);
  j.alpha_init = s.get_double(6);
  j.seed = s.get_int(7);
  j.spec_json = s.get_text(8);
  j.run_dir = s.get_text(9);
  j.state = parse_job_state(s.get_text(10));
  j.attempts = static_cast<int>(s.get_int(11));
  j.max_attempts = static_cast<int>(s.get_int(12));
  j.worker_pid = s.get_int(13);
  j.heartbeat_at = s.get_double(14);
  j.started_at = s.get_double(15);
  j.finished_at = s.get_double(16);
  j.error = s.get_text(17);
  j.log_tail = s.get_text(18);
  j.slurm_id = s.get_text(19);
  j.slurm_state = s.get_text(20);
  j.timeouts = static_cast<int>(s.get_int(21));
  j.preemptions = static_cast<int>(s.get_int(22));
  j.priority = static_cast<int>(s.get_int(23));
  return j;
}

}  // namespace

std::string to_string(CandidateStatus status) {
  switch (status) {
    case CandidateStatus::Kept: return "kept";
    case CandidateStatus::Rejected: return "rejected";
    case CandidateStatus::Duplicate: return "duplicate";
  }
  return "?";
}

CandidateStatus parse_candidate_status(const std::string& text) {
  for (auto s : {CandidateStatus::Kept, CandidateStatus::Rejected, CandidateStatus::Duplicate}) {
    if (to_string(s) == text) return s;
  }
  throw StorageError("unknown candidate status '" + text + "' in the database");
}

std::string to_string(JobState state) {
  switch (state) {
    case JobState::Pending: return "pending";
    case JobState::Running: return "running";
    case JobState::Paused: return "paused";
    case JobState::Done: return "done";
    case JobState::Diverged: return "diverged";
    case JobState::Rejected: return "rejected";
    case JobState::Failed: return "failed";
  }
  return "?";
}

JobState parse_job_state(const std::string& text) {
  for (auto s : kJobStates) {
    if (to_string(s) == text) return s;
  }
  throw StorageError("unknown job state '" + text + "' in the database");
}

bool allowed_transition(JobState from, JobState to) {
  switch (from) {
    case JobState::Pending: return to == JobState::Running;
    case JobState::Running:
      return to == JobState::Done || to == JobState::Diverged || to == JobState::Rejected ||
             to == JobState::Paused || to == JobState::Failed || to == JobState::Pending;
    case JobState::Paused: return to == JobState::Pending;  // promoted, or continued to the full budget
    case JobState::Failed: return to == JobState::Pending;
    case JobState::Rejected: return to == JobState::Pending;  // trained on to the end (--retry-rejected)
    case JobState::Done:
    case JobState::Diverged: return false;
  }
  return false;
}

namespace {

// SQLite opens any file and fails at the first statement ("file is not a database"): a file that
// does not start with SQLite's header is named here instead, before anything reads or writes it.
void check_is_sqlite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;  // absent: created (read-write) or refused by SQLite with its own message
  static constexpr char kHeader[] = "SQLite format 3";  // 16 bytes with its NUL, SQLite's file format
  char head[sizeof kHeader] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 0) return;  // empty: a new database
  if (in.gcount() < static_cast<std::streamsize>(sizeof head) || std::memcmp(head, kHeader, sizeof head) != 0)
    throw StorageError(path + " is not an fsearch database (not an SQLite file)",
                       "give --db a new file or one that fsearch wrote");
}

}  // namespace

Database::Database(const std::string& path, Access access)
    : connection_((check_is_sqlite_file(path), path), access) {
  if (access == Access::ReadOnly) {
    check_readable();
    return;
  }
  check_is_fsearch_or_empty();
  // Foreign keys are off while migrating: a migration may rebuild a table that others reference
  // (SQLite's documented procedure); each migration checks the keys before it commits.
  connection_.execute("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF; PRAGMA synchronous=NORMAL;");
  migrate();
  connection_.execute("PRAGMA foreign_keys=ON");
}

std::int64_t Database::pragma(const std::string& name) {
  auto s = connection_.prepare("PRAGMA " + name);
  return s.step() ? s.get_int(0) : 0;
}

// An fsearch database carries its application id; those written before it had one are recognised
// by their tables (and get the id at their next read-write open).
bool Database::looks_like_fsearch() {
  if (pragma("application_id") == kApplicationId) return true;
  auto s = connection_.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('sweeps', 'jobs', 'results')");
  return pragma("application_id") == 0 && pragma("user_version") >= 1 && s.step() && s.get_int(0) == 3;
}

void Database::check_is_fsearch_or_empty() {
  auto tables = connection_.prepare("SELECT count(*) FROM sqlite_master");
  const bool empty = tables.step() && tables.get_int(0) == 0 && pragma("user_version") == 0;
  if (!empty && !looks_like_fsearch()) {
    throw StorageError(connection_.path() + " is not an fsearch database (another application's SQLite file)",
                       "give --db a new file or one that fsearch wrote");
  }
}

void Database::check_readable() {
  if (!looks_like_fsearch()) {
    throw StorageError(connection_.path() + " is not an fsearch database",
                       "give --db a database that `fsearch run` wrote");
  }
  const int version = static_cast<int>(pragma("user_version"));
  if (version > kSchemaVersion) {
    throw StorageError(connection_.path() + " has schema version " + std::to_string(version) +
                           ", this fsearch reads " + std::to_string(kSchemaVersion),
                       "use a newer fsearch");
  }
  // An older schema is read through a migrated copy in memory: the file stays as it is (its next
  // `fsearch run` migrates it).
  if (version < kSchemaVersion) {
    connection_.detach_into_memory();
    connection_.execute("PRAGMA foreign_keys=OFF");
    migrate();
  }
}

int Database::schema_version() {
  auto s = connection_.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.get_int(0));
}

void Database::migrate() {
  int version = schema_version();
  if (version > kSchemaVersion) {
    throw StorageError(connection_.path() + " has schema version " + std::to_string(version) +
                           ", newer than this fsearch understands (" + std::to_string(kSchemaVersion) + ")",
                       "use the fsearch that wrote it, or a newer one");
  }
  const auto& steps = migrations();
  for (int v = version; v < kSchemaVersion; ++v) {
    transaction([&] {
      connection_.execute(steps[v]);
      if (connection_.prepare("PRAGMA foreign_key_check").step())
        throw StorageError(connection_.path() + ": migration to schema version " + std::to_string(v + 1) +
                           " would break a foreign key; nothing was changed");
      connection_.execute("PRAGMA user_version = " + std::to_string(v + 1));
    });
  }
  if (pragma("application_id") != kApplicationId)
    connection_.execute("PRAGMA application_id = " + std::to_string(kApplicationId));
}

void Database::check_file_is_ours() {
  if (!connection_.file_replaced()) return;
  const std::string rescue = connection_.path() + ".rescued-" + std::to_string(::getpid());
  connection_.save_copy(rescue);
  connection_.abandon_replaced_file();
  throw StorageError(connection_.path() +
                         " was replaced by another file while this process had it open (git checkout or git "
                         "stash of a tracked database, or a move over it); what this process recorded is in " +
                         rescue + ", nothing more was written, and the file now at " + connection_.path() +
                         " is left as it was put there",
                     "compare the two (fsearch status --db FILE), keep the one you want under the database's "
                     "name, and run the same command again (a sweep resumes from either)");
}

void Database::transaction(const std::function<void()>& body) {
  check_file_is_ours();
  connection_.execute("BEGIN IMMEDIATE");
  try {
    body();
    connection_.execute("COMMIT");
  } catch (...) {
    // SQLite may have rolled back already (a full disk fails the COMMIT): roll back only an open
    // transaction, so that the original error is the one reported.
    if (connection_.in_transaction()) connection_.execute("ROLLBACK");
    throw;
  }
}

std::optional<LockHolder> Database::lock_holder() {
  auto s = connection_.prepare(
      "SELECT pid, host, boot_id, started_at, heartbeat_at FROM scheduler_lock WHERE id = 1");
  if (!s.step()) return std::nullopt;
  return LockHolder{s.get_int(0), Machine{s.get_text(1), s.get_text(2)}, s.get_double(3), s.get_double(4)};
}

bool Database::lock_is_live(const LockHolder& holder, const Machine& here, double now,
                            const std::function<bool(std::int64_t)>& alive) {
  return holder.machine.same_boot_as(here) ? alive(holder.pid)
                                           : now - holder.heartbeat_at < kLockStaleSeconds;
}

std::optional<LockHolder> Database::acquire_lock(std::int64_t pid, const Machine& here, double now,
                                                 const std::function<bool(std::int64_t)>& alive) {
  std::optional<LockHolder> holder;
  transaction([&] {
    auto current = lock_holder();
    const bool ours = current && current->pid == pid && current->machine.same_boot_as(here);
    if (current && !ours && lock_is_live(*current, here, now, alive)) {
      holder = current;
      return;
    }
    connection_
        .prepare(
            "INSERT OR REPLACE INTO scheduler_lock (id, pid, host, boot_id, started_at, heartbeat_at) "
            "VALUES (1, ?, ?, ?, ?, ?)")
        .bind_all(pid, here.host, here.boot_id, now, now)
        .run();
  });
  return holder;
}

bool Database::refresh_lock(std::int64_t pid, const Machine& here, double now) {
  check_file_is_ours();
  connection_
      .prepare(
          "UPDATE scheduler_lock SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND host = ? AND boot_id = ?")
      .bind_all(now, pid, here.host, here.boot_id)
      .run();
  return connection_.changes() == 1;
}

void Database::release_lock(std::int64_t pid, const Machine& here) {
  connection_.prepare("DELETE FROM scheduler_lock WHERE id = 1 AND pid = ? AND host = ? AND boot_id = ?")
      .bind_all(pid, here.host, here.boot_id)
      .run();
}

std::int64_t Database::ensure_sweep(const std::string& name, const std::string& space_file,
                                    const std::string& budget, double now) {
  connection_
      .prepare(
          "INSERT INTO sweeps (name, space_file, budget, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT(name) DO UPDATE SET space_file = excluded.space_file, budget = excluded.budget, "
          "updated_at = excluded.updated_at")
      .bind_all(name, space_file, budget, now, now)
      .run();
  auto s = connection_.prepare("SELECT id FROM sweeps WHERE name = ?");
  s.bind(1, name).step();
  return s.get_int(0);
}

std::vector<std::pair<std::int64_t, std::string>> Database::sweeps() {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto s = connection_.prepare("SELECT id, name FROM sweeps ORDER BY id");
  while (s.step()) out.emplace_back(s.get_int(0), s.get_text(1));
  return out;
}

void Database::upsert_candidate(const CandidateRow& c) {
  connection_
      .prepare(
          "INSERT INTO candidates (fingerprint, expression, base, transforms, properties, pass_all, reasons) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET properties = "
          "excluded.properties, "
          "pass_all = excluded.pass_all, reasons = excluded.reasons")
      .bind_all(c.fingerprint, c.expression, c.base, c.transforms_json, c.properties_json, c.pass_all ? 1 : 0, c.reasons)
      .run();
}

void Database::link_candidate(std::int64_t sweep, const std::string& fingerprint, CandidateStatus status,
                              const std::string& spelled_as) {
  connection_
      .prepare(
          "INSERT OR REPLACE INTO sweep_candidates (sweep_id, fingerprint, spelled_as, status) VALUES (?, ?, "
          "?, ?)")
      .bind_all(sweep, fingerprint, spelled_as, to_string(status))
      .run();
}

std::map<CandidateStatus, int> Database::candidate_counts(std::int64_t sweep) {
  std::map<CandidateStatus, int> out;
  auto s =
      connection_.prepare("SELECT status, COUNT(*) FROM sweep_candidates WHERE sweep_id = ? GROUP BY status");
  s.bind(1, sweep);
  while (s.step()) out[parse_candidate_status(s.get_text(0))] = static_cast<int>(s.get_int(1));
  return out;
}

std::vector<CandidateRow> Database::candidates(std::int64_t sweep, CandidateStatus status) {
  auto s =
      connection_.prepare(std::string("SELECT ") + kCandidateColumns +
                          " FROM sweep_candidates sc JOIN candidates c ON c.fingerprint = sc.fingerprint "
                          "WHERE sc.sweep_id = ? AND sc.status = ? ORDER BY c.expression");
  s.bind_all(sweep, to_string(status));
  return s.rows(read_candidate);
}

std::optional<CandidateRow> Database::candidate(const std::string& fingerprint) {
  auto s = connection_.prepare(std::string("SELECT ") + kCandidateColumns +
                               " FROM candidates c WHERE c.fingerprint = ?");
  s.bind(1, fingerprint);
  if (!s.step()) return std::nullopt;
  return read_candidate(s);
}

std::map<std::string, std::string> Database::spellings(std::int64_t sweep) {
  std::map<std::string, std::string> out;
  auto s = connection_.prepare("SELECT spelled_as, fingerprint FROM sweep_candidates WHERE sweep_id = ?");
  s.bind(1, sweep);
  while (s.step()) out[s.get_text(0)] = s.get_text(1);
  return out;
}

std::optional<std::int64_t> Database::sweep_id(const std::string& name) {
  auto s = connection_.prepare("SELECT id FROM sweeps WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.get_int(0);
}

bool Database::add_job(std::int64_t sweep, const JobRow& j) {
  connection_
      .prepare(
          "INSERT OR IGNORE INTO jobs (key, fingerprint, label, proxy, shift, lr, alpha_init, seed, spec, "
          "run_dir, state, max_attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)")
      .bind_all(j.key, j.fingerprint, j.label, j.proxy, j.shift, j.lr, j.alpha_init, j.seed, j.spec_json, j.run_dir, j.max_attempts)
      .run();
  bool added = connection_.changes() > 0;
  connection_.prepare("INSERT OR IGNORE INTO sweep_jobs (sweep_id, job_key) VALUES (?, ?)")
      .bind_all(sweep, j.key)
      .run();
  return added;
}

std::optional<JobRow> Database::job(const std::string& key) {
  auto s = connection_.prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return read_job(s);
}

Database::Dropped Database::drop_unstarted_job(std::int64_t sweep, const std::string& key) {
  const auto row = job(key);
  auto recorded = connection_.prepare(
      "SELECT EXISTS (SELECT 1 FROM results WHERE job_key = ?1) OR EXISTS (SELECT 1 FROM curves WHERE job_key = ?1) "
      "OR EXISTS (SELECT 1 FROM rungs WHERE job_key = ?1) OR EXISTS (SELECT 1 FROM promotions WHERE job_key = ?1) "
      "OR EXISTS (SELECT 1 FROM replaced_results WHERE job_key = ?1)");
  recorded.bind(1, key);
  recorded.step();
  if (!row || row->state != JobState::Pending || row->attempts != 0 || row->started_at != 0 || recorded.get_int(0))
    return Dropped::Started;
  connection_.prepare("DELETE FROM sweep_jobs WHERE sweep_id = ? AND job_key = ?").bind_all(sweep, key).run();
  connection_.prepare("DELETE FROM jobs WHERE key = ?1 AND NOT EXISTS (SELECT 1 FROM sweep_jobs WHERE job_key = ?1)")
      .bind_all(key)
      .run();
  return connection_.changes() > 0 ? Dropped::FromDatabase : Dropped::FromSweep;
}

std::vector<JobRow> Database::jobs(std::int64_t sweep, std::optional<JobState> state) {
  std::string sql = std::string("SELECT ") + kJobColumns +
                    " FROM jobs WHERE key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?)";
  if (state) sql += " AND state = ?";
  // Pending jobs in dispatch order: promoted jobs (higher priority) first, then planning order.
  sql += state == JobState::Pending ? " ORDER BY priority DESC, rowid" : " ORDER BY rowid";
  auto s = connection_.prepare(sql);
  s.bind(1, sweep);
  if (state) s.bind(2, to_string(*state));
  return s.rows(read_job);
}

std::map<JobState, int> Database::job_counts(std::int64_t sweep) {
  std::map<JobState, int> out;
  auto s = connection_.prepare(
      "SELECT state, COUNT(*) FROM jobs WHERE key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?) "
      "GROUP BY state");
  s.bind(1, sweep);
  while (s.step()) out[parse_job_state(s.get_text(0))] = static_cast<int>(s.get_int(1));
  return out;
}

void Database::transition(const std::string& key, JobState to) {
  auto current = job(key);
  if (!current) throw StorageError("no job " + key);
  if (!allowed_transition(current->state, to)) {
    throw StorageError("job " + key + ": " + to_string(current->state) + " -> " + to_string(to) +
                       " is not allowed");
  }
}

void Database::mark_running(const std::string& key, std::int64_t pid, double now) {
  transition(key, JobState::Running);
  connection_
      .prepare(
          "UPDATE jobs SET state = 'running', worker_pid = ?, heartbeat_at = ?, started_at = ? WHERE key = ?")
      .bind_all(pid, now, now, key)
      .run();
}

void Database::heartbeat(const std::string& key, double now) {
  connection_.prepare("UPDATE jobs SET heartbeat_at = ? WHERE key = ? AND state = 'running'")
      .bind_all(now, key)
      .run();
}

void Database::mark_submitted(const std::string& key, const std::string& slurm_id, double now) {
  transition(key, JobState::Running);
  connection_
      .prepare(
          "UPDATE jobs SET state = 'running', worker_pid = 0, slurm_id = ?, slurm_state = 'SUBMITTING', "
          "heartbeat_at = ?, started_at = ? WHERE key = ?")
      .bind_all(slurm_id, now, now, key)
      .run();
}

void Database::set_slurm_state(const std::string& key, const std::string& slurm_id,
                               const std::string& state) {
  connection_.prepare("UPDATE jobs SET slurm_id = ?, slurm_state = ? WHERE key = ?")
      .bind_all(slurm_id, state, key)
      .run();
}

void Database::count_timeout(const std::string& key) {
  connection_.prepare("UPDATE jobs SET timeouts = timeouts + 1 WHERE key = ?").bind(1, key).run();
}

void Database::count_preemption(const std::string& key) {
  connection_.prepare("UPDATE jobs SET preemptions = preemptions + 1 WHERE key = ?").bind(1, key).run();
}

void Database::requeue(const std::string& key, const std::string& why) {
  transition(key, JobState::Pending);
  connection_.prepare("UPDATE jobs SET state = 'pending', worker_pid = 0, error = ? WHERE key = ?")
      .bind_all(why, key)
      .run();
}

int Database::retry_failed(std::int64_t sweep) {
  connection_
      .prepare(
          "UPDATE jobs SET state = 'pending', attempts = 0, timeouts = 0, worker_pid = 0, error = '' "
          "WHERE state = 'failed' AND key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?)")
      .bind(1, sweep)
      .run();
  return connection_.changes();
}

void Database::reopen_rejected(const std::string& key) {
  auto current = job(key);
  if (!current || current->state != JobState::Rejected) throw StorageError("job " + key + " is not rejected");
  transaction([&] {
    transition(key, JobState::Pending);
    connection_.prepare("DELETE FROM results WHERE job_key = ?").bind(1, key).run();
    connection_.prepare("UPDATE jobs SET state = 'pending', worker_pid = 0, error = ? WHERE key = ?")
        .bind_all(std::string("rejected early; trained on to the end (--retry-rejected)"), key)
        .run();
  });
}

std::map<std::string, std::string> Database::finished_builds(std::int64_t sweep) {
  auto s = connection_.prepare(
      "SELECT r.job_key, coalesce(json_extract(r.result, '$.git_commit'), '') FROM results r "
      "JOIN jobs j ON j.key = r.job_key WHERE j.state IN ('done', 'diverged', 'rejected') "
      "AND r.job_key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?)");
  s.bind(1, sweep);
  std::map<std::string, std::string> out;
  while (s.step()) out[s.get_text(0)] = s.get_text(1);
  return out;
}

std::map<std::string, int> Database::fid_extractors() {
  auto s = connection_.prepare(
      "SELECT fid_features, count(*) FROM results WHERE fid_features <> '' GROUP BY fid_features");
  std::map<std::string, int> out;
  while (s.step()) out[s.get_text(0)] = static_cast<int>(s.get_int(1));
  return out;
}

std::vector<std::pair<std::string, std::string>> Database::replaced_builds(std::int64_t sweep) {
  auto s = connection_.prepare(
      "SELECT job_key, coalesce(json_extract(result, '$.git_commit'), '') FROM replaced_results "
      "WHERE job_key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?) ORDER BY replaced_at");
  s.bind(1, sweep);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.get_text(0), s.get_text(1));
  return out;
}

std::vector<ReplacedResult> Database::replaced_results(std::int64_t sweep) {
  auto s = connection_.prepare("SELECT job_key, replaced_at, reason, state, run_dir, " + result_columns("result") +
                               " FROM replaced_results WHERE job_key IN (SELECT job_key FROM sweep_jobs WHERE "
                               "sweep_id = ?) ORDER BY replaced_at, job_key");
  s.bind(1, sweep);
  return s.rows([](const Statement& r) {
    ReplacedResult out;
    out.key = r.get_text(0);
    out.replaced_at = r.get_double(1);
    out.reason = r.get_text(2);
    out.state = r.get_text(3);
    out.run_dir = r.get_text(4);
    out.result = read_result(r, 5, out.key);
    return out;
  });
}

void Database::replace_result(const std::string& key, const std::string& why, const std::string& moved_run_dir,
                              double now) {
  transaction([&] {
    auto current = job(key);
    if (!current) throw StorageError("no job " + key);
    if (current->state != JobState::Done && current->state != JobState::Diverged &&
        current->state != JobState::Rejected)
      throw StorageError("job " + key + " is " + to_string(current->state) + ", not finished: nothing to replace");
    connection_
        .prepare(
            "INSERT INTO replaced_results (job_key, replaced_at, reason, state, result, curves, run_dir) "
            "SELECT j.key, ?, ?, j.state, coalesce(r.result, '{}'), "
            "(SELECT coalesce(json_group_array(json_object('kind', kind, 'step', step, 'loss', loss, 'lr', lr, "
            "'grad_norm', grad_norm, 'test_acc', test_acc)), '[]') FROM "
            "(SELECT * FROM curves WHERE job_key = j.key ORDER BY kind, step)), ? "
            "FROM jobs j LEFT JOIN results r ON r.job_key = j.key WHERE j.key = ?")
        .bind_all(now, why, moved_run_dir, key)
        .run();
    connection_.prepare("DELETE FROM curves WHERE job_key = ?").bind(1, key).run();
    connection_.prepare("DELETE FROM results WHERE job_key = ?").bind(1, key).run();
    connection_
        .prepare(
            "UPDATE jobs SET state = 'pending', attempts = 0, timeouts = 0, preemptions = 0, worker_pid = 0, "
            "started_at = 0, finished_at = 0, heartbeat_at = 0, log_tail = '', error = '' WHERE key = ?")
        .bind(1, key)
        .run();
  });
}

void Database::record_result(const ResultRow& r, JobState state, double now) {
  if (state != JobState::Done && state != JobState::Diverged && state != JobState::Rejected)
    throw StorageError("a result is done, diverged or rejected");
  transaction([&] {
    transition(r.key, state);
    std::string columns = "job_key, status, steps, diverged_step, diverged_reason, result, fid_features",
                values = "?, ?, ?, ?, ?, ?, ?";
    for (const auto& field : result_number_fields())
      columns += ", " + std::string(field.name), values += ", ?";
    auto insert =
        connection_.prepare("INSERT OR REPLACE INTO results (" + columns + ") VALUES (" + values + ")");
    insert.bind_all(r.key, r.status, r.steps, r.diverged_step, r.diverged_reason, r.result_json, r.fid_features);
    int index = 8;
    for (const auto& field : result_number_fields()) insert.bind(index++, r.*field.member);
    insert.run();
    connection_
        .prepare("UPDATE jobs SET state = ?, finished_at = ?, worker_pid = 0, error = '' WHERE key = ?")
        .bind_all(to_string(state), now, r.key)
        .run();
  });
}

bool Database::record_failure(const std::string& key, const std::string& error, const std::string& log_tail,
                              double now, bool may_retry) {
  bool retry = false;
  transaction([&] {
    transition(key, JobState::Failed);
    auto current = job(key);
    int attempts = current->attempts + 1;
    retry = may_retry && attempts < current->max_attempts;
    connection_
        .prepare(
            "UPDATE jobs SET state = ?, attempts = ?, error = ?, log_tail = ?, finished_at = ?, "
            "worker_pid = 0 WHERE key = ?")
        .bind_all(retry ? "pending" : "failed", attempts, error, log_tail, now, key)
        .run();
  });
  return retry;
}

void Database::record_rung(const RungRow& r, double now) {
  transaction([&] {
    transition(r.key, JobState::Paused);
    connection_
        .prepare(
            "INSERT OR REPLACE INTO rungs (job_key, step, fraction, score, metric, recorded_at, cooldown_steps) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind_all(r.key, r.step, r.fraction, r.score, r.metric, now, r.cooldown_steps)
        .run();
    connection_.prepare("UPDATE jobs SET state = 'paused', worker_pid = 0, error = '' WHERE key = ?")
        .bind(1, r.key)
        .run();
  });
}

std::vector<RungRow> Database::rungs(std::int64_t sweep) {
  auto s = connection_.prepare(
      "SELECT job_key, step, fraction, score, metric, recorded_at, cooldown_steps FROM rungs "
      "WHERE job_key IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = ?) ORDER BY recorded_at, rowid");
  s.bind(1, sweep);
  return s.rows([](const Statement& r) {
    return RungRow{r.get_text(0),   r.get_int(1),    r.get_double(2), r.get_double(3),
                   r.get_text(4),   r.get_double(5), r.get_int(6)};
  });
}

void Database::promote(std::int64_t sweep, const PromotionRow& p, int priority) {
  transaction([&] {
    transition(p.key, JobState::Pending);
    connection_
        .prepare(
            "INSERT OR REPLACE INTO promotions (sweep_id, job_key, from_step, to_fraction, reason, "
            "decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(sweep, p.key, p.from_step, p.to_fraction, p.reason, p.decided_at)
        .run();
    connection_.prepare("UPDATE jobs SET state = 'pending', priority = ?, error = '' WHERE key = ?")
        .bind_all(priority, p.key)
        .run();
  });
}

std::vector<PromotionRow> Database::promotions(std::int64_t sweep) {
  auto s = connection_.prepare(
      "SELECT job_key, from_step, to_fraction, reason, decided_at FROM promotions WHERE sweep_id = ? "
      "ORDER BY decided_at, rowid");
  s.bind(1, sweep);
  return s.rows([](const Statement& r) {
    return PromotionRow{r.get_text(0), r.get_int(1), r.get_double(2), r.get_text(3), r.get_double(4)};
  });
}

void Database::add_lineage(std::int64_t sweep, const LineageRow& r) {
  connection_
      .prepare(
          "INSERT INTO lineage (sweep_id, generation, idx, fingerprint, expression, genome, parent, "
          "mutation, "
          "status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(sweep, r.generation, r.index, r.fingerprint, r.expression, r.genome, r.parent, r.mutation, to_string(r.status), r.reason)
      .run();
}

std::vector<LineageRow> Database::lineage(std::int64_t sweep) {
  auto s = connection_.prepare(
      "SELECT generation, idx, fingerprint, expression, genome, parent, mutation, status, reason FROM "
      "lineage "
      "WHERE sweep_id = ? ORDER BY generation, idx");
  s.bind(1, sweep);
  return s.rows([](const Statement& r) {
    return LineageRow{r.get_int(0),  r.get_int(1),  r.get_text(2), r.get_text(3), r.get_text(4), r.get_text(5),
                      r.get_text(6), parse_candidate_status(r.get_text(7)), r.get_text(8)};
  });
}

void Database::add_curve(const std::vector<CurvePoint>& points) {
  if (points.empty()) return;
  transaction([&] {
    auto s = connection_.prepare(
        "INSERT OR REPLACE INTO curves (job_key, kind, step, loss, lr, grad_norm, test_acc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const auto& p : points) {
      s.reset();
      s.bind_all(p.key, p.kind, p.step, p.loss, p.lr, p.grad_norm, p.test_acc).run();
    }
  });
}

std::vector<CurvePoint> Database::curve(const std::string& key, const std::string& kind) {
  auto s = connection_.prepare(
      "SELECT step, loss, lr, grad_norm, test_acc FROM curves WHERE job_key = ? AND kind = ? ORDER BY step");
  s.bind_all(key, kind);
  return s.rows([&](const Statement& r) {
    return CurvePoint{key, kind, r.get_int(0), r.get_double(1), r.get_double(2), r.get_double(3), r.get_double(4)};
  });
}

std::optional<ResultRow> Database::result(const std::string& key) {
  auto s = connection_.prepare("SELECT " + result_columns("") + " FROM results WHERE job_key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return read_result(s, 0, key);
}

}  // namespace fsearch::db
