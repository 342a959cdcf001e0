// A training job, fully resolved: proxy model, norm choice, data, optimization, budget, seed.
//
// The same structure is read from a proxy file (configs/proxies/*.yaml) plus overrides, written to
// a run directory as job.json, and read back from it by `fsearch train --job`. Its key hashes every
// field that changes the result (not the device, threads or logging cadence), so planning the same
// job twice gives the same key. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "fsearch/core/yaml.h"
#include "fsearch/functions/norm_spec.h"

namespace fsearch::trainers {

struct ModelSpec {
  std::string proxy = "vit";  // vit (dit arrives with the DiT proxy)
  std::string name = "vit-tiny";
  int image_size = 28;
  int channels = 1;
  int patch = 4;
  int width = 64;
  int depth = 4;
  int heads = 4;
  double mlp_ratio = 2.0;
  std::string pool = "cls";  // cls | mean
  double drop_path = 0.1;
  int num_classes = 10;
};

struct DataSpec {
  std::string dataset = "fashion-mnist";  // fashion-mnist | idx | cifar10 | cifar100 | synthetic
  std::string path = "/usr/share/datasets/fashion-mnist";
  bool augment = true;                               // random crop with padding
  bool flip = false;                                 // random horizontal flip (not for digits)
  int synthetic_train = 2048, synthetic_test = 512;  // sizes of the synthetic set
};

struct TrainSpec {
  int batch_size = 128;
  std::int64_t steps = 0;  // the budget: steps if > 0, else epochs
  double epochs = 5;
  double lr = 2e-3;
  double min_lr = 1e-5;
  double weight_decay = 0.05;
  double beta1 = 0.9, beta2 = 0.999;
  std::int64_t warmup_steps = 200;
  double label_smoothing = 0.1;
  double ema = 0.0;                // EMA decay of the weights used for evaluation; 0 = off
  double grad_clip = 0.0;          // max global grad norm; 0 = off
  std::string budget = "default";  // the named budget that produced these numbers (reports show it)
};

struct RuntimeSpec {           // how to run, not what: excluded from the key
  std::string device = "cpu";  // cpu | cuda | cuda:N
  int threads = 0;             // 0 = the cores available
  int log_every = 50;
  int eval_every = 0;  // steps between test evaluations; 0 = only at the end
  int checkpoint_every = 200;
  int eval_limit = 0;            // evaluate on the first N test images; 0 = all
  bool eval_train_loss = false;  // Appendix E: eval-mode loss on the training set, at the end
};

struct JobSpec {
  ModelSpec model;
  functions::NormSpec norm;
  DataSpec data;
  TrainSpec train;
  RuntimeSpec runtime;
  std::uint64_t seed = 0;
  double divergence_factor = 4.0;  // diverged when the smoothed loss exceeds this x its start
};

// Reads a proxy file's sections (model, data, train; optionally norm, seed) into `spec`.
void read_proxy_file(const std::string& file, JobSpec& spec);
// job.json <-> spec. read_job_file throws ConfigError naming file:line and field.
JobSpec read_job_file(const std::string& file);
std::string to_json_text(const JobSpec& spec);
// Hex key of everything that determines the result.
std::string job_key(const JobSpec& spec);

// Creates the directory and writes job.json (atomically). An existing job.json with a different key
// is an error: a run directory holds one job.
void prepare_run_dir(const JobSpec& spec, const std::string& run_dir);

// Budgets: "default" keeps the proxy's own; "smoke" is a few seconds of training (tests, checks).
void apply_budget(JobSpec& spec, const std::string& budget);

// Steps the budget amounts to for a training set of n images.
std::int64_t total_steps(const JobSpec& spec, std::int64_t train_size);

}  // namespace fsearch::trainers
