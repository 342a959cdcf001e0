#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/db/database.h"
#include "temp_dir.h"

namespace fsearch::db {
namespace {

namespace fs = std::filesystem;

// The suite's databases live in one folder, removed when the tests end.
std::string fresh_db(const std::string& name) {
  static const fsearch::testing::TempDir dir("db-tests");
  auto path = dir / (name + ".db");
  for (const auto& file : {path.string(), path.string() + "-wal", path.string() + "-shm"}) fs::remove(file);
  return path.string();
}

JobRow job(const std::string& key, int max_attempts = 2) {
  JobRow j;
  j.key = key;
  j.label = "erf(x)";
  j.proxy = "vit-tiny";
  j.shift = "scalar";
  j.lr = 1e-3;
  j.alpha_init = 0.5;
  j.spec_json = "{}";
  j.run_dir = "/tmp/" + key;
  j.max_attempts = max_attempts;
  return j;
}

TEST(Database, CreatesTheCurrentSchema) {
  Database db(fresh_db("create"));
  EXPECT_EQ(db.schema_version(), Database::kSchemaVersion);
  auto s = db.connection().prepare("PRAGMA journal_mode");
  s.step();
  EXPECT_EQ(s.get_text(0), "wal");
}

TEST(Database, MigratesADatabaseOfEveryOlderVersion) {
  for (int version = 0; version < Database::kSchemaVersion; ++version) {
    auto path = fresh_db("v" + std::to_string(version));
    {
      // Build a database exactly as an fsearch of that schema version left it, with data in it.
      Connection old(path);
      for (int v = 0; v < version; ++v) old.execute(migrations()[v]);
      old.execute("PRAGMA user_version = " + std::to_string(version));
      if (version >= 1) {
        old.execute(
            "INSERT INTO sweeps (name, space_file, budget, created_at, updated_at) VALUES ('old', 's.yaml', "
            "'default', 1, 1)");
        old.execute(
            "INSERT INTO jobs (key, label, proxy, shift, lr, alpha_init, seed, spec, run_dir, state, "
            "max_attempts) "
            "VALUES ('k1', 'erf(x)', 'vit-tiny', 'scalar', 0.001, 0.5, 0, '{}', '/r', 'done', 3)");
        old.execute("INSERT INTO sweep_jobs VALUES (1, 'k1')");
        old.execute(
            "INSERT INTO results (job_key, status, test_acc, steps, diverged_step, diverged_reason, result) "
            "VALUES ('k1', 'done', 0.8, 10, -1, '', '{}')");
      }
    }
    if (version >= 1) {
      // Read commands read it at the current schema through a copy; the file stays as it was.
      const auto size = fs::file_size(path);
      {
        Database reader(path, Access::ReadOnly);
        EXPECT_EQ(reader.schema_version(), Database::kSchemaVersion) << "read from version " << version;
        ASSERT_TRUE(reader.result("k1").has_value());
        EXPECT_DOUBLE_EQ(reader.result("k1")->test_acc, 0.8);
        EXPECT_EQ(reader.job("k1")->priority, 0);
      }
      Connection file(path, Access::ReadOnly);
      auto v = file.prepare("PRAGMA user_version");
      ASSERT_TRUE(v.step());
      EXPECT_EQ(v.get_int(0), version);
      EXPECT_EQ(fs::file_size(path), size);
      EXPECT_FALSE(fs::exists(path + "-wal"));
    }
    Database db(path);
    EXPECT_EQ(db.schema_version(), Database::kSchemaVersion) << "from version " << version;
    if (version >= 1) {
      auto kept = db.job("k1");
      ASSERT_TRUE(kept.has_value());
      EXPECT_EQ(kept->state, JobState::Done);
      EXPECT_EQ(kept->log_tail, "");  // added by migration 2
      auto result = db.result("k1");
      ASSERT_TRUE(result.has_value());
      EXPECT_DOUBLE_EQ(result->test_acc, 0.8);
      EXPECT_TRUE(std::isnan(result->eval_train_loss));
      EXPECT_EQ(kept->priority, 0);  // added by migration 5, which rebuilt the jobs table
      EXPECT_TRUE(db.rungs(1).empty());
      db.add_job(1, job("k2"));
      db.mark_running("k2", 7, 2);
      db.record_rung({"k2", 5, 0.5, 0.3, "test_acc", 0}, 3);  // the rebuilt table takes the new states
      EXPECT_EQ(db.job("k2")->state, JobState::Paused);
      auto fk = db.connection().prepare("PRAGMA foreign_key_check");
      EXPECT_FALSE(fk.step()) << "a foreign key broken from version " << version;
    }
  }
}

TEST(Database, RefusesANewerSchema) {
  auto path = fresh_db("newer");
  {
    Connection c(path);
    c.execute("PRAGMA application_id = " + std::to_string(Database::kApplicationId));
    c.execute("PRAGMA user_version = 99");
  }
  for (auto access : {Access::ReadWrite, Access::ReadOnly}) {
    try {
      Database db(path, access);
      ADD_FAILURE() << "opened a newer schema";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("has schema version 99"), std::string::npos) << e.what();
    }
  }
}

// Read commands (status, export, report) open read-only: another application's SQLite file or an
// empty file is refused and left exactly as it was (no tables added, no WAL switched on).
TEST(Database, ReadOnlyRefusesOtherFilesAndChangesNothing) {
  auto path = fresh_db("foreign");
  {
    Connection c(path);
    c.execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')");
  }
  const auto size = fs::file_size(path);
  for (auto access : {Access::ReadOnly, Access::ReadWrite}) {
    try {
      Database db(path, access);
      ADD_FAILURE() << "opened another application's file";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("is not an fsearch database"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_FALSE(fs::exists(path + "-wal"));
  Connection check(path);
  auto s = check.prepare("SELECT count(*) FROM sqlite_master");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.get_int(0), 1);

  auto empty = fresh_db("empty");
  std::ofstream(empty).close();
  EXPECT_THROW(Database(empty, Access::ReadOnly), StorageError);
  EXPECT_EQ(fs::file_size(empty), 0u);
}

// A file that is not SQLite at all (a typo'd --db naming a log or a YAML file) is named as such,
// by its path, and left as it was.
TEST(Database, AFileThatIsNotSqliteIsNamedAndLeftAlone) {
  for (const std::string text : {"name: my-space\nprimitives: [\"erf(x)\"]\n", "SQLite"}) {
    auto path = fresh_db("not-sqlite");
    std::ofstream(path) << text;
    for (auto access : {Access::ReadOnly, Access::ReadWrite}) {
      try {
        Database db(path, access);
        ADD_FAILURE() << "opened a file that is not SQLite: " << text;
      } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find(path + " is not an fsearch database (not an SQLite file)"),
                  std::string::npos)
            << e.what();
      }
    }
    std::ifstream in(path);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), text);
    EXPECT_FALSE(fs::exists(path + "-wal"));
  }
}

// --db given a folder (the runs' folder, or "." by mistake): named as a folder, with an example of
// a file path, and nothing made inside it.
TEST(Database, AFolderIsNamedAsAFolder) {
  auto folder = fs::path(fresh_db("a-folder"));
  fs::create_directories(folder);
  for (auto access : {Access::ReadOnly, Access::ReadWrite}) {
    try {
      Database db(folder.string(), access);
      ADD_FAILURE() << "opened a folder";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find(folder.string() + ": it is a folder, not a database file"),
                std::string::npos)
          << e.what();
      EXPECT_NE(e.hint().find((folder / "fsearch.db").string()), std::string::npos) << e.hint();
    }
  }
  EXPECT_TRUE(fs::is_empty(folder));
}

// A database written before fsearch set its application id is still recognised by its tables, read
// as it is, and gets the id at its next read-write open.
TEST(Database, OlderFsearchDatabasesAreRecognisedAndGetTheApplicationId) {
  auto path = fresh_db("no-id");
  {
    Connection old(path);
    for (int v = 0; v < Database::kSchemaVersion; ++v) old.execute(migrations()[v]);
    old.execute("PRAGMA user_version = " + std::to_string(Database::kSchemaVersion));
  }
  auto id = [&] {
    Connection c(path, Access::ReadOnly);
    auto s = c.prepare("PRAGMA application_id");
    s.step();
    return s.get_int(0);
  };
  EXPECT_NO_THROW(Database(path, Access::ReadOnly));
  EXPECT_EQ(id(), 0);
  { Database db(path); }
  EXPECT_EQ(id(), Database::kApplicationId);
}

TEST(JobStates, TransitionTable) {
  using S = JobState;
  EXPECT_TRUE(allowed_transition(S::Pending, S::Running));
  EXPECT_TRUE(allowed_transition(S::Running, S::Done));
  EXPECT_TRUE(allowed_transition(S::Running, S::Diverged));
  EXPECT_TRUE(allowed_transition(S::Running, S::Pending));
  EXPECT_TRUE(allowed_transition(S::Failed, S::Pending));
  EXPECT_FALSE(allowed_transition(S::Pending, S::Done));
  EXPECT_FALSE(allowed_transition(S::Done, S::Running));
  EXPECT_FALSE(allowed_transition(S::Diverged, S::Pending));  // a result is never retried
  EXPECT_TRUE(allowed_transition(S::Running, S::Paused));      // a successive-halving rung
  EXPECT_TRUE(allowed_transition(S::Paused, S::Pending));      // promoted
  EXPECT_FALSE(allowed_transition(S::Paused, S::Running));     // only through a promotion
  EXPECT_TRUE(allowed_transition(S::Running, S::Rejected));
  EXPECT_TRUE(allowed_transition(S::Rejected, S::Pending));  // only through --retry-rejected
  EXPECT_FALSE(allowed_transition(S::Rejected, S::Running));
  EXPECT_FALSE(allowed_transition(S::Done, S::Pending));
  for (auto state : kJobStates) EXPECT_EQ(parse_job_state(to_string(state)), state);
}

// A job pauses at a rung with its score, a promotion requeues it ahead of the never-started jobs,
// and every decision stays in the sweep's records.
TEST(Jobs, RungsAndPromotionsFollowTheMachineAndOrderTheQueue) {
  Database db(fresh_db("rungs"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  for (auto key : {"a", "b", "c"}) db.add_job(sweep, job(key));
  RungRow rung{"a", 30, 1.0 / 9, 0.42, "test_acc", 0, 3};
  EXPECT_THROW(db.record_rung(rung, 2), StorageError);  // pending -> paused is not a transition
  db.mark_running("a", 11, 2);
  db.record_rung(rung, 3);
  EXPECT_EQ(db.job("a")->state, JobState::Paused);
  EXPECT_EQ(db.job("a")->worker_pid, 0);
  EXPECT_EQ(db.job_counts(sweep)[JobState::Paused], 1);
  auto rungs = db.rungs(sweep);
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_EQ(rungs[0].step, 30);
  EXPECT_DOUBLE_EQ(rungs[0].score, 0.42);
  EXPECT_EQ(rungs[0].metric, "test_acc");
  EXPECT_DOUBLE_EQ(rungs[0].recorded_at, 3);
  EXPECT_EQ(rungs[0].cooldown_steps, 3);

  db.promote(sweep, {"a", 30, 1.0 / 3, "rank 1 of 3", 4}, 1);
  auto pending = db.jobs(sweep, JobState::Pending);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].key, "a");  // the promoted job first, then planning order
  EXPECT_EQ(pending[1].key, "b");
  EXPECT_EQ(pending[0].priority, 1);
  auto promotions = db.promotions(sweep);
  ASSERT_EQ(promotions.size(), 1u);
  EXPECT_EQ(promotions[0].from_step, 30);
  EXPECT_DOUBLE_EQ(promotions[0].to_fraction, 1.0 / 3);
  EXPECT_EQ(promotions[0].reason, "rank 1 of 3");
  EXPECT_THROW(db.promote(sweep, {"b", 30, 1, "", 5}, 1), StorageError);  // b never paused

  db.mark_running("b", 12, 6);
  ResultRow rejected;
  rejected.key = "b";
  rejected.status = "rejected";
  rejected.diverged_step = 12;
  rejected.diverged_reason = "test accuracy 10.0% is still at chance (10.0%)";
  db.record_result(rejected, JobState::Rejected, 7);
  EXPECT_EQ(db.job("b")->state, JobState::Rejected);
  EXPECT_EQ(db.result("b")->diverged_reason, rejected.diverged_reason);
}

TEST(Jobs, AddIsIdempotentAndStatesFollowTheMachine) {
  Database db(fresh_db("jobs"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  EXPECT_EQ(db.ensure_sweep("s", "s.yaml", "smoke", 2), sweep);
  EXPECT_TRUE(db.add_job(sweep, job("a")));
  EXPECT_FALSE(db.add_job(sweep, job("a")));
  EXPECT_EQ(db.jobs(sweep).size(), 1u);
  ResultRow early;
  early.key = "a";
  early.status = "done";
  EXPECT_THROW(db.record_result(early, JobState::Done, 3), StorageError);  // pending -> done
  db.mark_running("a", 123, 3);
  EXPECT_EQ(db.job("a")->worker_pid, 123);
  ResultRow r;
  r.key = "a";
  r.status = "done";
  r.test_acc = 0.5;
  db.record_result(r, JobState::Done, 4);
  EXPECT_EQ(db.job("a")->state, JobState::Done);
  EXPECT_THROW(db.mark_running("a", 1, 5), StorageError);  // done is final
  EXPECT_EQ(db.job_counts(sweep)[JobState::Done], 1);
}

TEST(Jobs, FailuresRetryUntilAttemptsRunOut) {
  Database db(fresh_db("retry"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  db.add_job(sweep, job("a", 2));
  db.mark_running("a", 1, 1);
  EXPECT_TRUE(db.record_failure("a", "worker exited with code 1", "tail", 2));
  EXPECT_EQ(db.job("a")->state, JobState::Pending);
  db.mark_running("a", 1, 3);
  EXPECT_FALSE(db.record_failure("a", "worker exited with code 1", "the log tail", 4));
  auto failed = db.job("a");
  EXPECT_EQ(failed->state, JobState::Failed);
  EXPECT_EQ(failed->attempts, 2);
  EXPECT_EQ(failed->log_tail, "the log tail");
}

TEST(Jobs, RetryFailedRequeuesOnlyThisSweepsFailedJobsWithFreshCounts) {
  Database db(fresh_db("retry-failed"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  auto other = db.ensure_sweep("t", "t.yaml", "default", 1);
  for (const char* key : {"failed", "done"}) db.add_job(sweep, job(key, 1));
  db.add_job(other, job("elsewhere", 1));
  for (const char* key : {"failed", "elsewhere"}) {
    db.mark_running(key, 1, 1);
    db.count_timeout(key);
    EXPECT_FALSE(db.record_failure(key, "reached its time limit", "tail", 2, /*may_retry=*/false));
  }
  db.mark_running("done", 1, 1);
  ResultRow r;
  r.key = "done";
  r.status = "done";
  db.record_result(r, JobState::Done, 2);

  EXPECT_EQ(db.retry_failed(sweep), 1);
  auto again = db.job("failed");
  EXPECT_EQ(again->state, JobState::Pending);
  EXPECT_EQ(again->attempts, 0);
  EXPECT_EQ(again->timeouts, 0);
  // A fresh start: the old error would read as this attempt's (status lists pending jobs with one).
  EXPECT_EQ(again->error, "");
  EXPECT_EQ(db.job("elsewhere")->error, "reached its time limit");
  EXPECT_EQ(db.job("done")->state, JobState::Done);
  EXPECT_EQ(db.job("elsewhere")->state, JobState::Failed);  // another sweep's
  EXPECT_EQ(db.retry_failed(sweep), 0);
}

// --drop-unplanned: a job that never started leaves one sweep, and the database when no sweep has it
// left; a job that ran, or has anything recorded, stays whatever it is asked.
TEST(Jobs, DropUnstartedTakesOnlyJobsThatNeverRan) {
  Database db(fresh_db("drop-unstarted"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  auto other = db.ensure_sweep("t", "t.yaml", "default", 1);
  for (const char* key : {"shared", "alone", "ran", "requeued"}) db.add_job(sweep, job(key));
  db.add_job(other, job("shared"));
  db.mark_running("ran", 1, 1);
  db.mark_running("requeued", 1, 1);
  db.requeue("requeued", "interrupted");

  EXPECT_EQ(db.drop_unstarted_job(sweep, "shared"), Database::Dropped::FromSweep);
  EXPECT_TRUE(db.job("shared"));
  EXPECT_EQ(db.jobs(other).size(), 1u);
  EXPECT_EQ(db.drop_unstarted_job(sweep, "alone"), Database::Dropped::FromDatabase);
  EXPECT_FALSE(db.job("alone"));
  EXPECT_EQ(db.drop_unstarted_job(sweep, "ran"), Database::Dropped::Started);
  EXPECT_EQ(db.drop_unstarted_job(sweep, "requeued"), Database::Dropped::Started);  // pending, but it ran
  std::set<std::string> left;
  for (const auto& row : db.jobs(sweep)) left.insert(row.key);
  EXPECT_EQ(left, (std::set<std::string>{"ran", "requeued"}));
  EXPECT_EQ(db.drop_unstarted_job(other, "shared"), Database::Dropped::FromDatabase);
  EXPECT_FALSE(db.job("shared"));
}

// A rejection is the verdict of a short probe: --retry-rejected reopens it (and only it), and the
// rejection's result row goes, so that no report shows it while the job trains on.
TEST(Jobs, ReopenRejectedRequeuesARejectedJobWithoutItsResult) {
  Database db(fresh_db("reopen-rejected"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  for (const char* key : {"rejected", "diverged"}) {
    db.add_job(sweep, job(key, 1));
    db.mark_running(key, 1, 1);
  }
  ResultRow r;
  r.key = "rejected";
  r.status = "rejected";
  r.diverged_step = 50;
  db.record_result(r, JobState::Rejected, 2);
  r.key = "diverged";
  r.status = "diverged";
  db.record_result(r, JobState::Diverged, 2);

  db.reopen_rejected("rejected");
  EXPECT_EQ(db.job("rejected")->state, JobState::Pending);
  EXPECT_FALSE(db.result("rejected"));
  EXPECT_THROW(db.reopen_rejected("diverged"), StorageError);
  EXPECT_THROW(db.reopen_rejected("rejected"), StorageError);  // pending now
  EXPECT_EQ(db.job("diverged")->state, JobState::Diverged);
  EXPECT_TRUE(db.result("diverged"));
}

// --retrain-build: a finished job goes back to pending with fresh counts, and nothing recorded is
// lost: its result, its state then and its curve points move to replaced_results. Only finished
// jobs of the sweep are listed by build, and a job that is not finished is refused.
TEST(Jobs, ReplaceResultKeepsTheOldResultAndCurvesAndRequeuesTheJob) {
  Database db(fresh_db("replace-result"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  auto other = db.ensure_sweep("t", "t.yaml", "default", 1);
  for (const char* key : {"dirty", "clean", "running"}) db.add_job(sweep, job(key, 1));
  db.add_job(other, job("elsewhere", 1));
  for (const char* key : {"dirty", "clean", "running", "elsewhere"}) db.mark_running(key, 1, 1);
  ResultRow r;
  r.status = "done";
  r.steps = 100;
  r.test_acc = 0.81;
  r.key = "dirty";
  r.result_json = R"({"git_commit": "bab3cdad0bb5-dirty", "test_acc": 0.81})";
  db.record_result(r, JobState::Done, 2);
  r.key = "clean";
  r.result_json = R"({"git_commit": "d3e75b5abcde"})";
  db.record_result(r, JobState::Done, 2);
  r.key = "elsewhere";
  db.record_result(r, JobState::Done, 2);
  db.add_curve({{"dirty", "train", 10, 2.0, 1e-3, 1.0, NAN}, {"dirty", "eval", 100, 0.5, NAN, NAN, 0.81}});

  const auto builds = db.finished_builds(sweep);
  EXPECT_EQ(builds, (std::map<std::string, std::string>{{"clean", "d3e75b5abcde"}, {"dirty", "bab3cdad0bb5-dirty"}}));

  db.replace_result("dirty", "retrained", "/tmp/dirty.replaced-bab3cdad0bb5-dirty", 5);
  const auto requeued = db.job("dirty");
  EXPECT_EQ(requeued->state, JobState::Pending);
  EXPECT_EQ(requeued->attempts, 0);
  EXPECT_EQ(requeued->error, "");  // not a failure: status would list it as one
  EXPECT_FALSE(db.result("dirty"));
  EXPECT_TRUE(db.curve("dirty", "train").empty());
  EXPECT_TRUE(db.curve("dirty", "eval").empty());
  EXPECT_EQ(db.finished_builds(sweep).size(), 1u);

  auto kept = db.connection().prepare(
      "SELECT replaced_at, reason, state, json_extract(result, '$.test_acc'), json_array_length(curves), "
      "json_extract(curves, '$[0].kind'), json_extract(curves, '$[0].test_acc'), run_dir "
      "FROM replaced_results WHERE job_key = 'dirty'");
  ASSERT_TRUE(kept.step());
  EXPECT_DOUBLE_EQ(kept.get_double(0), 5);
  EXPECT_EQ(kept.get_text(1), "retrained");
  EXPECT_EQ(kept.get_text(2), "done");
  EXPECT_DOUBLE_EQ(kept.get_double(3), 0.81);
  EXPECT_EQ(kept.get_int(4), 2);
  EXPECT_EQ(kept.get_text(5), "eval");
  EXPECT_DOUBLE_EQ(kept.get_double(6), 0.81);
  EXPECT_EQ(kept.get_text(7), "/tmp/dirty.replaced-bab3cdad0bb5-dirty");
  EXPECT_FALSE(kept.step());

  // Trained again and replaced again: both earlier results stay.
  db.mark_running("dirty", 1, 6);
  r.key = "dirty";
  r.status = "diverged";
  db.record_result(r, JobState::Diverged, 7);
  db.replace_result("dirty", "again", "", 8);
  auto states = db.connection().prepare(
      "SELECT group_concat(state, ' ') FROM (SELECT state FROM replaced_results WHERE job_key = 'dirty' "
      "ORDER BY replaced_at)");
  ASSERT_TRUE(states.step());
  EXPECT_EQ(states.get_text(0), "done diverged");

  EXPECT_THROW(db.replace_result("running", "x", "", 9), StorageError);
  EXPECT_EQ(db.job("running")->state, JobState::Running);
  EXPECT_THROW(db.replace_result("dirty", "x", "", 9), StorageError);  // pending: nothing to replace
  EXPECT_THROW(db.replace_result("no-such-job", "x", "", 9), StorageError);
  EXPECT_EQ(db.job("clean")->state, JobState::Done);
  EXPECT_EQ(db.job("elsewhere")->state, JobState::Done);
}

// What `git stash` did to a running sweep whose database git tracks: the path replaced by a copy
// from earlier while the scheduler held the file open. Its next write would go to the old file that
// nothing else sees. It must stop before that, with what it recorded saved beside the database.
TEST(Database, AReplacedFileStopsWritesAndKeepsWhatWasRecorded) {
  const std::string path = fresh_db("replaced");
  const std::string earlier = path + ".earlier";
  std::string message;
  {
    Database db(path);
    db.ensure_sweep("before-the-copy", "s.yaml", "default", 1);
    db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)");
    fs::copy_file(path, earlier);
    db.ensure_sweep("after-the-copy", "s.yaml", "default", 2);
    db.refresh_lock(1, Machine{"vm", "boot"}, 3);  // the same file: nothing to say
    fs::rename(earlier, path);  // how git puts a file in place: a new file moved over the path
    EXPECT_TRUE(db.connection().file_replaced());
    try {
      db.refresh_lock(1, Machine{"vm", "boot"}, 4);
      ADD_FAILURE() << "a replaced database was written";
    } catch (const StorageError& e) {
      message = e.what();
    }
    EXPECT_THROW(db.transaction([] {}), StorageError);
  }
  const std::string rescue = path + ".rescued-" + std::to_string(::getpid());
  EXPECT_NE(message.find(path + " was replaced"), std::string::npos) << message;
  EXPECT_NE(message.find(rescue), std::string::npos) << message;
  Database rescued(rescue, Access::ReadOnly);
  std::vector<std::string> names;
  for (const auto& sweep : rescued.sweeps()) names.push_back(sweep.second);
  EXPECT_EQ(names, (std::vector<std::string>{"before-the-copy", "after-the-copy"}));
  // The file now at the path is the earlier copy, untouched by the stopped connection.
  Database now(path, Access::ReadOnly);
  EXPECT_EQ(now.sweeps().size(), 1u);
}

// A database opened by a relative path stays the same file when the process changes directory.
TEST(Database, AChangeOfWorkingDirectoryIsNotAReplacement) {
  const fs::path path = fresh_db("relative");
  const fs::path before = fs::current_path();
  fs::current_path(path.parent_path());
  {
    Database db(path.filename().string());
    fs::current_path("/");
    EXPECT_FALSE(db.connection().file_replaced());
    EXPECT_NO_THROW(db.refresh_lock(1, Machine{"vm", "boot"}, 2));
  }
  fs::current_path(before);
}

// On a shared filesystem the holder may be on another host, where its pid means nothing here: it is
// live while its heartbeat is fresh, and taken over once it is older than kLockStaleSeconds.
TEST(Lock, AnotherHostsFreshHeartbeatIsLive) {
  Database db(fresh_db("lock-hosts"));
  auto never_alive = [](std::int64_t) { return false; };
  const Machine a{"host-a", "boot-a"}, b{"host-b", "boot-b"};
  EXPECT_FALSE(db.acquire_lock(100, a, 1000, never_alive).has_value());
  // host-b, 60 s later: host-a's heartbeat is fresh, its pid unknowable here.
  auto holder = db.acquire_lock(200, b, 1060, never_alive);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->machine.host, "host-a");
  EXPECT_EQ(holder->machine.boot_id, "boot-a");
  EXPECT_TRUE(db.refresh_lock(100, a, 1100));  // host-a's scheduler polls
  EXPECT_TRUE(db.acquire_lock(200, b, 1100 + Database::kLockStaleSeconds - 1, never_alive).has_value());
  // Silent for longer than kLockStaleSeconds: taken over.
  EXPECT_FALSE(db.acquire_lock(200, b, 1100 + Database::kLockStaleSeconds + 1, never_alive).has_value());
  EXPECT_EQ(db.lock_holder()->machine.host, "host-b");
}

TEST(Lock, OneLiveSchedulerAtATime) {
  Database db(fresh_db("lock"));
  auto alive = [](std::int64_t) { return true; };
  auto dead = [](std::int64_t) { return false; };
  const Machine here{"host", "boot"};
  EXPECT_FALSE(db.acquire_lock(100, here, 1, alive).has_value());
  auto holder = db.acquire_lock(200, here, 2, alive);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->pid, 100);
  // On its own machine a holder is live as long as its process, whatever its heartbeat's age.
  EXPECT_TRUE(db.acquire_lock(200, here, 2 + 10 * Database::kLockStaleSeconds, alive).has_value());
  EXPECT_FALSE(db.acquire_lock(200, here, 3, dead).has_value());  // the holder died: take over
  EXPECT_EQ(db.lock_holder()->pid, 200);
  db.release_lock(200, here);
  EXPECT_FALSE(db.lock_holder().has_value());
}

// A scheduler stopped for longer than kLockStaleSeconds (SIGSTOP, a suspended machine) while its
// database is shared loses its lock to a run on another machine. Its next refresh says so and
// changes nothing, and its release at exit leaves the new holder's lock in place. The same pid in
// another boot of the same host is another process: it neither refreshes nor releases the lock.
TEST(Lock, ALockTakenOverIsNeitherRefreshedNorReleasedByItsFormerHolder) {
  Database db(fresh_db("lock-taken"));
  auto never_alive = [](std::int64_t) { return false; };
  const Machine a{"vm", "boot-a"}, b{"vm", "boot-b"}, c{"other", "boot-a"};
  EXPECT_FALSE(db.acquire_lock(100, a, 1000, never_alive).has_value());
  EXPECT_TRUE(db.refresh_lock(100, a, 1010));
  EXPECT_FALSE(db.acquire_lock(100, b, 1010 + Database::kLockStaleSeconds + 1, never_alive).has_value());
  for (const Machine& former : {a, c}) {
    EXPECT_FALSE(db.refresh_lock(100, former, 2000));
    db.release_lock(100, former);
  }
  auto holder = db.lock_holder();
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->machine.boot_id, "boot-b");
  EXPECT_EQ(holder->heartbeat_at, 1010 + Database::kLockStaleSeconds + 1);
  EXPECT_TRUE(db.refresh_lock(100, b, 2000));
  db.release_lock(100, b);
  EXPECT_FALSE(db.lock_holder().has_value());
}

// Machines share host names (virtual machines are all "vm") and pids repeat across boots: a lock
// left in a database committed while its sweep ran is judged by its heartbeat on a fresh machine
// of the same name, even where its pid is some live process there.
TEST(Lock, APidFromAnotherBootIsJudgedByItsHeartbeat) {
  Database db(fresh_db("lock-boots"));
  auto alive = [](std::int64_t) { return true; };
  const Machine before{"vm", "boot-1"}, after{"vm", "boot-2"};
  EXPECT_FALSE(db.acquire_lock(100, before, 1000, alive).has_value());
  EXPECT_TRUE(db.acquire_lock(200, after, 1000 + Database::kLockStaleSeconds - 1, alive).has_value());
  EXPECT_FALSE(db.acquire_lock(200, after, 1000 + Database::kLockStaleSeconds + 1, alive).has_value());
  EXPECT_EQ(db.lock_holder()->machine.boot_id, "boot-2");
  // Where the boot is not known (a lock of a build before schema 9) the heartbeat decides too.
  const Machine unknown{"vm", ""};
  EXPECT_FALSE(Database::lock_is_live({100, unknown, 0, 5000}, unknown,
                                      5000 + Database::kLockStaleSeconds + 1, alive));
  EXPECT_TRUE(Database::lock_is_live({100, unknown, 0, 5000}, unknown, 5001, alive));
  // A scheduler asking again for its own lock has it.
  EXPECT_FALSE(db.acquire_lock(200, after, 1000 + 2 * Database::kLockStaleSeconds, alive).has_value());
}

TEST(Curves, InsertOrReplaceByStep) {
  Database db(fresh_db("curves"));
  auto sweep = db.ensure_sweep("s", "s.yaml", "default", 1);
  db.add_job(sweep, job("a"));
  db.add_curve({{"a", "train", 10, 2.0, 1e-3, 1.0, NAN}, {"a", "train", 20, 1.5, 1e-3, 0.9, NAN}});
  db.add_curve({{"a", "train", 20, 1.4, 1e-3, 0.9, NAN}});  // replayed after a resume
  auto curve = db.curve("a", "train");
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_DOUBLE_EQ(curve[1].loss, 1.4);
  EXPECT_TRUE(std::isnan(curve[0].test_acc));
}

}  // namespace
}  // namespace fsearch::db
