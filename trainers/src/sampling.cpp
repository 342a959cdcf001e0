#include "sampling.h"

#include "fsearch/trainers/features.h"
#include "fsearch/trainers/fid_pin.h"
#include "fsearch/trainers/fid.h"
#include "fsearch/trainers/images.h"

namespace fsearch::trainers::detail {
namespace {
constexpr std::int64_t kSampleBatch = 500;
}  // namespace

NoiseModel noise_model(DiT& model) {
  return [&model](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
    return model->forward(x, t, y);
  };
}

Dataset generate_samples(DiT& model, const GaussianDiffusion& diffusion, const DiffusionSpec& d,
                         const ModelSpec& m, std::uint64_t seed, int classes, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  auto labels = torch::arange(classes, torch::kInt64).repeat_interleave(d.samples_per_class);
  torch::manual_seed(mix_seed(seed, 0x5a3b1e) >> 1);
  auto noise = torch::randn({labels.size(0), m.channels, m.image_size, m.image_size});
  std::vector<torch::Tensor> images;
  for (std::int64_t begin = 0; begin < labels.size(0); begin += kSampleBatch) {
    const auto n = std::min(kSampleBatch, labels.size(0) - begin);
    auto x = diffusion.ddim_sample(noise_model(model), noise.narrow(0, begin, n).to(device),
                                   labels.narrow(0, begin, n).to(device), d.sample_steps, d.cfg_scale,
                                   model->null_label(), d.sample_eta);
    images.push_back(to_pixels(x).to(torch::kCPU));
  }
  Dataset out;
  out.images = torch::cat(images);
  out.labels = labels;
  out.classes = classes;
  return out;
}

void save_samples(const Dataset& samples, const RunDir& out) {
  write_idx(samples, out.sample_images().string(), out.sample_labels().string());
  const auto per_class = samples.size() / std::max(1, samples.classes);
  write_png(out.sample_grid(), class_grid(samples.images, samples.labels, samples.classes,
                                          static_cast<int>(std::min<std::int64_t>(10, per_class))));
}

SampleScore score_samples(const Dataset& samples, const std::string& features, const DataSplits& data,
                          const torch::Device& device, const std::function<void(const std::string&)>& message) {
  auto extractor = make_extractor(features, data, device, message);
  check_pinned_extractor(extractor->id());  // a worker of `fsearch run`: the database's extractor only
  if (message) message("FID against the test split with " + extractor->id());
  SampleScore score;
  score.fid = frechet_distance(stats_of(*extractor, samples.images), reference_stats(*extractor, data, "test"));
  score.features = extractor->id();
  return score;
}

}  // namespace fsearch::trainers::detail
