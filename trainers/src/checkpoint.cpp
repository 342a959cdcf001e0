#include "checkpoint.h"

#include <unistd.h>

#include <sstream>

#include "fsearch/core/error.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers::detail {

void save_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& ema,
                     const LoopState& state) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("step", torch::tensor(state.step, torch::kInt64));
  archive.write("state", torch::tensor({state.initial_loss, state.smoothed_loss, state.best_loss,
                                        state.last_loss, state.train_seconds, state.images_seen},
                                       torch::kDouble));
  archive.write("ema_count", torch::tensor(static_cast<std::int64_t>(ema.size()), torch::kInt64));
  for (std::size_t i = 0; i < ema.size(); ++i) archive.write("ema_" + std::to_string(i), ema[i]);
  save_archive(archive, file);
}

void save_archive(torch::serialize::OutputArchive& archive, const std::filesystem::path& file) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_atomic(file, bytes.str());
}

CheckpointLoad load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, std::vector<torch::Tensor>& ema,
                               LoopState& state, std::string& problem) {
  if (!std::filesystem::exists(file)) return CheckpointLoad::None;
  // Read every part before changing anything: a file that fails half way leaves the model as it was.
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  torch::Tensor step, numbers, count;
  std::vector<torch::Tensor> saved_ema;
  try {
    archive.load_from(file.string());
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    archive.read("step", step);
    archive.read("state", numbers);
    archive.read("ema_count", count);
    for (std::int64_t i = 0; i < count.item<std::int64_t>() && i < static_cast<std::int64_t>(ema.size()); ++i) {
      saved_ema.emplace_back();
      archive.read("ema_" + std::to_string(i), saved_ema.back());
    }
  } catch (const c10::Error& e) {
    problem = file.string() + ": unreadable checkpoint (" + e.what_without_backtrace() + ")";
    auto aside = file;
    aside += ".corrupt";
    std::filesystem::rename(file, aside);
    problem += "; moved to " + aside.string() + ", the job starts again from step 0";
    return CheckpointLoad::Discarded;
  }
  model.load(model_archive);
  optimizer.load(optimizer_archive);
  state.step = step.item<std::int64_t>();
  auto n = numbers.accessor<double, 1>();
  state.initial_loss = n[0], state.smoothed_loss = n[1], state.best_loss = n[2], state.last_loss = n[3];
  state.train_seconds = n[4], state.images_seen = n[5];
  for (std::size_t i = 0; i < saved_ema.size(); ++i) ema[i].copy_(saved_ema[i]);
  return CheckpointLoad::Loaded;
}

std::int64_t load_eval_weights(const std::filesystem::path& file, torch::nn::Module& model, bool ema) {
  if (!std::filesystem::exists(file)) {
    throw ConfigError("no checkpoint " + file.string(), "the run has not trained yet, or it was deleted");
  }
  torch::serialize::InputArchive archive, model_archive;
  archive.load_from(file.string());
  archive.read("model", model_archive);
  model.load(model_archive);
  torch::Tensor step, count;
  archive.read("step", step);
  archive.read("ema_count", count);
  auto params = model.parameters();
  if (ema && count.item<std::int64_t>() == static_cast<std::int64_t>(params.size())) {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) {
      torch::Tensor saved;
      archive.read("ema_" + std::to_string(i), saved);
      params[i].copy_(saved);
    }
  }
  return step.item<std::int64_t>();
}

}  // namespace fsearch::trainers::detail
