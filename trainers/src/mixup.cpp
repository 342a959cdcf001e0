#include "fsearch/trainers/mixup.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "fsearch/trainers/data.h"

namespace fsearch::trainers {
namespace {

// Beta(alpha, alpha) from two gamma draws.
double beta_sample(std::mt19937_64& rng, double alpha) {
  std::gamma_distribution<double> gamma(alpha, 1.0);
  const double a = gamma(rng), b = gamma(rng);
  return a + b > 0 ? a / (a + b) : 0.5;
}

double uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

MixedBatch mix_batch(const torch::Tensor& images, const torch::Tensor& labels, double mixup_alpha,
                     double cutmix_alpha, std::uint64_t seed, std::int64_t step) {
  MixedBatch out;
  out.images = images;
  out.other_labels = labels;
  if (mixup_alpha <= 0 && cutmix_alpha <= 0) return out;
  std::mt19937_64 rng(mix_seed(seed ^ 0x6d69787570ull, static_cast<std::uint64_t>(step)));  // "mixup"
  const std::int64_t n = images.size(0);
  out.order.resize(static_cast<std::size_t>(n));
  std::iota(out.order.begin(), out.order.end(), 0);
  for (std::size_t i = out.order.size(); i > 1; --i) std::swap(out.order[i - 1], out.order[rng() % i]);
  const auto ids = torch::tensor(out.order, torch::kInt64).to(images.device());
  const torch::Tensor others = images.index_select(0, ids);
  out.other_labels = labels.index_select(0, ids.to(labels.device()));

  out.cutmix = cutmix_alpha > 0 && (mixup_alpha <= 0 || uniform(rng) < 0.5);
  if (!out.cutmix) {
    out.lambda = beta_sample(rng, mixup_alpha);
    out.images = images * out.lambda + others * (1 - out.lambda);
    return out;
  }
  // A box of area (1 - lambda) of the image, centred anywhere and clipped at the border; lambda is
  // then what the clipped box leaves (timm's rand_bbox and its lambda correction).
  const double lambda = beta_sample(rng, cutmix_alpha);
  const std::int64_t h = images.size(2), w = images.size(3);
  const double cut = std::sqrt(1 - lambda);
  const auto cut_h = static_cast<std::int64_t>(h * cut), cut_w = static_cast<std::int64_t>(w * cut);
  const auto cy = static_cast<std::int64_t>(uniform(rng) * h), cx = static_cast<std::int64_t>(uniform(rng) * w);
  const std::int64_t y0 = std::clamp<std::int64_t>(cy - cut_h / 2, 0, h), y1 = std::clamp<std::int64_t>(cy + cut_h / 2, 0, h);
  const std::int64_t x0 = std::clamp<std::int64_t>(cx - cut_w / 2, 0, w), x1 = std::clamp<std::int64_t>(cx + cut_w / 2, 0, w);
  out.top = y0, out.left = x0, out.height = y1 - y0, out.width = x1 - x0;
  out.images = images.clone();
  using torch::indexing::Slice;
  out.images.index_put_({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)},
                        others.index({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)}));
  out.lambda = 1.0 - static_cast<double>(out.height * out.width) / static_cast<double>(h * w);
  return out;
}

torch::Tensor mixed_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const MixedBatch& mixed, double label_smoothing) {
  namespace F = torch::nn::functional;
  const auto options = F::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  auto own = F::cross_entropy(logits, labels, options);
  if (mixed.lambda >= 1.0) return own;
  return own * mixed.lambda + F::cross_entropy(logits, mixed.other_labels, options) * (1 - mixed.lambda);
}

}  // namespace fsearch::trainers
