// Running one training job in its run directory, resumable from any interruption.
//
// run_job reads job.json, continues from checkpoint.pt if there is one, appends to events.jsonl,
// and writes result.json last. Divergence (non-finite loss or gradients, or a smoothed loss above
// divergence_factor x its start) is a result: the job stops at once and records where and why. A
// stop request (SIGTERM/SIGINT in the CLI) checkpoints and returns "interrupted" without result.json.
// Errors (bad config, missing data, a crash) throw; they are not divergence.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {

struct Progress {
  std::int64_t step = 0, total = 0;
  double loss = NAN, lr = NAN, grad_norm = NAN, images_per_sec = NAN, test_acc = NAN;
  bool resumed = false;
  double fid = NAN;  // DiT proxy, after sampling
};

struct TrainCallbacks {
  std::function<void(const Progress&)> on_progress;    // every log step and after evaluations
  std::function<void(const std::string&)> on_message;  // phases after training (sampling, FID)
  const std::atomic<bool>* stop = nullptr;             // checked before every step
  int threads = 0;  // CPU threads, overriding job.json's runtime.threads when > 0 (a worker's --threads)
};

TrainResult run_job(const std::string& run_dir, const TrainCallbacks& callbacks = {});

}  // namespace fsearch::trainers
