// The loop that drives every backend (search/backend.h), with a backend that "runs" a job by
// writing its result.json a few polls after it was submitted, over a real database and run
// directories: capacity is respected, every job is settled once, the strategy is asked after each
// settled job, a stop request cancels and ends the loop, and the backend name parses with a hint.
// The real backends run in tests/cli (worker processes) and tests/cli/test_slurm_cli.cpp (Slurm).
#include "fsearch/search/backend.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"
#include "fsearch/search/eta.h"
#include "fsearch/search/local.h"
#include "temp_dir.h"

namespace fsearch::search {
namespace {

class FakeBackend final : public Backend {
 public:
  FakeBackend(db::Database& db, std::int64_t sweep, std::size_t slots, int polls_per_job)
      : Backend(db, sweep), slots_(slots), polls_per_job_(polls_per_job) {}

  void adopt() override { ++adopted; }
  std::size_t capacity() const override { return cancelled ? 0 : slots_ - running_.size(); }
  void submit(const std::vector<db::JobRow>& jobs) override {
    EXPECT_LE(jobs.size(), capacity());
    for (const auto& job : jobs) {
      db_.mark_running(job.key, 1, 1);
      running_[job.key] = {job, polls_per_job_};
      ++summary_.started;
      submitted.push_back(job.key);
    }
    max_running = std::max(max_running, running_.size());
  }
  int poll() override {
    int settled = 0;
    for (auto it = running_.begin(); it != running_.end();) {
      if (--it->second.polls_left > 0 && !cancelled) {
        ++it;
        continue;
      }
      if (cancelled) {  // as a worker that checkpointed and exited 75
        db_.requeue(it->first, "interrupted");
        ++summary_.requeued;
      } else {
        std::ofstream(jobs::RunDir{it->second.job.run_dir}.result())
            << R"({"status": "done", "steps": 30, "test_acc": 0.5, "final_loss": 1.0})";
        EXPECT_TRUE(settle_result(it->second.job, 0));
      }
      it = running_.erase(it);
      ++settled;
    }
    return settled;
  }
  void cancel() override { cancelled = true; }
  bool following() const override { return !running_.empty(); }
  double parallelism() const override { return static_cast<double>(slots_); }
  double poll_seconds() const override { return 0.001; }

  int adopted = 0;
  bool cancelled = false;
  std::size_t max_running = 0;
  std::vector<std::string> submitted;

 private:
  struct Running {
    db::JobRow job;
    int polls_left = 0;
  };
  std::size_t slots_;
  int polls_per_job_;
  std::map<std::string, Running> running_;
};

// A job length for every job, or none.
std::function<double(const db::JobRow&)> every_job_takes(double seconds) {
  return [seconds](const db::JobRow&) { return seconds; };
}
const auto kUnknown = every_job_takes(NAN);

// What `fsearch run` holds before its loop starts (run_backend refreshes it, and stops if it is
// another run's).
void hold_lock(db::Database& db) {
  ASSERT_FALSE(db.acquire_lock(::getpid(), this_machine(), unix_now(), process_alive).has_value());
}

struct Sweep {
  // `jobs` jobs, seeds 0, 1, ...; with `proxies`, the jobs take their proxy names in turn.
  explicit Sweep(const std::string& name, int jobs, const std::vector<std::string>& proxies = {})
      : root(name), db((root / "s.db").string()) {
    hold_lock(db);
    sweep = db.ensure_sweep("s", "s.yaml", "smoke", 1);
    jobs::JobSpec spec;
    spec.norm = functions::norm_preset("layernorm");
    for (int seed = 0; seed < jobs; ++seed) {
      spec.seed = static_cast<std::uint64_t>(seed);
      db::JobRow row;
      row.key = jobs::job_key(spec);
      row.label = "layernorm";
      row.seed = seed;
      if (!proxies.empty()) row.proxy = proxies[static_cast<std::size_t>(seed) % proxies.size()];
      row.spec_json = "{}";
      row.run_dir = (root / row.key).string();
      jobs::prepare_run_dir(spec, row.run_dir);
      db.add_job(sweep, row);
    }
  }
  testing::TempDir root;
  db::Database db;
  std::int64_t sweep = 0;
};

// A resumed job shows its previous start's progress until its worker logs the new start: that
// progress over the seconds since the new start must not make the job look almost done.
TEST(Eta, IgnoresTheProgressOfAnEarlierStartOfTheJob) {
  const double now = static_cast<double>(std::time(nullptr));
  auto run_with_progress = [](Sweep& s, double started_at) {
    auto job = s.db.jobs(s.sweep, db::JobState::Pending).at(0);
    std::ofstream(jobs::RunDir{job.run_dir}.events())
        << "{\"step\":0,\"total_steps\":100,\"type\":\"start\"}\n{\"step\":60,\"type\":\"train\"}\n";
    s.db.mark_running(job.key, 1, started_at);
  };
  Sweep resumed("eta-resumed", 1);
  run_with_progress(resumed, now + 60);  // started again a minute after its events were written
  EXPECT_TRUE(std::isnan(eta_seconds(resumed.db, resumed.sweep, kUnknown, 1, now + 70)));  // no length yet
  EXPECT_DOUBLE_EQ(eta_seconds(resumed.db, resumed.sweep, every_job_takes(100), 1, now + 70), 100 * 0.4);  // what is left
  Sweep fresh("eta-fresh", 1);
  run_with_progress(fresh, now - 60);  // the same events, written after this start: a length
  EXPECT_DOUBLE_EQ(eta_seconds(fresh.db, fresh.sweep, kUnknown, 1, now), 60 / 0.6 * 0.4);
}

// The ETA counts what is left of each running job, and before any job has finished it takes a
// job's length from the running jobs' own progress (a resumed job: from the step it resumed at).
TEST(Eta, FromTheRunningJobsProgressUntilAJobHasFinished) {
  Sweep s("eta", 4);
  auto pending = s.db.jobs(s.sweep, db::JobState::Pending);
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_TRUE(std::isnan(eta_seconds(s.db, s.sweep, kUnknown, 2, 1000)));  // nothing known yet
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, every_job_takes(100), 2, 1000), 100 * 4 / 2.0);
  s.db.mark_running(pending[0].key, 1, 900);
  s.db.mark_running(pending[1].key, 1, 900);
  EXPECT_TRUE(std::isnan(eta_seconds(s.db, s.sweep, kUnknown, 2, 1000)));  // running, no step logged yet
  std::ofstream(jobs::RunDir{pending[0].run_dir}.events())
      << "{\"step\":0,\"total_steps\":100,\"type\":\"start\"}\n{\"step\":50,\"type\":\"train\"}\n";
  std::ofstream(jobs::RunDir{pending[1].run_dir}.events())
      << "{\"step\":40,\"total_steps\":100,\"type\":\"start\"}\n{\"step\":60,\"type\":\"train\"}\n";
  // Lengths 100 s / 0.5 = 200 s and 100 s / 0.2 = 500 s; left: 2 pending + 0.5 + 0.4 jobs.
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, kUnknown, 2, 1000), 350 * 2.9 / 2);
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, every_job_takes(100), 2, 1000), 100 * 2.9 / 2);
  for (const auto& job : s.db.jobs(s.sweep)) {
    if (job.state == db::JobState::Pending) s.db.mark_running(job.key, 1, 900);
    db::ResultRow result;
    result.key = job.key;
    s.db.record_result(result, db::JobState::Done, 1000);
  }
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, kUnknown, 2, 1000), 0);
}

// Each proxy's jobs are timed by their own length: a dit-b job is not a vit-tiny job. A proxy no
// length is known for yet takes it from its running jobs' progress; until then the ETA is unknown.
TEST(Eta, EachProxysJobsAreTimedByTheirOwnLength) {
  Sweep s("eta-proxies", 4, {"vit-tiny", "dit-b"});
  const auto vit_only = [](const db::JobRow& job) { return job.proxy == "vit-tiny" ? 100.0 : NAN; };
  EXPECT_TRUE(std::isnan(eta_seconds(s.db, s.sweep, vit_only, 2, 1000))) << "dit-b's length is not known";
  const auto both = [](const db::JobRow& job) { return job.proxy == "vit-tiny" ? 100.0 : 1000.0; };
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, both, 2, 1000), (2 * 100 + 2 * 1000) / 2.0);
  const auto dit = s.db.jobs(s.sweep).at(1);
  ASSERT_EQ(dit.proxy, "dit-b");
  s.db.mark_running(dit.key, 1, 900);
  std::ofstream(jobs::RunDir{dit.run_dir}.events())
      << "{\"step\":0,\"total_steps\":100,\"type\":\"start\"}\n{\"step\":25,\"type\":\"train\"}\n";
  // dit-b: a quarter in 100 s, 400 s a job; 1.75 jobs left. vit-tiny: 2 jobs of 100 s.
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, vit_only, 2, 1000), (2 * 100 + 1.75 * 400) / 2.0);
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, both, 2, 1000), (2 * 100 + 1.75 * 1000) / 2.0);
}

// `fsearch status`'s work left: per proxy, pending jobs whole, running ones by the share still to
// train, timed by the median wall time of the finished jobs of the same proxy and budget, in any
// sweep.
TEST(WorkLeft, PerProxyTimedByTheMedianOfTheFinishedJobsOfItsProxyAndBudget) {
  std::vector<JobReport> sweep, others;
  auto add = [](std::vector<JobReport>& to, const std::string& proxy, db::JobState state, double wall_time = NAN,
                const std::string& budget = "default") {
    JobReport r;
    r.job.key = proxy + "-" + budget + "-" + std::to_string(to.size());
    r.job.proxy = proxy;
    r.job.state = state;
    r.job.spec_json = R"({"train": {"budget": ")" + budget + R"("}})";
    if (state == db::JobState::Done || state == db::JobState::Diverged || state == db::JobState::Rejected) {
      r.result.emplace();
      r.result->wall_time = wall_time;
    }
    to.push_back(r);
  };
  add(sweep, "vit-tiny", db::JobState::Done, 100);
  add(sweep, "dit-b", db::JobState::Pending);
  add(sweep, "vit-tiny", db::JobState::Done, 300);
  add(sweep, "vit-tiny", db::JobState::Done, 120);
  add(sweep, "vit-tiny", db::JobState::Done);         // no wall time recorded: not timed
  add(sweep, "vit-tiny", db::JobState::Diverged, 5);  // stopped early: not a job's length
  add(sweep, "vit-tiny", db::JobState::Rejected, 7);  // likewise
  add(sweep, "vit-tiny", db::JobState::Pending);
  add(sweep, "vit-tiny", db::JobState::Pending);
  add(sweep, "vit-tiny", db::JobState::Running);  // a quarter left
  add(sweep, "vit-tiny", db::JobState::Paused);   // the strategy's to continue: not counted
  add(sweep, "dit-b", db::JobState::Pending);
  add(sweep, "dit-b", db::JobState::Running);     // half left, at its own pace
  add(sweep, "vit-small", db::JobState::Done, 100);  // nothing left: not listed
  add(sweep, "dit-l", db::JobState::Failed);         // waits for --retry-failed: not counted
  add(sweep, "dit-l", db::JobState::Running);        // a share above 1 counts as the whole job
  // Another sweep: dit-l at this budget (100, 200: an even count), dit-b only at another budget.
  add(others, "dit-l", db::JobState::Done, 100);
  add(others, "dit-l", db::JobState::Done, 200);
  add(others, "dit-b", db::JobState::Done, 50, "smoke");
  auto finished = sweep;
  finished.insert(finished.end(), others.begin(), others.end());
  finished.push_back(sweep[0]);  // a job shared by two sweeps: counted once
  const auto left = work_left(sweep, finished, [&](const db::JobRow& job) {
    if (job.proxy == "vit-tiny") return RunningJob{0.25, 50};  // its pace: the finished jobs' time wins
    if (job.proxy == "dit-b") return RunningJob{0.5, 600};     // half left; its pace 600 s a job
    return RunningJob{1.5, NAN};
  });
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0].proxy, "vit-tiny");  // the order the proxies first come in
  EXPECT_EQ(left[0].budget, "default");
  EXPECT_DOUBLE_EQ(left[0].jobs, 2.25);
  EXPECT_DOUBLE_EQ(left[0].job_seconds, 120);  // median of 100, 120, 300 (not of 100, 100, 120, 300)
  EXPECT_EQ(left[0].timed, 3);
  EXPECT_EQ(left[0].observed, 0);
  EXPECT_DOUBLE_EQ(left[0].seconds(), 270);
  EXPECT_EQ(left[1].proxy, "dit-b");
  EXPECT_DOUBLE_EQ(left[1].jobs, 2.5);
  // Its only finished job had another budget: timed by its running job's pace instead.
  EXPECT_DOUBLE_EQ(left[1].job_seconds, 600);
  EXPECT_EQ(left[1].timed, 0);
  EXPECT_EQ(left[1].observed, 1);
  EXPECT_DOUBLE_EQ(left[1].seconds(), 1500);
  EXPECT_EQ(left[2].proxy, "dit-l");
  EXPECT_DOUBLE_EQ(left[2].jobs, 1);
  EXPECT_DOUBLE_EQ(left[2].job_seconds, 150);  // the middle two's mean
  EXPECT_EQ(left[2].timed, 2);
}

// settle_result as a backend calls it when a worker ends, and nothing else.
class SettlingBackend final : public Backend {
 public:
  SettlingBackend(db::Database& db, std::int64_t sweep) : Backend(db, sweep) {}
  using Backend::settle_result;
  void adopt() override {}
  std::size_t capacity() const override { return 0; }
  void submit(const std::vector<db::JobRow>&) override {}
  int poll() override { return 0; }
  void cancel() override {}
  bool following() const override { return false; }
  double parallelism() const override { return 1; }
  double poll_seconds() const override { return 0.001; }
};

// A sweep continued in a later session first finishes the jobs it resumes from their checkpoints:
// their seconds are the share of a job they trained here, and taken as whole jobs they made the ETA
// of the rest far too short (jobs resumed at half way: the ETA said half).
TEST(Eta, AJobResumedFromItsCheckpointCountsAsTheShareItTrained) {
  Sweep s("eta-settle", 3);
  SettlingBackend backend(s.db, s.sweep);
  auto finish = [&](const db::JobRow& job, int start_step, double seconds) {
    s.db.mark_running(job.key, 1, 1);
    std::ofstream(jobs::RunDir{job.run_dir}.events())
        << "{\"step\":" << start_step << ",\"total_steps\":100,\"type\":\"start\"}\n{\"step\":100,\"type\":\"train\"}\n";
    std::ofstream(jobs::RunDir{job.run_dir}.result())
        << R"({"status": "done", "steps": 100, "test_acc": 0.5, "final_loss": 1.0})";
    ASSERT_TRUE(backend.settle_result(job, unix_now() - seconds));
  };
  const auto jobs = s.db.jobs(s.sweep, db::JobState::Pending);
  ASSERT_EQ(jobs.size(), 3u);
  finish(jobs[0], 90, 20);  // a tenth of a job and its evaluation: too little to say
  EXPECT_TRUE(std::isnan(backend.job_seconds(jobs[0])));
  finish(jobs[1], 50, 100);  // half a job in 100 s
  EXPECT_NEAR(backend.job_seconds(jobs[0]), 120 / 0.6, 1);
  finish(jobs[2], 0, 200);  // a whole job in 200 s
  EXPECT_NEAR(backend.job_seconds(jobs[0]), 320 / 1.6, 1);
  EXPECT_EQ(backend.summary().finished, 3);
}

// Before any job of a proxy has finished under this loop (a sweep just resumed, or one of a new
// space), its length is the median of its finished jobs in the database; then this loop's own.
TEST(Backend, AJobsLengthComesFromTheDatabaseUntilThisLoopHasFinishedJobsOfItsProxy) {
  Sweep s("backend-lengths", 5, {"vit-tiny", "vit-tiny", "vit-tiny", "dit-b", "dit-b"});
  const auto jobs = s.db.jobs(s.sweep, db::JobState::Pending);
  ASSERT_EQ(jobs.size(), 5u);
  for (int i : {0, 1, 2}) {  // finished in an earlier session
    s.db.mark_running(jobs[i].key, 1, 1);
    db::ResultRow result;
    result.key = jobs[i].key;
    result.status = "done";
    result.wall_time = std::vector<double>{100, 300, 120}[i];
    s.db.record_result(result, db::JobState::Done, 2);
  }
  SettlingBackend backend(s.db, s.sweep);
  EXPECT_DOUBLE_EQ(backend.job_seconds(jobs[0]), 120);  // the median
  EXPECT_TRUE(std::isnan(backend.job_seconds(jobs[3]))) << "no dit-b job has finished";
  s.db.mark_running(jobs[3].key, 1, 1);
  std::ofstream(jobs::RunDir{jobs[3].run_dir}.result())
      << R"({"status": "done", "steps": 100, "test_acc": 0.5, "final_loss": 1.0})";
  ASSERT_TRUE(backend.settle_result(jobs[3], unix_now() - 500));
  EXPECT_NEAR(backend.job_seconds(jobs[4]), 500, 1);
  EXPECT_DOUBLE_EQ(backend.job_seconds(jobs[0]), 120) << "vit-tiny's length stays its own";
}

TEST(Backend, TheLoopRunsEveryJobOnceWithinCapacityAndAsksTheStrategyAfterEach) {
  Sweep s("backend-loop", 7);
  FakeBackend backend(s.db, s.sweep, 3, 2);
  int decisions = 0, progress_calls = 0;
  double last_eta = -1;
  LoopOptions options;
  options.decide = [&] { return ++decisions, 0; };
  options.on_progress = [&](const std::map<db::JobState, int>&, double eta) {
    ++progress_calls;
    last_eta = eta;
  };
  const auto summary = run_backend(s.db, s.sweep, backend, options);
  EXPECT_EQ(backend.adopted, 1);
  EXPECT_EQ(backend.max_running, 3u);
  EXPECT_EQ(std::set<std::string>(backend.submitted.begin(), backend.submitted.end()).size(), 7u);
  EXPECT_EQ(backend.submitted.size(), 7u);  // nothing submitted twice
  EXPECT_EQ(summary.started, 7);
  EXPECT_EQ(summary.finished, 7);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(s.db.job_counts(s.sweep)[db::JobState::Done], 7);
  // Once at the start, then after every poll that settled a job (3 + 3 + 1 jobs: three polls).
  EXPECT_EQ(decisions, 1 + 3);
  EXPECT_GE(progress_calls, 2);  // the first and the last are forced
  EXPECT_DOUBLE_EQ(last_eta, 0);  // nothing left
  EXPECT_TRUE(std::isfinite(backend.job_seconds(s.db.jobs(s.sweep).at(0))));
}

// A grid loop dispatches by seed: each cell's first seed before any cell's second, after the jobs
// begun before (requeued: they continue from their checkpoints). Without it, the plan's order.
TEST(Backend, AGridDispatchesEveryCellsFirstSeedBeforeAnyCellsSecond) {
  for (bool seeds_first : {true, false}) {
    testing::TempDir root(seeds_first ? "dispatch-seeds" : "dispatch-plan");
    db::Database db((root / "s.db").string());
    hold_lock(db);
    const auto sweep = db.ensure_sweep("s", "s.yaml", "smoke", 1);
    std::map<std::string, std::string> name_of;  // key -> cell and seed, e.g. "B1"
    for (const char* cell : {"A", "B", "C"}) {
      for (int seed : {0, 1}) {
        jobs::JobSpec spec;
        spec.norm = functions::norm_preset("layernorm");
        spec.train.lr = 1e-3 * (1 + cell[0] - 'A');  // the cell
        spec.seed = static_cast<std::uint64_t>(seed);
        db::JobRow row;
        row.key = jobs::job_key(spec);
        row.label = "layernorm";
        row.lr = spec.train.lr;
        row.seed = seed;
        row.spec_json = "{}";
        row.run_dir = (root / row.key).string();
        jobs::prepare_run_dir(spec, row.run_dir);
        db.add_job(sweep, row);
        name_of[row.key] = cell + std::to_string(seed);
      }
    }
    for (const auto& [key, name] : name_of) {
      if (name != "C1") continue;
      db.mark_running(key, 1, 100);  // a stopped loop's job: it goes back to the queue
      db.requeue(key, "interrupted");
    }
    FakeBackend backend(db, sweep, 1, 1);
    LoopOptions options;
    options.seeds_first = seeds_first;
    run_backend(db, sweep, backend, options);
    std::vector<std::string> order;
    for (const auto& key : backend.submitted) order.push_back(name_of[key]);
    const std::vector<std::string> by_seed = {"C1", "A0", "B0", "C0", "A1", "B1"};
    const std::vector<std::string> by_plan = {"A0", "A1", "B0", "B1", "C0", "C1"};
    EXPECT_EQ(order, seeds_first ? by_seed : by_plan);
  }
}

// A loop scoped to some proxies (`fsearch run --proxies`) submits only their jobs, counts and
// estimates only them, and ends when they are trained; the other proxies' jobs stay pending.
TEST(Backend, AScopedLoopTrainsOnlyItsProxiesJobsAndEndsWhenTheyAreDone) {
  Sweep s("backend-scope", 6, {"vit-tiny", "dit-b", "dit-l"});
  FakeBackend backend(s.db, s.sweep, 4, 2);
  LoopOptions options;
  options.scope.proxies = {"dit-l", "vit-tiny"};
  std::map<db::JobState, int> first_counts;
  options.on_progress = [&](const std::map<db::JobState, int>& counts, double) {
    if (first_counts.empty()) first_counts = counts;
  };
  const auto summary = run_backend(s.db, s.sweep, backend, options);
  EXPECT_EQ(summary.started, 4);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(first_counts[db::JobState::Pending], 4) << "the dit-b jobs are not this loop's";
  for (const auto& job : s.db.jobs(s.sweep)) {
    const bool in = job.proxy != "dit-b";
    EXPECT_EQ(job.state, in ? db::JobState::Done : db::JobState::Pending) << job.proxy;
    EXPECT_EQ(options.scope.admits(job), in);
    EXPECT_EQ(std::count(backend.submitted.begin(), backend.submitted.end(), job.key), in ? 1 : 0) << job.proxy;
  }
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, every_job_takes(100), 1, 1000, options.scope), 0) << "its own jobs are done";
  EXPECT_DOUBLE_EQ(eta_seconds(s.db, s.sweep, every_job_takes(100), 1, 1000), 200) << "the sweep's two dit-b jobs are left";
  EXPECT_EQ(JobScope{}.counts(s.db, s.sweep), s.db.job_counts(s.sweep));
}

// A scope of seeds (`fsearch run --only-seeds`), alone or with proxies, admits a job only when
// both match, and the loop trains just those; the flags that make it are what a user types.
TEST(Backend, AScopeOfSeedsAndProxiesTrainsOnlyTheJobsThatMatchBoth) {
  Sweep s("backend-seed-scope", 6, {"vit-tiny", "dit-b"});  // seeds 0-5: vit-tiny the even ones
  LoopOptions options;
  options.scope.seeds = {1, 2, 4};
  EXPECT_EQ(options.scope.flags(), "--only-seeds 1,2,4");
  EXPECT_EQ(options.scope.jobs(s.db, s.sweep).size(), 3u);
  options.scope.proxies = {"vit-tiny"};
  EXPECT_EQ(options.scope.flags(), "--proxies vit-tiny --only-seeds 1,2,4");
  EXPECT_EQ(JobScope{}.flags(), "");
  FakeBackend backend(s.db, s.sweep, 4, 2);
  const auto summary = run_backend(s.db, s.sweep, backend, options);
  EXPECT_EQ(summary.started, 2);
  for (const auto& job : s.db.jobs(s.sweep)) {
    const bool in = job.proxy == "vit-tiny" && (job.seed == 2 || job.seed == 4);
    EXPECT_EQ(options.scope.admits(job), in) << job.proxy << " seed " << job.seed;
    EXPECT_EQ(job.state, in ? db::JobState::Done : db::JobState::Pending) << job.proxy << " seed " << job.seed;
  }
  EXPECT_EQ(options.scope.counts(s.db, s.sweep), (std::map<db::JobState, int>{{db::JobState::Done, 2}}));
}

// Another machine's run found this loop's lock stale (this process stopped for two minutes) and
// took the database over: the loop stops before it hands out a job, naming the new holder.
TEST(Backend, ALoopWhoseLockWasTakenOverStopsBeforeHandingOutAJob) {
  Sweep s("backend-lock-taken", 2);
  const Machine elsewhere{"elsewhere", "boot-elsewhere"};
  auto never_alive = [](std::int64_t) { return false; };
  ASSERT_FALSE(s.db.acquire_lock(7, elsewhere, unix_now() + db::Database::kLockStaleSeconds + 1, never_alive)
                   .has_value());
  FakeBackend backend(s.db, s.sweep, 2, 1);
  try {
    run_backend(s.db, s.sweep, backend, LoopOptions{});
    ADD_FAILURE() << "the loop ran on a database another run holds";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("s.db was taken over by another fsearch run (pid 7 on elsewhere)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(backend.submitted.empty());
  EXPECT_EQ(s.db.job_counts(s.sweep)[db::JobState::Pending], 2);
  EXPECT_EQ(s.db.lock_holder()->pid, 7);
}

TEST(Backend, AStopRequestCancelsTheBackendAndEndsTheLoopWithJobsRequeued) {
  Sweep s("backend-stop", 4);
  FakeBackend backend(s.db, s.sweep, 2, 1000000);  // jobs that would run for a long time
  std::atomic<bool> stop{false};
  LoopOptions options;
  options.stop = &stop;
  int decisions = 0;
  options.decide = [&] { return ++decisions, 0; };
  options.on_progress = [&](const std::map<db::JobState, int>& counts, double) {
    if (counts.count(db::JobState::Running) && counts.at(db::JobState::Running) == 2) stop = true;
  };
  const auto summary = run_backend(s.db, s.sweep, backend, options);
  EXPECT_TRUE(backend.cancelled);
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(summary.started, 2);
  EXPECT_EQ(summary.requeued, 2);
  EXPECT_EQ(decisions, 1);  // not asked while stopping
  EXPECT_EQ(s.db.job_counts(s.sweep)[db::JobState::Pending], 4);
}

// The local backend's wait ends when a worker answers, not at the end of its poll interval: with
// an interval of 30 s, wait() says it was woken (a wait that timed out says false). Its worker slot
// is a fork of this test serving with a function that finishes each job at once.
TEST(LocalBackend, AWorkersAnswerEndsTheWait) {
  Sweep s("local-wait", 1);
  LocalOptions options;
  options.workers = 1;
  options.threads_per_worker = 1;
  options.binary = "/nonexistent";  // a forked slot executes nothing
  options.poll_seconds = 30;
  options.serve = [](const std::string&, int) {
    for (std::string dir; std::getline(std::cin, dir);) {
      std::ofstream(jobs::RunDir{dir}.result())
          << R"({"status": "done", "steps": 30, "test_acc": 0.5, "final_loss": 1.0})";
      std::cout << 0 << std::endl;
    }
    return 0;
  };
  auto backend = make_local_backend(s.db, s.sweep, options);
  backend->adopt();
  backend->submit(s.db.jobs(s.sweep, db::JobState::Pending));
  ASSERT_TRUE(backend->following());
  EXPECT_TRUE(backend->wait(options.poll_seconds));
  EXPECT_EQ(backend->poll(), 1);
  EXPECT_FALSE(backend->following());
  EXPECT_EQ(s.db.job_counts(s.sweep)[db::JobState::Done], 1);
  EXPECT_FALSE(backend->wait(0.01)) << "nothing runs: a plain sleep";
}

TEST(Backend, KindsParseAndAMisspellingIsRefusedWithAHint) {
  for (auto kind : kBackendKinds) EXPECT_EQ(parse_backend_kind(to_string(kind)), kind);
  try {
    parse_backend_kind("slrum");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("slrum"), std::string::npos);
    EXPECT_NE(e.hint().find("slurm"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace fsearch::search
