// The ViT training loop: config -> data -> model -> optimizer -> resume -> loop (step, log, eval,
// checkpoint) -> final evaluation -> result.json.
#include <chrono>
#include <cmath>

#include "checkpoint.h"
#include "fsearch/core/error.h"
#include "fsearch/core/version.h"
#include "fsearch/trainers/data.h"
#include "fsearch/trainers/runtime.h"
#include "fsearch/trainers/train.h"
#include "fsearch/trainers/vit.h"

namespace fsearch::trainers {
namespace {

using Clock = std::chrono::steady_clock;
using detail::LoopState;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

torch::Device parse_device(const std::string& text) {
  try {
    torch::Device device(text);
    if (device.is_cuda() && !torch::cuda::is_available()) {
      throw ConfigError("device " + text + ": CUDA is not available in this build or machine",
                        "use --device cpu, or build against a CUDA LibTorch (README: Building for a GPU)");
    }
    return device;
  } catch (const c10::Error&) {
    throw ConfigError("unknown device '" + text + "'", "use cpu, cuda or cuda:N");
  }
}

// Linear warmup to lr, then cosine decay to min_lr at the last step.
double learning_rate(const TrainSpec& t, std::int64_t step, std::int64_t total) {
  if (step < t.warmup_steps) return t.lr * (step + 1) / static_cast<double>(t.warmup_steps);
  double progress =
      static_cast<double>(step - t.warmup_steps) / std::max<std::int64_t>(1, total - t.warmup_steps);
  return t.min_lr + 0.5 * (t.lr - t.min_lr) * (1 + std::cos(M_PI * std::min(1.0, progress)));
}

// AdamW with weight decay on matrices only (not on norms, biases, alpha, s, embeddings).
torch::optim::AdamW make_optimizer(torch::nn::Module& model, const TrainSpec& t) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model.parameters()) (p.dim() >= 2 && p.size(0) > 1 ? decay : no_decay).push_back(p);
  auto options = torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2});
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay,
                      std::make_unique<torch::optim::AdamWOptions>(options.weight_decay(t.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(options.weight_decay(0.0)));
  return torch::optim::AdamW(std::move(groups), options);
}

struct Evaluation {
  double accuracy = NAN, loss = NAN;
};

Evaluation evaluate(ViT& model, const Batches& batches, const Dataset& split, std::int64_t limit,
                    const torch::Device& device) {
  torch::NoGradGuard no_grad;
  model->eval();
  const std::int64_t n = limit > 0 ? std::min(limit, split.size()) : split.size();
  double correct = 0, loss = 0;
  for (std::int64_t begin = 0; begin < n; begin += 500) {
    auto batch = batches.plain(split, begin, std::min<std::int64_t>(500, n - begin));
    auto logits = model->forward(batch.x.to(device));
    auto y = batch.y.to(device);
    loss += torch::nn::functional::cross_entropy(
                logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<double>();
  }
  model->train();
  return {correct / n, loss / n};
}

// Swaps the model's parameters with the EMA copy (call twice to swap back).
void swap_ema(torch::nn::Module& model, std::vector<torch::Tensor>& ema) {
  torch::NoGradGuard no_grad;
  auto params = model.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto keep = params[i].detach().clone();
    params[i].copy_(ema[i]);
    ema[i].copy_(keep);
  }
}

}  // namespace

TrainResult run_job(const std::string& run_dir, const TrainCallbacks& callbacks) {
  const auto wall_start = Clock::now();
  RunDir dir{run_dir};
  if (!std::filesystem::exists(dir.job())) {
    throw ConfigError("no job.json in " + run_dir,
                      "create one with `fsearch train --proxy ... --out " + run_dir + "`");
  }
  // config
  JobSpec spec = read_job_file(dir.job().string());
  const int threads = configure_threads(callbacks.threads > 0 ? callbacks.threads : spec.runtime.threads);
  const torch::Device device = parse_device(spec.runtime.device);
  // data
  DataSplits data = load_data(spec.data, spec.seed);
  if (data.train.images.size(1) != spec.model.channels ||
      data.train.images.size(2) != spec.model.image_size) {
    throw ConfigError(dir.job().string() + ": model expects " + std::to_string(spec.model.channels) + "x" +
                      std::to_string(spec.model.image_size) + " images, the data set has " +
                      std::to_string(data.train.images.size(1)) + "x" +
                      std::to_string(data.train.images.size(2)));
  }
  spec.model.num_classes = std::max(spec.model.num_classes, data.train.classes);
  Batches batches(data, spec.data, spec.train.batch_size, spec.seed);
  const std::int64_t total = total_steps(spec, data.train.size());
  // model
  torch::manual_seed(spec.seed);
  ViT model(spec.model, spec.norm);
  model->to(device);
  model->train();
  std::vector<torch::Tensor> ema;
  if (spec.train.ema > 0) {
    for (auto& p : model->parameters()) ema.push_back(p.detach().clone());
  }
  // optimizer
  auto optimizer = make_optimizer(*model, spec.train);
  // resume
  LoopState state;
  const bool resumed = detail::load_checkpoint(dir.checkpoint(), *model, optimizer, ema, state);
  EventLog events(dir.events(), resumed ? state.step : -1);
  if (!resumed) {
    events.append({{"type", "start"}, {"step", 0}, {"total_steps", total}, {"key", job_key(spec)}});
  } else {
    events.append({{"type", "resume"}, {"step", state.step}});
  }

  TrainResult result;
  result.total_steps = total;
  result.device = device.str();
  result.threads = threads;
  result.torch_version = runtime_info().torch_version;
  result.git_commit = git_commit();
  result.key = job_key(spec);
  result.budget = spec.train.budget;

  auto save = [&] { detail::save_checkpoint(dir.checkpoint(), *model, optimizer, ema, state); };
  auto report = [&](const Progress& p) {
    if (callbacks.on_progress) callbacks.on_progress(p);
  };
  auto log_interval_start = Clock::now();
  double log_interval_images = 0;

  // loop
  while (state.step < total) {
    if (callbacks.stop && callbacks.stop->load()) {
      save();
      events.append({{"type", "interrupted"}, {"step", state.step}});
      result.status = "interrupted";
      result.steps = state.step;
      return result;
    }
    const auto step_start = Clock::now();
    // Every random draw of this step (drop path) comes from (seed, step): resume replays it exactly.
    torch::manual_seed(mix_seed(spec.seed, static_cast<std::uint64_t>(state.step)) >> 1);
    const double lr = learning_rate(spec.train, state.step, total);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

    auto batch = batches.train_batch(state.step);
    auto logits = model->forward(batch.x.to(device));
    auto loss = torch::nn::functional::cross_entropy(
        logits, batch.y.to(device),
        torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(spec.train.label_smoothing));
    optimizer.zero_grad();
    loss.backward();
    const double loss_value = loss.item<double>();
    const double grad_norm = torch::nn::utils::clip_grad_norm_(
        model->parameters(), spec.train.grad_clip > 0 ? spec.train.grad_clip : INFINITY);

    // divergence guard: the paper's "x" is a result, recorded at once
    std::string diverged;
    if (!std::isfinite(loss_value)) {
      diverged = "non-finite loss";
    } else if (!std::isfinite(grad_norm)) {
      diverged = "non-finite gradient norm";
    } else {
      if (std::isnan(state.initial_loss)) state.initial_loss = loss_value;
      state.smoothed_loss =
          std::isnan(state.smoothed_loss) ? loss_value : 0.9 * state.smoothed_loss + 0.1 * loss_value;
      if (state.smoothed_loss > spec.divergence_factor * state.initial_loss) {
        diverged = "smoothed loss " + std::to_string(state.smoothed_loss) + " exceeds " +
                   std::to_string(spec.divergence_factor) + "x its starting value " +
                   std::to_string(state.initial_loss);
      }
    }
    if (!diverged.empty()) {
      result.status = "diverged";
      result.diverged_step = state.step;
      result.diverged_reason = diverged;
      result.steps = state.step;
      result.final_loss = loss_value;
      result.best_loss = state.best_loss;
      events.append({{"type", "diverged"}, {"step", state.step}, {"reason", diverged}});
      break;
    }

    optimizer.step();
    if (!ema.empty()) {
      torch::NoGradGuard no_grad;
      auto params = model->parameters();
      for (std::size_t i = 0; i < params.size(); ++i)
        ema[i].mul_(spec.train.ema).add_(params[i], 1 - spec.train.ema);
    }
    state.last_loss = loss_value;
    state.best_loss = std::min(state.best_loss, loss_value);
    state.images_seen += batch.y.size(0);
    state.train_seconds += seconds_since(step_start);
    log_interval_images += batch.y.size(0);
    ++state.step;

    Progress progress{state.step, total, loss_value, lr, grad_norm, NAN, NAN, resumed};
    if (state.step % spec.runtime.log_every == 0 || state.step == total) {
      progress.images_per_sec = log_interval_images / seconds_since(log_interval_start);
      events.append({{"type", "train"},
                     {"step", state.step},
                     {"loss", loss_value},
                     {"lr", lr},
                     {"grad_norm", grad_norm},
                     {"images_per_sec", progress.images_per_sec}});
      report(progress);
      log_interval_start = Clock::now();
      log_interval_images = 0;
    }
    if (spec.runtime.eval_every > 0 && state.step % spec.runtime.eval_every == 0 && state.step < total) {
      auto e = evaluate(model, batches, data.test, spec.runtime.eval_limit, device);
      events.append(
          {{"type", "eval"}, {"step", state.step}, {"test_acc", e.accuracy}, {"test_loss", e.loss}});
      progress.test_acc = e.accuracy;
      report(progress);
    }
    if (state.step % spec.runtime.checkpoint_every == 0 && state.step < total) save();
  }

  // final evaluation (with the EMA weights when there are any)
  if (result.status.empty()) {
    if (!ema.empty()) swap_ema(*model, ema);
    auto e = evaluate(model, batches, data.test, spec.runtime.eval_limit, device);
    if (spec.runtime.eval_train_loss) {
      result.eval_train_loss = evaluate(model, batches, data.train, 0, device).loss;  // Appendix E
    }
    if (!ema.empty()) swap_ema(*model, ema);
    result.status = "done";
    result.steps = state.step;
    result.test_acc = e.accuracy;
    result.test_loss = e.loss;
    result.final_loss = state.last_loss;
    result.best_loss = state.best_loss;
    events.append({{"type", "eval"}, {"step", state.step}, {"test_acc", e.accuracy}, {"test_loss", e.loss}});
    Progress done{state.step, total, state.last_loss, NAN, NAN, NAN, e.accuracy, resumed};
    report(done);
  }
  result.train_time = state.train_seconds;
  result.images_per_sec = state.train_seconds > 0 ? state.images_seen / state.train_seconds : NAN;
  result.wall_time = seconds_since(wall_start);
  write_atomic(dir.result(), to_json(result).dump(2) + "\n");
  return result;
}

}  // namespace fsearch::trainers
