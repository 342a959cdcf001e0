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

// Writes an archive to `file` atomically, through memory: a full disk is an Error naming the file,
// and no temporary file is left (torch's own file writer throws from a destructor there).
void save_archive(torch::serialize::OutputArchive& archive, const std::filesystem::path& file);

void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& ema,
                     const LoopState& state);

enum class CheckpointLoad { None, Loaded, Discarded };

// Restores a job from its checkpoint. None: there is none. Discarded: the file cannot be read (cut
// short by a full disk or a crash); it was moved aside to `<file>.corrupt`, `problem` says why, and
// nothing was changed, so the job starts again from step 0.
CheckpointLoad load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, std::vector<torch::Tensor>& ema,
                               LoopState& state, std::string& problem);

// Loads only the weights to evaluate with: the EMA weights when `ema` and the checkpoint has them,
// else the model's own. Returns the step the checkpoint was taken at. Throws ConfigError if there is none.
std::int64_t load_eval_weights(const std::filesystem::path& file, torch::nn::Module& model, bool ema = true);

}  // namespace fsearch::trainers::detail
