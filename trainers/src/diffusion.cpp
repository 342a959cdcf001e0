#include "fsearch/trainers/diffusion.h"

#include <algorithm>
#include <cmath>

namespace fsearch::trainers {
namespace {

// abar_t gathered for a batch of timesteps, shaped to broadcast over images: (B, 1, 1, 1).
torch::Tensor gather(const std::vector<double>& values, const torch::Tensor& t, const torch::Tensor& like) {
  auto table = torch::tensor(values, torch::kDouble).to(like.device());
  return table.index_select(0, t.to(like.device())).to(like.scalar_type()).view({-1, 1, 1, 1});
}

}  // namespace

NoiseModel guided(NoiseModel model, double scale, std::int64_t null_label) {
  if (scale == 1.0) return model;
  return [model = std::move(model), scale, null_label](const torch::Tensor& x, const torch::Tensor& t,
                                                       const torch::Tensor& y) {
    auto both = model(torch::cat({x, x}), torch::cat({t, t}), torch::cat({y, torch::full_like(y, null_label)}));
    auto parts = both.chunk(2, 0);
    return parts[1] + scale * (parts[0] - parts[1]);
  };
}

GaussianDiffusion::GaussianDiffusion(const DiffusionSpec& spec) {
  alphas_cumprod_.resize(spec.timesteps);
  double product = 1;
  for (int i = 0; i < spec.timesteps; ++i) {
    const double beta = spec.timesteps == 1
                            ? spec.beta_start
                            : spec.beta_start + (spec.beta_end - spec.beta_start) * i / (spec.timesteps - 1);
    product *= 1 - beta;
    alphas_cumprod_[i] = product;
  }
}

torch::Tensor GaussianDiffusion::q_sample(const torch::Tensor& x0, const torch::Tensor& t,
                                          const torch::Tensor& noise) const {
  auto abar = gather(alphas_cumprod_, t, x0);
  return abar.sqrt() * x0 + (1 - abar).sqrt() * noise;
}

torch::Tensor GaussianDiffusion::loss(const NoiseModel& model, const torch::Tensor& x0,
                                      const torch::Tensor& t, const torch::Tensor& noise,
                                      const torch::Tensor& y) const {
  auto predicted = model(q_sample(x0, t, noise), t, y);
  return torch::mse_loss(predicted, noise);
}

std::vector<double> GaussianDiffusion::loss_at(const NoiseModel& model, const torch::Tensor& x0,
                                               const torch::Tensor& y, const torch::Tensor& noise,
                                               const std::vector<std::int64_t>& timesteps) const {
  torch::NoGradGuard no_grad;
  constexpr std::int64_t kChunk = 256;
  const std::int64_t n = x0.size(0);
  std::vector<double> losses;
  for (std::int64_t t : timesteps) {
    double sum = 0;  // squared errors over all images and pixels
    for (std::int64_t begin = 0; begin < n; begin += kChunk) {
      const std::int64_t end = std::min(n, begin + kChunk);
      auto x = x0.slice(0, begin, end), e = noise.slice(0, begin, end);
      auto ts = torch::full({end - begin}, t, torch::TensorOptions(torch::kInt64).device(x.device()));
      sum += (model(q_sample(x, ts, e), ts, y.slice(0, begin, end)) - e).pow(2).sum().item<double>();
    }
    losses.push_back(sum / static_cast<double>(noise.numel()));
  }
  return losses;
}

std::vector<std::int64_t> GaussianDiffusion::sampling_timesteps(int steps) const {
  const int total = timesteps();
  steps = std::max(1, std::min(steps, total));
  std::vector<std::int64_t> out;
  // Evenly spaced from 0, as DDIM's "uniform" skip: t = i * (T / steps).
  for (int i = steps - 1; i >= 0; --i)
    out.push_back(static_cast<std::int64_t>(std::floor(i * double(total) / steps)));
  return out;
}

torch::Tensor GaussianDiffusion::ddim_sample(const NoiseModel& model, const torch::Tensor& noise,
                                             const torch::Tensor& y, int steps, double guidance,
                                             std::int64_t null_label, double eta) const {
  torch::NoGradGuard no_grad;
  const NoiseModel predict = guidance != 1.0 ? guided(model, guidance, null_label) : model;
  auto x = noise;
  const auto ts = sampling_timesteps(steps);
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const double abar = alphas_cumprod_[ts[i]];
    const double abar_prev = i + 1 < ts.size() ? alphas_cumprod_[ts[i + 1]] : 1.0;
    auto t = torch::full({x.size(0)}, ts[i], torch::TensorOptions(torch::kInt64).device(x.device()));
    auto eps = predict(x, t, y);
    auto x0 = ((x - std::sqrt(1 - abar) * eps) / std::sqrt(abar)).clamp(-1, 1);
    eps = (x - std::sqrt(abar) * x0) / std::sqrt(1 - abar);  // consistent with the clipped x0
    // DDIM's sigma: 0 at eta 0; at eta 1 the DDPM posterior std between these two timesteps.
    const double sigma =
        eta * std::sqrt((1 - abar_prev) / (1 - abar)) * std::sqrt(std::max(0.0, 1 - abar / abar_prev));
    x = std::sqrt(abar_prev) * x0 + std::sqrt(std::max(0.0, 1 - abar_prev - sigma * sigma)) * eps;
    if (sigma > 0) x = x + sigma * torch::randn(x.sizes(), torch::kFloat32).to(x.device());
  }
  return x;
}

torch::Tensor to_pixels(const torch::Tensor& images) {
  return ((images.to(torch::kFloat32) + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
}

torch::Tensor from_pixels(const torch::Tensor& pixels) {
  return pixels.to(torch::kFloat32) / 127.5 - 1;
}

}  // namespace fsearch::trainers
