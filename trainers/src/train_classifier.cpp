// The ViT proxy's training: model -> loop (cross-entropy with label smoothing, periodic test
// evaluation) -> final evaluation with the EMA weights -> accuracy and loss.
#include <cstdio>
#include <optional>

#include "diagnostics.h"
#include "fsearch/core/phase_clock.h"
#include "fsearch/trainers/mixup.h"
#include "fsearch/trainers/vit.h"
#include "loop.h"
#include "proxies.h"

namespace fsearch::trainers::detail {
namespace {

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
    auto logits = model->forward(batch.x.to(device));  // (B, classes)
    auto y = batch.y.to(device);
    loss += torch::nn::functional::cross_entropy(
                logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<double>();
  }
  model->train();
  return {correct / n, loss / n};
}

}  // namespace

TrainResult train_classifier(const JobContext& job) {
  const JobSpec& spec = job.spec;
  Batches batches(job.data, spec.data, spec.train.batch_size, spec.seed);
  const std::int64_t total = total_steps(spec, job.data.train.size());
  torch::manual_seed(spec.seed);
  ViT model(spec.model, spec.norm);
  model->to(job.device);
  model->train();
  // Diagnostics on a fixed batch of training images, here at initialisation (before a resumed run
  // loads its checkpoint: the seeded init is the same on every attempt) and after training.
  const auto probe_batch =
      batches.plain(job.data.train, 0, std::min<std::int64_t>(256, job.data.train.size()));
  auto probe = [&] { return probe_model(*model, [&] { model->forward(probe_batch.x.to(job.device)); }); };
  nlohmann::json diagnostics = {{"init", probe()}};
  TrainingLoop loop(spec, job.dir, job.callbacks, *model, total);

  auto step_loss = [&](std::int64_t step) {
    std::optional<PhaseScope> data(Phase::Data);
    auto batch = batches.train_batch(step);
    auto x = batch.x.to(job.device), y = batch.y.to(job.device);
    const auto mixed = mix_batch(x, y, spec.data.mixup, spec.data.cutmix, spec.seed, step);
    data.reset();
    set_attention_probe(*model, loop.logs_step(step));  // attention logit growth, on logged steps
    auto logits = model->forward(mixed.images);         // (B, classes)
    PhaseScope scope(Phase::Loss);
    auto loss = mixed_cross_entropy(logits, y, mixed, spec.train.label_smoothing);
    return StepLoss{loss, batch.y.size(0)};
  };
  auto periodic_eval = [&](Progress& progress) {
    auto e = evaluate(model, batches, job.data.test, spec.runtime.eval_limit, job.device);
    loop.events().append(
        {{"type", "eval"}, {"step", progress.step}, {"test_acc", e.accuracy}, {"test_loss", e.loss}});
    progress.test_acc = e.accuracy;
    loop.report(progress);
  };

  auto log_fields = [&]() -> nlohmann::json {
    const double logit = attention_logit_max(*model);
    return std::isfinite(logit) ? nlohmann::json{{"attn_logit_max", logit}} : nlohmann::json::object();
  };

  // Early rejection: accuracy still at chance on (up to) the first 1000 test images.
  auto reject_reason = [&]() -> std::string {
    Evaluation e;
    loop.with_eval_weights([&] {
      e = evaluate(model, batches, job.data.test, std::min<std::int64_t>(1000, job.data.test.size()),
                   job.device);
    });
    const double chance = 1.0 / spec.model.num_classes;
    if (e.accuracy >= chance + spec.search.min_accuracy_gain) return "";
    char text[160];
    std::snprintf(text, sizeof text, "test accuracy %.1f%% is still at chance (%.1f%%)", 100 * e.accuracy,
                  100 * chance);
    return text;
  };

  TrainResult result;
  result.status = loop.run(step_loss, periodic_eval, log_fields, reject_reason);
  PhaseScope finish(Phase::Finish);
  set_attention_probe(*model, false);
  if (result.status != "interrupted") {
    diagnostics["final"] = probe();
    result.diagnostics = diagnostics;
  }
  if (result.status == "paused") {  // a successive-halving rung: its score is the test accuracy now
    Evaluation e;
    loop.with_eval_weights(
        [&] { e = evaluate(model, batches, job.data.test, spec.runtime.eval_limit, job.device); });
    result.test_acc = e.accuracy;
    result.test_loss = e.loss;
    loop.events().append(
        {{"type", "eval"}, {"step", loop.state().step}, {"test_acc", e.accuracy}, {"test_loss", e.loss}});
  }
  if (result.status == "done") {
    Evaluation e, train;
    loop.with_eval_weights([&] {
      e = evaluate(model, batches, job.data.test, spec.runtime.eval_limit, job.device);
      if (spec.runtime.eval_train_loss) train = evaluate(model, batches, job.data.train, 0, job.device);
    });
    result.test_acc = e.accuracy;
    result.test_loss = e.loss;
    result.eval_train_loss = train.loss;  // Appendix E: eval-mode loss on the training set
    loop.events().append(
        {{"type", "eval"}, {"step", loop.state().step}, {"test_acc", e.accuracy}, {"test_loss", e.loss}});
    loop.report(
        {loop.state().step, total, loop.state().last_loss, NAN, NAN, NAN, e.accuracy, loop.resumed()});
  }
  loop.fill_result(result);
  return result;
}

}  // namespace fsearch::trainers::detail
