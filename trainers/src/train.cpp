// run_job: config -> threads and device -> data -> the proxy's training -> result.json.
#include <chrono>
#include <sstream>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/jobs/run_lock.h"
#include "fsearch/trainers/runtime.h"
#include "loop.h"
#include "proxies.h"

namespace fsearch::trainers {
namespace {

// The stability probe's job (JobSpec::train.stability_steps): the job's own model, data and seed,
// trained for the probe's steps with the width matrices hotter and a constant lr after the warmup
// (the first steps of the job's own schedule, which a cosine over the whole budget barely decays).
JobSpec stability_probe_spec(const JobSpec& spec) {
  JobSpec probe = spec;
  probe.train.steps = spec.train.stability_steps;
  probe.train.matrix_lr_scale = spec.train.matrix_lr_scale * spec.train.stability_lr_scale;
  probe.train.schedule = "constant";
  probe.train.stability_steps = 0;
  probe.search = SearchControl{};  // no rejection, no pause: the probe runs its steps or diverges
  probe.runtime.eval_limit = 1000;
  probe.runtime.eval_train_loss = false;
  return probe;
}

// Runs (or, after a resume, reads) the probe in RUN_DIR/stability. Its result says "diverged" when
// the job would fail at the width it plays; "interrupted" when a stop request came first.
TrainResult run_stability_probe(const RunDir& dir, const JobSpec& spec, const TrainCallbacks& callbacks) {
  const RunDir probe{dir.root / "stability"};
  if (std::filesystem::exists(probe.result())) return read_result_file(probe.result());
  prepare_run_dir(stability_probe_spec(spec), probe.root.string());
  if (callbacks.on_message) {
    std::ostringstream text;
    text << "stability probe: " << spec.train.stability_steps << " steps with the width matrices at "
         << spec.train.stability_lr_scale << "x the lr";
    callbacks.on_message(text.str());
  }
  return run_job(probe.root.string(), callbacks);
}

// The job's result when its stability probe diverged: the job itself never trains.
TrainResult failed_stability(const JobSpec& spec, const TrainResult& probe) {
  std::ostringstream scale;
  scale << spec.train.stability_lr_scale;
  TrainResult result;
  result.status = "diverged";
  result.diverged_step = 0;
  result.diverged_reason = "stability probe (width matrices at " + scale.str() +
                           "x the lr, " + std::to_string(spec.train.stability_steps) + " steps): diverged at step " +
                           std::to_string(probe.diverged_step) + ": " + probe.diverged_reason;
  result.final_loss = probe.final_loss;
  result.best_loss = probe.best_loss;
  result.key = job_key(spec);
  result.budget = spec.train.budget;
  result.git_commit = probe.git_commit;
  result.torch_version = probe.torch_version;
  result.cpu = probe.cpu;
  result.threads = probe.threads;
  result.diagnostics = probe.diagnostics;  // the probe's: what diverged, and how far it grew
  if (result.diagnostics.is_object()) result.diagnostics["from"] = "stability probe";
  return result;
}

}  // namespace

TrainResult run_job(const std::string& run_dir, const TrainCallbacks& callbacks) {
  const auto wall_start = std::chrono::steady_clock::now();
  detail::JobContext job;
  job.dir = RunDir{run_dir};
  job.callbacks = callbacks;
  if (!std::filesystem::exists(job.dir.job())) {
    throw ConfigError("no job.json in " + run_dir,
                      "create one with `fsearch train --proxy ... --out " + run_dir + "`");
  }
  // Before job.json and the checkpoint are read: another trainer of this directory finishes first.
  jobs::RunLock lock(job.dir.root, callbacks.stop, [&](std::int64_t pid) {
    if (callbacks.on_message)
      callbacks.on_message((pid > 0 ? "process " + std::to_string(pid) : std::string("another process")) +
                           " is training " + run_dir + "; waiting for it to finish");
  });
  if (!lock.held()) {
    TrainResult stopped;
    stopped.status = "interrupted";
    return stopped;
  }
  job.spec = read_job_file(job.dir.job().string());
  if (job.spec.train.stability_steps > 0) {
    const TrainResult probe = run_stability_probe(job.dir, job.spec, callbacks);
    if (probe.status == "interrupted") {  // its steps are the probe's: say so
      TrainResult stopped = probe;
      stopped.diagnostics = {{"from", "stability probe"}};
      return stopped;
    }
    if (probe.status == "diverged") {
      TrainResult result = failed_stability(job.spec, probe);
      result.wall_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
      result.device = probe.device;
      write_atomic(job.dir.result(), to_json(result).dump(2) + "\n");
      return result;
    }
  }
  keep_freed_memory();
  configure_threads(callbacks.threads > 0 ? callbacks.threads : job.spec.runtime.threads);
  job.device = detail::parse_device(job.spec.runtime.device);
  job.data = load_data(job.spec.data, job.spec.seed);
  const auto& model = job.spec.model;
  if (job.data.train.images.size(1) != model.channels || job.data.train.images.size(2) != model.image_size) {
    throw ConfigError(job.dir.job().string() + ": model expects " + std::to_string(model.channels) + "x" +
                      std::to_string(model.image_size) + " images, the data set has " +
                      std::to_string(job.data.train.images.size(1)) + "x" +
                      std::to_string(job.data.train.images.size(2)));
  }
  // Labels must name the model's classes: a label of 255 would otherwise train a 256-way classifier.
  if (job.data.train.classes > model.num_classes) {
    throw ConfigError(job.dir.job().string() + ": the data set's labels go up to " +
                          std::to_string(job.data.train.classes - 1) + ", the model has " +
                          std::to_string(model.num_classes) + " classes (model.num_classes)",
                      "set model.num_classes in the proxy file, or check the label file");
  }

  TrainResult result = model.proxy == "dit" ? detail::train_diffusion(job) : detail::train_classifier(job);
  result.device = job.device.str();
  result.wall_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (result.status != "interrupted") write_atomic(job.dir.result(), to_json(result).dump(2) + "\n");
  return result;
}

}  // namespace fsearch::trainers
