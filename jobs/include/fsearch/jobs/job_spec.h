// A training job, fully resolved: proxy model, norm choice, data, optimization, budget, seed.
//
// The same structure is read from a proxy file (configs/proxies/*.yaml) plus overrides, written to
// a run directory as job.json, and read back from it by `fsearch train --job`. Its key hashes every
// field that changes the result (not the device, threads or logging cadence), so planning the same
// job twice gives the same key. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fsearch/core/yaml.h"
#include "fsearch/functions/norm_spec.h"

namespace fsearch::jobs {

struct ModelSpec {
  std::string proxy = "vit";  // vit (classifier) | dit (class-conditional diffusion)
  std::string name = "vit-tiny";
  int image_size = 28;
  int channels = 1;
  int patch = 4;
  int width = 64;
  int depth = 4;
  int heads = 4;
  double mlp_ratio = 2.0;
  std::string pool = "cls";  // cls | mean (vit only)
  double drop_path = 0.1;    // vit only
  int num_classes = 10;
  // vit only: std of the truncated-normal init of every linear layer. ViT-B's 0.02 at width 768
  // gives each layer a gain of 0.02 * sqrt(768) = 0.55; at width 64 the same gain needs
  // 0.02 * sqrt(768 / 64) = 0.069 (docs/calibration.md).
  double init_std = 0.02;
  // vit only: a factor on the patch embedding's init (PyTorch's conv init, the same rule as ViT-B's
  // patch embedding). Its largest output at init decides whether a flat zone (Table 5) holds every
  // input of the first norm; ViT-B's 768-value patches reach further than 16-pixel ones
  // (docs/calibration.md, Round 18).
  double embed_gain = 1.0;
  // dit only: how the adaLN modulation layers start. auto: at zero (adaLN-Zero) for LayerNorm and
  // RMSNorm and at their xavier init for point-wise norms, as the paper's Appendix C does; zero or
  // xavier: that for every norm (a calibration lever: docs/calibration.md).
  std::string modulation_init = "auto";
};

struct DataSpec {
  std::string dataset = "fashion-mnist";  // fashion-mnist | idx | cifar10 | cifar100 | synthetic
  std::string path = FSEARCH_FASHION_MNIST_DIR;  // CMake's FSEARCH_FASHION_MNIST_DIR
  bool augment = true;                               // random crop with padding
  bool flip = false;                                 // random horizontal flip (not for digits)
  int synthetic_train = 2048, synthetic_test = 512;  // sizes of the synthetic set
  // Train on the first N training images only (0 = all): a small-data regime in which, as in the
  // paper's 300 epochs, generalisation rather than fitting speed decides (docs/calibration.md).
  std::int64_t train_limit = 0;
  // vit only: the Beta(alpha, alpha) concentrations of mixup and CutMix (0 = off; the paper's ViT
  // recipe uses 0.8 and 1.0): trainers/mixup.h.
  double mixup = 0.0;
  double cutmix = 0.0;
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
  double ema = 0.0;                 // EMA decay of the weights used for evaluation; 0 = off
  // The EMA's decay at step t is min(ema, (1 + t) / (10 + t)): early weights, the init above all,
  // leave the average within a few hundred steps instead of keeping a share of ema^steps (24% of
  // the init after 1,404 steps at 0.999). See ema_decay (trainers) and docs/calibration.md, round 22.
  bool ema_warmup = false;
  double grad_clip = 0.0;           // max global grad norm; 0 = off
  // Multiplies the lr of every point-wise norm's alpha and s. Adam moves a scalar by about lr per
  // step, so in a run of 1/N of the paper's steps alpha can travel 1/N as far; a scale of N gives
  // it the paper's reach (a calibration lever: docs/calibration.md, round 11).
  double alpha_lr_scale = 1.0;
  // Multiplies the lr of the weight matrices whose fan-in is the model's width (attention, MLP,
  // modulation, head; not the input embeddings). muP's rule for Adam (Yang et al. 2022): an Adam
  // step moves such a layer's output in proportion to its width, so at width 64 a scale of
  // 768 / 64 = 12 gives each step ViT-B's effect (a calibration lever: docs/calibration.md, round 15).
  double matrix_lr_scale = 1.0;
  // A stability probe before training (docs/calibration.md, round 15e): the job first trains a copy
  // for stability_steps steps with the width matrices' lr multiplied by stability_lr_scale (muP: 12
  // plays ViT-B's width 768 at width 64) and a constant lr after the warmup, in RUN_DIR/stability.
  // If that diverges, the job is recorded as diverged, as the paper's fast-growing functions fail
  // early at ViT-B's scale; otherwise it trains as without the probe. 0 = off.
  std::int64_t stability_steps = 0;
  double stability_lr_scale = 12.0;
  std::string schedule = "cosine";  // cosine (warmup, then cosine decay to min_lr) | constant (DiT)
  std::string budget = "default";   // the named budget that produced these numbers (reports show it)
  // The paper's DiT protocol: train at each of these learning rates and keep the best. A planning
  // option (one job per lr); a single job has one lr, and this list is not part of its key.
  std::vector<double> lr_grid;
};

// The DiT proxy's diffusion process, sampler and FID evaluation (ignored by the ViT proxy).
struct DiffusionSpec {
  int timesteps = 1000;  // DDPM steps, linear beta schedule, epsilon prediction
  double beta_start = 1e-4, beta_end = 0.02;
  double class_dropout = 0.1;    // labels dropped to the null class in training (classifier-free guidance)
  int sample_steps = 50;         // DDIM steps
  double sample_eta = 0;         // DDIM eta: 0 deterministic, 1 DDPM-like (noise seeded too)
  int samples_per_class = 100;   // images generated per class for FID and the sample grid
  double cfg_scale = 1.0;        // classifier-free guidance scale; 1 = none (the paper's FID setting)
  std::string features = "cnn";  // FID feature extractor: cnn (trained once, cached) or a TorchScript file
};

struct RuntimeSpec {           // how to run, not what: excluded from the key
  std::string device = "cpu";  // cpu | cuda | cuda:N
  int threads = 0;             // 0 = the cores available
  int log_every = 50;
  int eval_every = 0;  // steps between test evaluations; 0 = only at the end
  int checkpoint_every = 200;
  int eval_limit = 0;            // evaluate on the first N test images; 0 = all
  // Appendix E: eval-mode loss on the training set, at the end. A classifier's pass over the whole
  // training set is keyed (a result the others lack); a DiT job measures it always (100 batches).
  bool eval_train_loss = false;
};

// What a search strategy asks of a job, beyond what it trains: excluded from the key, because a job
// that passes the probe and runs to the end trains exactly as it would without them.
struct SearchControl {
  // Early rejection (EvoNorm's quality rejection): after a short probe, a job that is not learning
  // stops with status "rejected" and the reason. The probe runs at `probe` of the budget, and never
  // before the warmup ends. Off for a job made by hand (`fsearch train`) or planned before search
  // controls existed (no "search" in its job.json); a sweep sets it from its space (on by default).
  bool reject = false;
  double probe = 0.1;
  double min_loss_drop = 0.02;      // rejected if the smoothed loss fell by less than this fraction of its start
  double min_accuracy_gain = 0.01;  // classifier: rejected if test accuracy is within this of chance
  // Successive halving: stop at this fraction of the budget, checkpoint, evaluate and write a
  // "paused" result; the scheduler continues the job if it is promoted. 0 = run to the end.
  double pause_at = 0;
  // Successive halving's rung score from an annealed branch: at the pause the job checkpoints its own
  // trajectory, then trains this fraction of its steps so far more with the learning rate falling
  // linearly to 0, and is scored there. The branch is never saved; a promoted job continues from the
  // checkpoint. 0 = score the model as it stands at the pause.
  double cooldown = 0;
};

struct JobSpec {
  ModelSpec model;
  functions::NormSpec norm;
  DataSpec data;
  TrainSpec train;
  DiffusionSpec diffusion;  // dit only
  RuntimeSpec runtime;
  SearchControl search;
  std::uint64_t seed = 0;
  double divergence_factor = 4.0;  // diverged when the smoothed loss exceeds this x its start
};

// Reads a proxy file's sections (model, data, train; optionally norm, diffusion, seed) into `spec`.
void read_proxy_file(const std::string& file, JobSpec& spec);
// Every key a proxy file may hold, as "section.name" (and "seed"), and whether it is part of the
// job key. docs/proxy-files.md documents each one (a test checks that none is missing).
struct ProxyFileKey {
  std::string key;
  bool keyed;
};
std::vector<ProxyFileKey> proxy_file_keys();
// job.json <-> spec. read_job_file throws ConfigError naming file:line and field.
JobSpec read_job_file(const std::string& file);
std::string to_json_text(const JobSpec& spec);
// Hex key of everything that determines the result.
std::string job_key(const JobSpec& spec);

// Creates the directory and writes job.json (atomically). An existing job.json with a different key
// is an error: a run directory holds one job.
void prepare_run_dir(const JobSpec& spec, const std::string& run_dir);

// Budgets: "default" keeps the proxy's own; "quick" is one epoch (with the proxy's stability probe);
// "smoke" is a few seconds of training (tests, checks), without a stability probe.
void apply_budget(JobSpec& spec, const std::string& budget);

// Steps the budget amounts to for a training set of n images.
std::int64_t total_steps(const JobSpec& spec, std::int64_t train_size);

// The step at which a job of `total` steps pauses (search.pause_at), and at which its early
// rejection probe runs (search.probe of the budget, but not before the warmup ends nor before
// kMinProbeSteps: a judgement needs steps to judge; a smoke run has no probe); 0 when it does not.
inline constexpr std::int64_t kMinProbeSteps = 50;
std::int64_t pause_step(const JobSpec& spec, std::int64_t total);
std::int64_t probe_step(const JobSpec& spec, std::int64_t total);
// The steps of the annealed branch a job trains at its pause (search.cooldown of the pause step,
// at least 1 when asked for); 0 when it does not pause or has no cooldown.
std::int64_t cooldown_steps(const JobSpec& spec, std::int64_t total);

// Rewrites a prepared run directory's job.json with a new search.pause_at (same key): how a
// successive-halving sweep promotes a paused job.
void set_pause_at(const std::string& run_dir, double pause_at);

// Rewrites a prepared run directory's job.json with another runtime.device (same key: the device
// is where a job runs, not what it is): how a worker's slot sends its jobs to its device.
void set_device(const std::string& run_dir, const std::string& device);

// Rewrites a prepared run directory's job.json with early rejection off (same key) and moves a
// rejection's result.json aside to result.rejected.json: the job continues from the checkpoint its
// rejection left to the end of its budget, as `fsearch run --retry-rejected` asks.
void continue_rejected(const std::string& run_dir);

}  // namespace fsearch::jobs
