#include "fsearch/search/backend.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"
#include "fsearch/core/process.h"
#include "fsearch/jobs/run_dir.h"
#include "fsearch/search/eta.h"
#include "fsearch/search/sweep.h"
#include "ingest.h"
#include "database_lock.h"

namespace fsearch::search {

std::string to_string(BackendKind kind) { return kind == BackendKind::Slurm ? "slurm" : "local"; }

BackendKind parse_backend_kind(const std::string& text) {
  std::vector<std::string> names;
  for (auto kind : kBackendKinds) {
    if (to_string(kind) == text) return kind;
    names.push_back(to_string(kind));
  }
  throw ConfigError("unknown backend '" + text + "'", did_you_mean(text, names));
}

bool Backend::wait(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return false;
}

double Backend::job_seconds(const db::JobRow& job) const {
  const std::string timing = timing_class(job);
  if (auto it = finished_.find(timing); it != finished_.end() && it->second.work >= 0.5)
    return it->second.seconds / it->second.work;
  if (!history_) {
    history_.emplace();
    for (const auto& [name, median] : median_lengths(flattened(job_reports_by_sweep(db_))))
      (*history_)[name] = median.seconds;
  }
  auto it = history_->find(timing);
  return it == history_->end() ? NAN : it->second;
}

bool Backend::settle_result(const db::JobRow& job, double started_at) {
  // Where this start of the job began (events.jsonl): read before the result is taken in.
  const auto progress = jobs::read_progress(jobs::RunDir{job.run_dir});
  if (!detail::ingest_result(db_, job)) return false;
  ++summary_.finished;
  const double resumed_at =
      progress.known() ? static_cast<double>(progress.start_step) / static_cast<double>(progress.total_steps) : 0;
  Finished& finished = finished_[timing_class(job)];
  finished.work += 1 - std::clamp(resumed_at, 0.0, 1.0);
  finished.seconds += unix_now() - started_at;
  return true;
}

void dispatch_order(std::vector<db::JobRow>& pending) {
  std::stable_sort(pending.begin(), pending.end(), [](const db::JobRow& a, const db::JobRow& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    const bool a_begun = a.started_at > 0, b_begun = b.started_at > 0;
    if (a_begun != b_begun) return a_begun;
    return a.seed < b.seed;
  });
}

RunSummary run_backend(db::Database& db, std::int64_t sweep, Backend& backend, const LoopOptions& options) {
  const auto stop_requested = [&] { return options.stop && options.stop->load(); };
  double last_progress = 0;
  auto progress = [&](bool force) {
    if (!options.on_progress || (!force && unix_now() - last_progress < 1.0)) return;
    last_progress = unix_now();
    options.on_progress(options.scope.counts(db, sweep),
                        eta_seconds(
                            db, sweep, [&](const db::JobRow& job) { return backend.job_seconds(job); },
                            backend.parallelism(), last_progress, options.scope));
  };
  auto decide = [&] {
    if (options.decide) options.decide();
  };

  backend.adopt();
  decide();  // a resumed sweep may have paused jobs to promote
  progress(true);
  bool stopping = false;
  const Machine here = this_machine();
  double lock_refreshed_at = 0;
  for (;;) {
    // The lock's heartbeat keeps it live to loops on other hosts (a shared filesystem).
    if (const double now = unix_now(); now - lock_refreshed_at >= db::Database::kLockHeartbeatSeconds) {
      if (!db.refresh_lock(::getpid(), here, now)) detail::lock_taken_over(db, lock_refreshed_at, now);
      lock_refreshed_at = now;
    }
    if (!stopping && stop_requested()) {
      stopping = true;
      backend.cancel();
    }
    if (!stopping) {
      if (const std::size_t room = backend.capacity(); room > 0) {
        auto pending = options.scope.jobs(db, sweep, db::JobState::Pending);
        if (options.seeds_first) dispatch_order(pending);
        if (pending.size() > room) pending.resize(room);
        if (!pending.empty()) backend.submit(pending);
      }
    }
    if (backend.poll() > 0 && !stopping) decide();
    progress(false);
    // Done when the backend follows nothing and nothing waits. A paused job waits for a promotion
    // that no running job can bring any more: it stays paused. A job that failed just now may be
    // pending again (attempts left), so ask the database rather than what was read before.
    if (!backend.following() && (stopping || options.scope.counts(db, sweep)[db::JobState::Pending] == 0)) break;
    // Sleep in short steps so that a stop request is noticed at once.
    using Clock = std::chrono::steady_clock;
    const auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(backend.poll_seconds()));
    while (Clock::now() < wake && (stopping || !stop_requested())) {
      const auto step = std::min<Clock::duration>(wake - Clock::now(), std::chrono::milliseconds(50));
      if (backend.wait(std::chrono::duration<double>(step).count())) break;
    }
  }
  progress(true);
  RunSummary summary = backend.summary();
  summary.interrupted = stopping;
  return summary;
}

}  // namespace fsearch::search
