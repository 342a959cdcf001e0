#include "loop.h"

#include <cmath>
#include <cstdio>

#include "fsearch/core/error.h"
#include "fsearch/core/phase_clock.h"
#include "fsearch/core/version.h"
#include "fsearch/trainers/data.h"
#include "fsearch/trainers/runtime.h"

namespace fsearch::trainers::detail {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ends_with(const std::string& name, const std::string& tail) {
  return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_pointwise_scalar(const std::string& name) {
  return name == "alpha" || name == "shift" || ends_with(name, ".alpha") || ends_with(name, ".shift");
}

// A weight matrix whose fan-in is the model's width (attention, MLP, modulation, head), as opposed
// to the input embeddings, whose fan-in is a patch's pixels, the time frequencies or a label.
bool is_width_matrix(const std::string& name, const torch::Tensor& p) {
  const bool input_embedding =
      name.rfind("patch_embed.", 0) == 0 || name.rfind("t_fc1.", 0) == 0 || name.rfind("label_embed.", 0) == 0;
  return p.dim() >= 2 && p.size(0) > 1 && !input_embedding;
}

}  // namespace

std::vector<ParamGroup> param_groups(torch::nn::Module& model, const TrainSpec& t) {
  ParamGroup decay{"decay", 1.0, t.weight_decay, {}}, no_decay{"no_decay", 1.0, 0.0, {}};
  ParamGroup scalars{"pointwise_scalars", t.alpha_lr_scale, 0.0, {}};
  ParamGroup matrices{"width_matrices", t.matrix_lr_scale, t.weight_decay, {}};
  for (auto& item : model.named_parameters()) {
    const torch::Tensor& p = item.value();
    if (scalars.lr_scale != 1.0 && is_pointwise_scalar(item.key())) scalars.params.push_back(p);
    else if (matrices.lr_scale != 1.0 && is_width_matrix(item.key(), p)) matrices.params.push_back(p);
    else (p.dim() >= 2 && p.size(0) > 1 ? decay : no_decay).params.push_back(p);
  }
  std::vector<ParamGroup> groups{std::move(decay), std::move(no_decay)};
  if (scalars.lr_scale != 1.0) groups.push_back(std::move(scalars));
  if (matrices.lr_scale != 1.0) groups.push_back(std::move(matrices));
  return groups;
}

double ema_decay(const TrainSpec& t, std::int64_t step) {
  if (!t.ema_warmup) return t.ema;
  return std::min(t.ema, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
}

namespace {

torch::optim::AdamW make_optimizer(const std::vector<ParamGroup>& plan, const TrainSpec& t) {
  auto options = torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2});
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const ParamGroup& g : plan) {
    groups.emplace_back(g.params,
                        std::make_unique<torch::optim::AdamWOptions>(options.weight_decay(g.weight_decay)));
  }
  return torch::optim::AdamW(std::move(groups), options);
}

std::vector<torch::Tensor> ema_copy(torch::nn::Module& model, double decay) {
  std::vector<torch::Tensor> ema;
  if (decay > 0) {
    for (auto& p : model.parameters()) ema.push_back(p.detach().clone());
  }
  return ema;
}

}  // namespace

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

double learning_rate(const TrainSpec& t, std::int64_t step, std::int64_t total) {
  if (step < t.warmup_steps) return t.lr * (step + 1) / static_cast<double>(t.warmup_steps);
  if (t.schedule == "constant") return t.lr;
  double progress =
      static_cast<double>(step - t.warmup_steps) / std::max<std::int64_t>(1, total - t.warmup_steps);
  return t.min_lr + 0.5 * (t.lr - t.min_lr) * (1 + std::cos(M_PI * std::min(1.0, progress)));
}

TrainingLoop::TrainingLoop(const JobSpec& spec, const RunDir& dir, const TrainCallbacks& callbacks,
                           torch::nn::Module& model, std::int64_t total_steps)
    : spec_(spec),
      dir_(dir),
      callbacks_(callbacks),
      model_(model),
      total_(total_steps),
      groups_(param_groups(model, spec.train)),
      optimizer_(make_optimizer(groups_, spec.train)),
      ema_(ema_copy(model, spec.train.ema)),
      resumed_(load_checkpoint(dir.checkpoint(), model, optimizer_, ema_, state_, discarded_checkpoint_) ==
               CheckpointLoad::Loaded),
      events_(dir.events(), resumed_ ? state_.step : -1) {
  if (!resumed_) {
    events_.append({{"type", "start"}, {"step", 0}, {"total_steps", total_}, {"key", job_key(spec)}});
    if (!discarded_checkpoint_.empty()) {
      events_.append({{"type", "checkpoint_discarded"}, {"step", 0}, {"reason", discarded_checkpoint_}});
      if (callbacks_.on_message) callbacks_.on_message(discarded_checkpoint_);
    }
  } else {
    events_.append({{"type", "resume"}, {"step", state_.step}});
  }
}

void TrainingLoop::report(const Progress& progress) const {
  if (callbacks_.on_progress) callbacks_.on_progress(progress);
}

std::string TrainingLoop::check_divergence(double loss, double grad_norm) {
  if (!std::isfinite(loss)) return "non-finite loss";
  if (!std::isfinite(grad_norm)) return "non-finite gradient norm";
  if (std::isnan(state_.initial_loss)) state_.initial_loss = loss;
  state_.smoothed_loss = std::isnan(state_.smoothed_loss) ? loss : 0.9 * state_.smoothed_loss + 0.1 * loss;
  if (state_.smoothed_loss > spec_.divergence_factor * state_.initial_loss) {
    return "smoothed loss " + std::to_string(state_.smoothed_loss) + " exceeds " +
           std::to_string(spec_.divergence_factor) + "x its starting value " +
           std::to_string(state_.initial_loss);
  }
  return "";
}

void TrainingLoop::update_ema() {
  if (ema_.empty()) return;
  PhaseScope scope(Phase::Ema);
  torch::NoGradGuard no_grad;
  auto params = model_.parameters();
  const double decay = ema_decay(spec_.train, state_.step);
  for (std::size_t i = 0; i < params.size(); ++i) ema_[i].mul_(decay).add_(params[i], 1 - decay);
}

void TrainingLoop::swap_ema() {
  torch::NoGradGuard no_grad;
  auto params = model_.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto keep = params[i].detach().clone();
    params[i].copy_(ema_[i]);
    ema_[i].copy_(keep);
  }
}

void TrainingLoop::with_eval_weights(const std::function<void()>& body) {
  if (ema_.empty()) return body();
  swap_ema();
  try {
    body();
  } catch (...) {
    swap_ema();
    throw;
  }
  swap_ema();
}

std::string TrainingLoop::check_learning(const std::function<std::string()>& reject_reason) const {
  PhaseScope scope(Phase::Eval);
  const double drop = 1 - state_.smoothed_loss / state_.initial_loss;
  if (std::isfinite(drop) && drop < spec_.search.min_loss_drop) {
    char text[160];
    std::snprintf(text, sizeof text, "smoothed loss %.4g is still within %.0f%% of its start %.4g",
                  state_.smoothed_loss, 100 * spec_.search.min_loss_drop, state_.initial_loss);
    return text;
  }
  return reject_reason ? reject_reason() : "";
}

void TrainingLoop::set_learning_rate(double lr) {
  auto& groups = optimizer_.param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    static_cast<torch::optim::AdamWOptions&>(groups[g].options()).lr(lr * groups_[g].lr_scale);
  }
}

TrainingLoop::Gradients TrainingLoop::gradients(const std::function<StepLoss(std::int64_t)>& step_loss,
                                                std::int64_t step, double lr) {
  // Every random draw of this step comes from (seed, step): resume replays it exactly.
  torch::manual_seed(mix_seed(spec_.seed, static_cast<std::uint64_t>(step)) >> 1);
  set_learning_rate(lr);
  StepLoss out = step_loss(step);
  Gradients g;
  g.images = out.images;
  {
    PhaseScope scope(Phase::Optimizer);
    optimizer_.zero_grad();
  }
  {
    PhaseScope scope(Phase::Backward);
    out.loss.backward();
    g.loss = out.loss.item<double>();
  }
  {
    PhaseScope scope(Phase::Clip);
    g.grad_norm = torch::nn::utils::clip_grad_norm_(
        model_.parameters(), spec_.train.grad_clip > 0 ? spec_.train.grad_clip : INFINITY);
  }
  return g;
}

std::string TrainingLoop::pause(const std::function<StepLoss(std::int64_t)>& step_loss) {
  const std::int64_t steps = cooldown_steps(spec_, total_);
  if (steps > 0) {
    PhaseScope scope(Phase::Step);
    const double lr_from = learning_rate(spec_.train, state_.step, total_);
    std::string failed;
    for (std::int64_t i = 0; i < steps && failed.empty(); ++i) {
      if (callbacks_.stop && callbacks_.stop->load()) {  // the checkpoint holds the pause; resume redoes the branch
        events_.append({{"type", "interrupted"}, {"step", state_.step}});
        return "interrupted";
      }
      // The batches and draws of the steps that follow the pause, as the job itself will see them.
      const auto [loss, grad_norm, images] = gradients(
          step_loss, state_.step + i, lr_from * static_cast<double>(steps - i) / static_cast<double>(steps));
      if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
        failed = !std::isfinite(loss) ? "non-finite loss" : "non-finite gradient norm";
        break;
      }
      optimizer_.step();
      update_ema();
      state_.smoothed_loss = 0.9 * state_.smoothed_loss + 0.1 * loss;  // the DiT's rung score
      ++cooldown_steps_;
    }
    nlohmann::json event = {{"type", "cooldown"},
                            {"step", state_.step},
                            {"steps", cooldown_steps_},
                            {"lr_from", lr_from},
                            {"smoothed_loss", state_.smoothed_loss}};
    if (!failed.empty()) {
      // A branch that breaks down scores nothing: the rung scores the model as it paused.
      std::string problem;
      load_checkpoint(dir_.checkpoint(), model_, optimizer_, ema_, state_, problem);
      event["failed"] = failed + " at branch step " + std::to_string(cooldown_steps_) + "; scored without it";
    }
    events_.append(event);
  }
  events_.append({{"type", "paused"}, {"step", state_.step}});
  return "paused";
}

std::string TrainingLoop::run(const std::function<StepLoss(std::int64_t)>& step_loss,
                              const std::function<void(Progress&)>& evaluate,
                              const std::function<nlohmann::json()>& log_fields,
                              const std::function<std::string()>& reject_reason) {
  auto save = [&] {
    PhaseScope scope(Phase::Checkpoint);
    save_checkpoint(dir_.checkpoint(), model_, optimizer_, ema_, state_);
  };
  const std::int64_t probe_at = probe_step(spec_, total_), pause_at = pause_step(spec_, total_);
  // Resumed at its pause step (paused before, and not promoted since; or a second worker of the
  // directory that waited for the first): it is still paused there, not trained past it.
  if (pause_at > 0 && state_.step == pause_at) return pause(step_loss);
  auto log_interval_start = Clock::now();
  double log_interval_images = 0;
  while (state_.step < total_) {
    PhaseScope step_scope(Phase::Step);
    if (callbacks_.stop && callbacks_.stop->load()) {
      save();
      events_.append({{"type", "interrupted"}, {"step", state_.step}});
      return "interrupted";
    }
    const auto step_start = Clock::now();
    const double lr = learning_rate(spec_.train, state_.step, total_);
    const Gradients g = gradients(step_loss, state_.step, lr);
    const double loss = g.loss, grad_norm = g.grad_norm;

    // divergence guard: the paper's "x" is a result, recorded at once
    if (auto reason = check_divergence(loss, grad_norm); !reason.empty()) {
      diverged_step_ = state_.step;
      diverged_reason_ = reason;
      diverged_loss_ = loss;
      events_.append({{"type", "diverged"}, {"step", state_.step}, {"reason", reason}});
      return "diverged";
    }

    {
      PhaseScope scope(Phase::Optimizer);
      optimizer_.step();
    }
    update_ema();
    state_.last_loss = loss;
    state_.best_loss = std::min(state_.best_loss, loss);
    state_.images_seen += g.images;
    state_.train_seconds += seconds_since(step_start);
    log_interval_images += g.images;
    ++state_.step;

    Progress progress{state_.step, total_, loss, lr, grad_norm, NAN, NAN, resumed_};
    if (state_.step % spec_.runtime.log_every == 0 || state_.step == total_) {
      PhaseScope scope(Phase::Log);
      progress.images_per_sec = log_interval_images / seconds_since(log_interval_start);
      nlohmann::json event = {{"type", "train"},        {"step", state_.step},
                              {"loss", loss},           {"lr", lr},
                              {"grad_norm", grad_norm}, {"images_per_sec", progress.images_per_sec}};
      if (log_fields) event.update(log_fields());
      events_.append(event);
      report(progress);
      log_interval_start = Clock::now();
      log_interval_images = 0;
    }
    if (evaluate && spec_.runtime.eval_every > 0 && state_.step % spec_.runtime.eval_every == 0 &&
        state_.step < total_) {
      PhaseScope scope(Phase::Eval);
      evaluate(progress);
    }
    // Periodically, and after the last step: what follows training (evaluation, sampling) resumes
    // without retraining, and `fsearch sample` finds the final weights.
    if (state_.step % spec_.runtime.checkpoint_every == 0 || state_.step == total_) save();

    // Early rejection: a result, like divergence; the checkpoint stays, so that a search that
    // wants the job after all can continue it.
    if (state_.step == probe_at) {
      if (auto reason = check_learning(reject_reason); !reason.empty()) {
        save();
        diverged_step_ = state_.step;
        diverged_reason_ = reason;
        diverged_loss_ = loss;
        events_.append({{"type", "rejected"}, {"step", state_.step}, {"reason", reason}});
        return "rejected";
      }
    }
    if (state_.step == pause_at) {
      save();
      return pause(step_loss);
    }
  }
  return "done";
}

void TrainingLoop::fill_result(TrainResult& result) const {
  result.total_steps = total_;
  result.steps = diverged_step_ >= 0 ? diverged_step_ : state_.step;
  result.final_loss = diverged_step_ >= 0 ? diverged_loss_ : state_.last_loss;
  result.best_loss = state_.best_loss;
  result.diverged_step = diverged_step_;
  result.diverged_reason = diverged_reason_;
  result.cooldown_steps = cooldown_steps_;
  result.train_time = state_.train_seconds;
  result.images_per_sec = state_.train_seconds > 0 ? state_.images_seen / state_.train_seconds : NAN;
  result.threads = torch_threads();
  const RuntimeInfo runtime = runtime_info();  // one query: it also asks CUDA for its devices
  result.torch_version = runtime.torch_version;
  result.cpu = runtime.cpu;
  result.git_commit = git_commit();
  result.key = job_key(spec_);
  result.budget = spec_.train.budget;
}

}  // namespace fsearch::trainers::detail
