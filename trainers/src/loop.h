// The part of training every proxy shares: AdamW with the job's schedule, EMA weights, the
// divergence guard, progress and events, periodic checkpoints, stop requests and resume. A proxy
// supplies only its loss for a step (and, optionally, a periodic evaluation); the ViT classifier
// and the DiT diffusion model both run through this one loop.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "fsearch/trainers/jobs.h"
#include "fsearch/trainers/train.h"

namespace fsearch::trainers::detail {

torch::Device parse_device(const std::string& text);

// The learning rate at `step` of `total`: linear warmup to lr, then cosine decay to min_lr
// (schedule cosine) or lr held (schedule constant, after the warmup if any).
double learning_rate(const TrainSpec& t, std::int64_t step, std::int64_t total);

// The decay of the weights' EMA at the update after `step` steps (0 for the first): train.ema, or
// with train.ema_warmup min(ema, (1 + step) / (10 + step)).
double ema_decay(const TrainSpec& t, std::int64_t step);

struct StepLoss {
  torch::Tensor loss;       // scalar, with a graph to the model's parameters
  std::int64_t images = 0;  // images this step trained on (throughput)
};

// One of the optimizer's parameter groups. AdamW decays matrices only (not norms, biases, alpha,
// s, embeddings). "decay" and "no_decay" always exist, in that order; "pointwise_scalars" (alpha and
// s, train.alpha_lr_scale) and "width_matrices" (train.matrix_lr_scale) follow only when their
// scale is not 1, so that checkpoints made without a scale keep their groups. The schedule sets
// every group's lr to lr_scale times its lr at each step (TrainingLoop::run).
struct ParamGroup {
  std::string name;
  double lr_scale = 1.0;
  double weight_decay = 0.0;
  std::vector<torch::Tensor> params;
};
std::vector<ParamGroup> param_groups(torch::nn::Module& model, const TrainSpec& t);

class TrainingLoop {
 public:
  // Builds the optimizer and EMA copy for `model`, resumes from the run directory's checkpoint if
  // there is one, and opens events.jsonl.
  TrainingLoop(const JobSpec& spec, const RunDir& dir, const TrainCallbacks& callbacks,
               torch::nn::Module& model, std::int64_t total_steps);

  // Runs the remaining steps. `step_loss(step)` computes the step's loss; all randomness of a step
  // must come from (seed, step), which the loop seeds torch's generator with before calling it.
  // `evaluate(progress)` runs every runtime.eval_every steps when given. `log_fields()`, when given,
  // adds fields to each logged train event (diagnostics of the step just taken). At the early
  // rejection probe (probe_step) the loop checks the smoothed loss against its start, then asks
  // `reject_reason()` (when given: the proxy's own check, e.g. accuracy at chance). Returns "done"
  // (all steps ran), "diverged" or "rejected" (recorded in the result), "paused" (it reached
  // search.pause_at; checkpointed; with search.cooldown the model is then left on an annealed
  // branch for the proxy to score, never saved) or "interrupted" (checkpointed).
  std::string run(const std::function<StepLoss(std::int64_t)>& step_loss,
                  const std::function<void(Progress&)>& evaluate = {},
                  const std::function<nlohmann::json()>& log_fields = {},
                  const std::function<std::string()>& reject_reason = {});

  // Whether the step with this index is one whose train event is logged.
  bool logs_step(std::int64_t step) const {
    return (step + 1) % spec_.runtime.log_every == 0 || step + 1 == total_;
  }

  // Runs `body` with the EMA weights swapped into the model (or the live weights without EMA).
  void with_eval_weights(const std::function<void()>& body);

  void report(const Progress& progress) const;
  EventLog& events() { return events_; }
  const LoopState& state() const { return state_; }
  bool resumed() const { return resumed_; }
  // Fills the fields every proxy's result shares (status, steps, losses, timing, provenance).
  void fill_result(TrainResult& result) const;

 private:
  std::string check_divergence(double loss, double grad_norm);
  void set_learning_rate(double lr);  // every group at its lr_scale times lr
  // One step's gradients at `lr`, with its draws seeded from (seed, step); the optimizer not stepped.
  struct Gradients {
    double loss = NAN, grad_norm = NAN;
    std::int64_t images = 0;
  };
  Gradients gradients(const std::function<StepLoss(std::int64_t)>& step_loss, std::int64_t step, double lr);
  // At the pause step (checkpointed): the annealed branch of search.cooldown, if any, then the
  // "paused" event. Returns "paused", or "interrupted" by a stop request inside the branch.
  std::string pause(const std::function<StepLoss(std::int64_t)>& step_loss);
  std::string check_learning(const std::function<std::string()>& reject_reason) const;
  void update_ema();
  void swap_ema();

  const JobSpec& spec_;
  RunDir dir_;
  TrainCallbacks callbacks_;
  torch::nn::Module& model_;
  std::int64_t total_;
  std::vector<ParamGroup> groups_;
  torch::optim::AdamW optimizer_;
  std::vector<torch::Tensor> ema_;
  LoopState state_;
  std::string discarded_checkpoint_;  // why an unreadable checkpoint was moved aside, if one was
  bool resumed_ = false;
  EventLog events_;
  std::int64_t diverged_step_ = -1;  // where and why training stopped early (diverged or rejected)
  std::string diverged_reason_;
  double diverged_loss_ = NAN;
  std::int64_t cooldown_steps_ = 0;  // steps trained on the annealed branch at the pause
};

}  // namespace fsearch::trainers::detail
