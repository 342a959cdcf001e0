// The DiT proxy's training: model -> loop (DDPM epsilon-prediction MSE) -> with the EMA weights:
// Appendix E's eval-mode training loss, DDIM samples per class (IDX files and a PNG grid) -> FID
// against the real test split.
#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "diagnostics.h"
#include "fsearch/core/phase_clock.h"
#include "loop.h"
#include "proxies.h"
#include "sampling.h"

namespace fsearch::trainers::detail {
namespace {

constexpr std::int64_t kEvalTrainBatches = 100;  // Appendix E: the first 100 training batches

// Draws (t, noise) for a batch of x0 from torch's current generator; on the CPU, so the same seed
// gives the same draws on every device.
struct NoiseDraw {
  torch::Tensor t, noise;
};
NoiseDraw draw_noise(const torch::Tensor& x0, int timesteps) {
  return {torch::randint(0, timesteps, {x0.size(0)}, torch::kInt64),
          torch::randn(x0.sizes(), torch::kFloat32)};
}

// Appendix E: the diffusion loss in eval mode over the first 100 training batches, with (t, noise)
// fixed by the seed, so runs compare on the same draws.
double eval_train_loss(DiT& model, const GaussianDiffusion& diffusion, const Batches& batches,
                       const Dataset& train, int batch_size, std::uint64_t seed,
                       const torch::Device& device) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(mix_seed(seed, 0xe7a1) >> 1);
  double sum = 0;
  std::int64_t count = 0;
  for (std::int64_t b = 0; b < kEvalTrainBatches && (b + 1) * batch_size <= train.size(); ++b) {
    auto batch = batches.plain(train, b * batch_size, batch_size);
    auto draw = draw_noise(batch.x, diffusion.timesteps());
    sum += diffusion
               .loss(noise_model(model), batch.x.to(device), draw.t.to(device), draw.noise.to(device),
                     batch.y.to(device))
               .item<double>();
    ++count;
  }
  return count > 0 ? sum / count : NAN;
}

// The timesteps of the loss-by-timestep diagnostic: from the cleanest (the last sampling step, fine
// detail) to pure noise, denser at small t where detail is decided: 0, 10, 30, 100, 300, 599, 999 of 1000.
std::vector<std::int64_t> diagnostic_timesteps(int timesteps) {
  std::vector<std::int64_t> out;
  for (double fraction : {0.0, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0}) {
    const auto t = static_cast<std::int64_t>(std::lround(fraction * (timesteps - 1)));
    if (out.empty() || out.back() != t) out.push_back(t);
  }
  return out;
}

// The first test images with their labels: as many as the job samples, at most 512 (a smoke job
// samples 100 and spends seconds here, a dit-b job 1,000).
constexpr std::int64_t kLossByTimestepImages = 512;

// Where along the chain the model is good, with the trained weights, and with the sampling (EMA)
// weights conditionally, unconditionally (the null label guidance extrapolates from) and guided as
// the sampler guides: a model whose loss is fine but whose samples are not shows here at which
// timesteps, and whether the weights or guidance are to blame.
nlohmann::json loss_by_timestep(DiT& model, const GaussianDiffusion& diffusion, TrainingLoop& loop,
                                const Batches& batches, const DataSplits& data, const JobSpec& spec,
                                const torch::Device& device) {
  const auto images = batches.plain(
      data.test, 0,
      std::min({kLossByTimestepImages, data.test.size(),
                std::int64_t{spec.diffusion.samples_per_class} * data.train.classes}));
  torch::manual_seed(mix_seed(spec.seed, 0x1055) >> 1);
  const auto noise = torch::randn(images.x.sizes(), torch::kFloat32).to(device);
  const auto x0 = images.x.to(device), y = images.y.to(device);
  const auto null_y = torch::full_like(y, model->null_label());
  const auto timesteps = diagnostic_timesteps(diffusion.timesteps());
  auto losses = [&](const NoiseModel& predict, const torch::Tensor& labels) {
    return diffusion.loss_at(predict, x0, labels, noise, timesteps);
  };
  model->eval();
  nlohmann::json by_t = {{"t", timesteps}, {"images", images.x.size(0)}, {"trained", losses(noise_model(model), y)}};
  loop.with_eval_weights([&] {
    if (spec.train.ema > 0) by_t["ema"] = losses(noise_model(model), y);
    by_t["unconditional"] = losses(noise_model(model), null_y);
    by_t["guided"] = losses(guided(noise_model(model), spec.diffusion.cfg_scale, model->null_label()), y);
    by_t["cfg_scale"] = spec.diffusion.cfg_scale;
  });
  model->train();
  return by_t;
}

}  // namespace

TrainResult train_diffusion(const JobContext& job) {
  const JobSpec& spec = job.spec;
  const auto& data = job.data;
  Batches batches(data, spec.data, spec.train.batch_size, spec.seed, PixelScale::Symmetric);
  const std::int64_t total = total_steps(spec, data.train.size());
  GaussianDiffusion diffusion(spec.diffusion);
  torch::manual_seed(spec.seed);
  DiT model(spec.model, spec.norm);
  model->to(job.device);
  model->train();
  // Diagnostics (as the ViT's) on a fixed half-noised batch: x_t = (x0 + noise) / sqrt(2) at the
  // middle timestep, with the same noise at init and after training.
  const auto probe_images = batches.plain(data.train, 0, std::min<std::int64_t>(64, data.train.size()));
  auto probe = [&] {
    auto x0 = probe_images.x.to(job.device);
    torch::manual_seed(spec.seed + 7919);  // the training loop seeds every step itself
    auto noise = torch::randn(x0.sizes()).to(job.device);
    auto t = torch::full({x0.size(0)}, diffusion.timesteps() / 2, torch::kLong).to(job.device);
    return probe_model(
        *model, [&] { model->forward((x0 + noise) / std::sqrt(2.0), t, probe_images.y.to(job.device)); });
  };
  nlohmann::json diagnostics = {{"init", probe()}};
  TrainingLoop loop(spec, job.dir, job.callbacks, *model, total);
  auto message = [&](const std::string& text) {
    if (job.callbacks.on_message) job.callbacks.on_message(text);
  };

  auto step_loss = [&](std::int64_t step) {
    std::optional<PhaseScope> data(Phase::Data);
    auto batch = batches.train_batch(step);  // x: (B, C, H, W) in [-1, 1]
    auto draw = draw_noise(batch.x, diffusion.timesteps());
    auto y = batch.y;
    if (spec.diffusion.class_dropout > 0) {  // the null label, for classifier-free guidance
      auto drop = torch::rand({y.size(0)}) < spec.diffusion.class_dropout;
      y = torch::where(drop, torch::full_like(y, model->null_label()), y);
    }
    auto x0 = batch.x.to(job.device), t = draw.t.to(job.device), noise = draw.noise.to(job.device);
    y = y.to(job.device);
    data.reset();
    PhaseScope scope(Phase::Loss);  // noising and the loss; the model's own phases inside
    auto loss = diffusion.loss(noise_model(model), x0, t, noise, y);
    return StepLoss{loss, batch.x.size(0)};
  };

  TrainResult result;
  result.status = loop.run(step_loss);
  PhaseScope finish(Phase::Finish);
  if (result.status != "interrupted") {
    diagnostics["final"] = probe();
    result.diagnostics = diagnostics;
  }
  if (result.status == "done") {
    Dataset samples;
    double sample_seconds = 0;
    loop.with_eval_weights([&] {
      model->eval();
      // Always (100 forward batches, about 1% of a job), whatever runtime.eval_train_loss says: so a
      // DiT job's key need not carry it, and Table 13 reads the jobs Tables 7 and 14 train.
      result.eval_train_loss = eval_train_loss(model, diffusion, batches, data.train, spec.train.batch_size,
                                               spec.seed, job.device);
      const auto& d = spec.diffusion;
      message(fmt::format("sampling {} images ({} steps, eta {:g}, guidance {:g})",
                          d.samples_per_class * data.train.classes, d.sample_steps, d.sample_eta,
                          d.cfg_scale));
      const auto start = std::chrono::steady_clock::now();
      samples = generate_samples(model, diffusion, spec.diffusion, spec.model, spec.seed, data.train.classes,
                                 job.device);
      sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      model->train();
    });
    save_samples(samples, job.dir);
    const auto score = score_samples(samples, spec.diffusion.features, data, job.device, message);
    result.fid = score.fid;
    result.fid_features = score.features;
    result.fid_samples = samples.size();
    result.sample_images_per_sec = samples.size() / sample_seconds;
    loop.events().append({{"type", "eval"},
                          {"step", loop.state().step},
                          {"fid", result.fid},
                          {"fid_features", result.fid_features},
                          {"sample_images_per_sec", result.sample_images_per_sec}});
    result.diagnostics["loss_by_timestep"] = loss_by_timestep(model, diffusion, loop, batches, data, spec, job.device);
    Progress done{loop.state().step, total, loop.state().last_loss, NAN, NAN, NAN, NAN, loop.resumed()};
    done.fid = result.fid;
    loop.report(done);
  }
  loop.fill_result(result);
  // A successive-halving rung scores the DiT by its training loss, smoothed: one batch's loss
  // depends on the timesteps it drew (FID at every rung would cost minutes of sampling).
  if (result.status == "paused") result.final_loss = loop.state().smoothed_loss;
  return result;
}

}  // namespace fsearch::trainers::detail
