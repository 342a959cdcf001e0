// run_job: config -> threads and device -> data -> the proxy's training -> result.json.
#include <chrono>

#include "fsearch/core/error.h"
#include "fsearch/jobs/run_lock.h"
#include "fsearch/trainers/runtime.h"
#include "loop.h"
#include "proxies.h"

namespace fsearch::trainers {

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
