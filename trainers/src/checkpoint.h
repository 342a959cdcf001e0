// Saving and restoring everything a job needs to continue exactly: model, optimizer, EMA weights,
// step and the loop's running numbers. Written atomically (temporary file, then rename).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <vector>

namespace fsearch::trainers::detail {

struct LoopState {
  std::int64_t step = 0;  // the next step to run
  double initial_loss = NAN, smoothed_loss = NAN, best_loss = INFINITY, last_loss = NAN;
  double train_seconds = 0;  // time spent in training steps so far, across resumes
  double images_seen = 0;
};

void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& ema,
                     const LoopState& state);

// Returns false when there is no checkpoint file.
bool load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, std::vector<torch::Tensor>& ema, LoopState& state);

// Loads only the weights to evaluate with: the EMA weights when the checkpoint has them, else the
// model's own. Returns the step the checkpoint was taken at. Throws ConfigError if there is none.
std::int64_t load_eval_weights(const std::filesystem::path& file, torch::nn::Module& model);

}  // namespace fsearch::trainers::detail
