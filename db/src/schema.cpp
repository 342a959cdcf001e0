// Numbered migrations. Never edit a released one: add the next.
#include <string>
#include <vector>

namespace fsearch::db {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> kMigrations = {
      // 0 -> 1: sweeps, candidates, jobs, results, curves, the lock
      R"sql(
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  space_file TEXT NOT NULL,
  budget TEXT NOT NULL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL
);
CREATE TABLE candidates (
  fingerprint TEXT PRIMARY KEY,
  expression TEXT NOT NULL,
  base TEXT NOT NULL,
  transforms TEXT NOT NULL,
  properties TEXT NOT NULL,
  pass_all INTEGER NOT NULL,
  reasons TEXT NOT NULL
);
CREATE TABLE sweep_candidates (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  fingerprint TEXT NOT NULL REFERENCES candidates(fingerprint),
  spelled_as TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('kept', 'rejected', 'duplicate')),
  PRIMARY KEY (sweep_id, spelled_as)
);
CREATE TABLE jobs (
  key TEXT PRIMARY KEY,
  fingerprint TEXT,
  label TEXT NOT NULL,
  proxy TEXT NOT NULL,
  shift TEXT NOT NULL,
  lr REAL NOT NULL,
  alpha_init REAL NOT NULL,
  seed INTEGER NOT NULL,
  spec TEXT NOT NULL,
  run_dir TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'diverged', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  worker_pid INTEGER NOT NULL DEFAULT 0,
  heartbeat_at REAL NOT NULL DEFAULT 0,
  started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sweep_jobs (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  job_key TEXT NOT NULL REFERENCES jobs(key),
  PRIMARY KEY (sweep_id, job_key)
);
CREATE TABLE results (
  job_key TEXT PRIMARY KEY REFERENCES jobs(key),
  status TEXT NOT NULL,
  test_acc REAL, test_loss REAL, final_loss REAL, best_loss REAL,
  steps INTEGER NOT NULL,
  diverged_step INTEGER NOT NULL,
  diverged_reason TEXT NOT NULL,
  wall_time REAL, images_per_sec REAL,
  result TEXT NOT NULL
);
CREATE TABLE curves (
  job_key TEXT NOT NULL REFERENCES jobs(key),
  kind TEXT NOT NULL,
  step INTEGER NOT NULL,
  loss REAL, lr REAL, grad_norm REAL, test_acc REAL,
  PRIMARY KEY (job_key, kind, step)
);
CREATE TABLE scheduler_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at REAL NOT NULL,
  heartbeat_at REAL NOT NULL
);
)sql",
      // 1 -> 2: the evaluation-mode training loss (Appendix E) and a failed worker's log tail
      R"sql(
ALTER TABLE results ADD COLUMN eval_train_loss REAL;
ALTER TABLE jobs ADD COLUMN log_tail TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_by_state ON jobs(state);
)sql",
      // 2 -> 3: the DiT proxy's FID, with the feature extractor that produced it
      R"sql(
ALTER TABLE results ADD COLUMN fid REAL;
ALTER TABLE results ADD COLUMN fid_features TEXT NOT NULL DEFAULT '';
)sql",
      // 3 -> 4: the Slurm backend: a job's Slurm id and state, and its time-limit and preemption counts
      R"sql(
ALTER TABLE jobs ADD COLUMN slurm_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN slurm_state TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN timeouts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN preemptions INTEGER NOT NULL DEFAULT 0;
)sql",
      // 4 -> 5: search strategies. Two job states (paused at a successive-halving rung, rejected by the
      // early probe), a dispatch priority (promoted jobs first), each job's rung results and each
      // sweep's promotion decisions. SQLite cannot change a CHECK in place: the jobs table is rebuilt
      // (with foreign keys off, see Database::migrate) and keeps every row.
      R"sql(
CREATE TABLE jobs_v5 (
  key TEXT PRIMARY KEY,
  fingerprint TEXT,
  label TEXT NOT NULL,
  proxy TEXT NOT NULL,
  shift TEXT NOT NULL,
  lr REAL NOT NULL,
  alpha_init REAL NOT NULL,
  seed INTEGER NOT NULL,
  spec TEXT NOT NULL,
  run_dir TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'running', 'paused', 'done', 'diverged', 'rejected', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  worker_pid INTEGER NOT NULL DEFAULT 0,
  heartbeat_at REAL NOT NULL DEFAULT 0,
  started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  log_tail TEXT NOT NULL DEFAULT '',
  slurm_id TEXT NOT NULL DEFAULT '',
  slurm_state TEXT NOT NULL DEFAULT '',
  timeouts INTEGER NOT NULL DEFAULT 0,
  preemptions INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0
);
INSERT INTO jobs_v5 (rowid, key, fingerprint, label, proxy, shift, lr, alpha_init, seed, spec, run_dir, state,
                     attempts, max_attempts, worker_pid, heartbeat_at, started_at, finished_at, error, log_tail,
                     slurm_id, slurm_state, timeouts, preemptions)
  SELECT rowid, key, fingerprint, label, proxy, shift, lr, alpha_init, seed, spec, run_dir, state, attempts,
         max_attempts, worker_pid, heartbeat_at, started_at, finished_at, error, log_tail, slurm_id,
         slurm_state, timeouts, preemptions FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v5 RENAME TO jobs;
CREATE INDEX jobs_by_state ON jobs(state);
CREATE TABLE rungs (
  job_key TEXT NOT NULL REFERENCES jobs(key),
  step INTEGER NOT NULL,
  fraction REAL NOT NULL,
  score REAL,
  metric TEXT NOT NULL,
  recorded_at REAL NOT NULL,
  PRIMARY KEY (job_key, step)
);
CREATE TABLE promotions (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  job_key TEXT NOT NULL REFERENCES jobs(key),
  from_step INTEGER NOT NULL,
  to_fraction REAL NOT NULL,
  reason TEXT NOT NULL,
  decided_at REAL NOT NULL,
  PRIMARY KEY (sweep_id, job_key, from_step)
);
)sql",
      // 5 -> 6: evolution: every child an evolutionary sweep bred (kept, rejected by the screen, or a
      // duplicate of a function evaluated before), its genome, parent and mutation
      R"sql(
CREATE TABLE lineage (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  generation INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  expression TEXT NOT NULL,
  genome TEXT NOT NULL,
  parent TEXT NOT NULL,
  mutation TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('kept', 'rejected', 'duplicate')),
  reason TEXT NOT NULL,
  PRIMARY KEY (sweep_id, generation, idx)
);
)sql",
      // 6 -> 7: a rung scored on an annealed branch (halving.cooldown) records the branch's steps
      R"sql(
ALTER TABLE rungs ADD COLUMN cooldown_steps INTEGER NOT NULL DEFAULT 0;
)sql",
      // 7 -> 8: results set aside when a finished job is trained again (`fsearch run --retrain-build`):
      // the result, the job's state then, its curve points (JSON) and where its run directory went
      R"sql(
CREATE TABLE replaced_results (
  job_key TEXT NOT NULL REFERENCES jobs(key),
  replaced_at REAL NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  result TEXT NOT NULL,
  curves TEXT NOT NULL,
  run_dir TEXT NOT NULL,
  PRIMARY KEY (job_key, replaced_at)
);
)sql",
      // 8 -> 9: the boot of the machine whose scheduler holds the lock (its pid means something
      // only there; Database::lock_is_live)
      R"sql(
ALTER TABLE scheduler_lock ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
)sql",
  };
  return kMigrations;
}

}  // namespace fsearch::db
