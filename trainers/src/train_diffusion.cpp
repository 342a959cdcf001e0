// The DiT proxy's training: model -> loop (DDPM epsilon-prediction MSE) -> with the EMA weights:
// Appendix E's eval-mode training loss, DDIM samples per class (IDX files and a PNG grid) -> FID
// against the real test split.
#include <chrono>

#include "fsearch/trainers/diffusion.h"
#include "fsearch/trainers/dit.h"
#include "fsearch/trainers/features.h"
#include "fsearch/trainers/images.h"
#include "loop.h"
#include "proxies.h"

namespace fsearch::trainers::detail {
namespace {

constexpr std::int64_t kSampleBatch = 500;
constexpr std::int64_t kEvalTrainBatches = 100;  // Appendix E: the first 100 training batches

// The DiT as the diffusion calls it.
NoiseModel noise_model(DiT& model) {
  return [&model](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
    return model->forward(x, t, y);
  };
}

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

// samples_per_class images of every class, in class order: uint8 pixels and labels.
Dataset generate(DiT& model, const GaussianDiffusion& diffusion, const JobSpec& spec, int classes,
                 const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const auto& d = spec.diffusion;
  auto labels = torch::arange(classes, torch::kInt64).repeat_interleave(d.samples_per_class);
  torch::manual_seed(mix_seed(spec.seed, 0x5a3b1e) >> 1);
  auto noise =
      torch::randn({labels.size(0), spec.model.channels, spec.model.image_size, spec.model.image_size});
  std::vector<torch::Tensor> images;
  for (std::int64_t begin = 0; begin < labels.size(0); begin += kSampleBatch) {
    const auto n = std::min(kSampleBatch, labels.size(0) - begin);
    auto x = diffusion.ddim_sample(noise_model(model), noise.narrow(0, begin, n).to(device),
                                   labels.narrow(0, begin, n).to(device), d.sample_steps, d.cfg_scale,
                                   model->null_label());
    images.push_back(to_pixels(x).to(torch::kCPU));
  }
  Dataset out;
  out.images = torch::cat(images);
  out.labels = labels;
  out.classes = classes;
  return out;
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
  TrainingLoop loop(spec, job.dir, job.callbacks, *model, total);
  auto message = [&](const std::string& text) {
    if (job.callbacks.on_message) job.callbacks.on_message(text);
  };

  auto step_loss = [&](std::int64_t step) {
    auto batch = batches.train_batch(step);  // x: (B, C, H, W) in [-1, 1]
    auto draw = draw_noise(batch.x, diffusion.timesteps());
    auto y = batch.y;
    if (spec.diffusion.class_dropout > 0) {  // the null label, for classifier-free guidance
      auto drop = torch::rand({y.size(0)}) < spec.diffusion.class_dropout;
      y = torch::where(drop, torch::full_like(y, model->null_label()), y);
    }
    auto loss = diffusion.loss(noise_model(model), batch.x.to(job.device), draw.t.to(job.device),
                               draw.noise.to(job.device), y.to(job.device));
    return StepLoss{loss, batch.x.size(0)};
  };

  TrainResult result;
  result.status = loop.run(step_loss);
  if (result.status == "done") {
    Dataset samples;
    double sample_seconds = 0;
    loop.with_eval_weights([&] {
      model->eval();
      if (spec.runtime.eval_train_loss) {
        result.eval_train_loss = eval_train_loss(model, diffusion, batches, data.train, spec.train.batch_size,
                                                 spec.seed, job.device);
      }
      message("sampling " + std::to_string(spec.diffusion.samples_per_class * data.train.classes) +
              " images (" + std::to_string(spec.diffusion.sample_steps) + " DDIM steps)");
      const auto start = std::chrono::steady_clock::now();
      samples = generate(model, diffusion, spec, data.train.classes, job.device);
      sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      model->train();
    });
    write_idx(samples, job.dir.sample_images().string(), job.dir.sample_labels().string());
    write_png(job.dir.sample_grid(), class_grid(samples.images, samples.labels, data.train.classes,
                                                std::min(10, spec.diffusion.samples_per_class)));
    auto extractor = make_extractor(spec.diffusion.features, data, job.device, message);
    message("FID against the test split with " + extractor->id());
    result.fid =
        frechet_distance(stats_of(*extractor, samples.images), reference_stats(*extractor, data, "test"));
    result.fid_features = extractor->id();
    result.fid_samples = samples.size();
    result.sample_images_per_sec = samples.size() / sample_seconds;
    loop.events().append({{"type", "eval"},
                          {"step", loop.state().step},
                          {"fid", result.fid},
                          {"fid_features", result.fid_features},
                          {"sample_images_per_sec", result.sample_images_per_sec}});
    Progress done{loop.state().step, total, loop.state().last_loss, NAN, NAN, NAN, NAN, loop.resumed()};
    done.fid = result.fid;
    loop.report(done);
  }
  loop.fill_result(result);
  return result;
}

}  // namespace fsearch::trainers::detail
