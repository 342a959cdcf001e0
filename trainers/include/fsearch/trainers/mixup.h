// Mixup and CutMix, the regularizers of the paper's ViT recipe (Table 17: mixup 0.8, cutmix 1.0),
// as timm applies them: per batch, images are blended with (mixup) or patched from (CutMix) the same
// batch in another order, and the loss mixes the two labels' cross-entropies by the share lambda
// each image keeps. With both on, each batch takes one or the other with equal odds. Like the rest
// of the data pipeline, a batch's mixing is a pure function of (seed, step), so a resumed job mixes
// exactly as an uninterrupted one.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace fsearch::trainers {

struct MixedBatch {
  torch::Tensor images;                // (B, C, H, W), mixed
  torch::Tensor other_labels;          // labels of the images mixed in: labels[order]
  std::vector<std::int64_t> order;     // which image each one was mixed with
  double lambda = 1.0;                 // share of its own image each keeps (1: not mixed)
  bool cutmix = false;                 // a box pasted in (else a blend)
  std::int64_t top = 0, left = 0, height = 0, width = 0;  // the CutMix box
};

// mixup_alpha, cutmix_alpha: the Beta(alpha, alpha) concentrations; 0 = off. Both off returns the
// batch as it is (lambda 1).
MixedBatch mix_batch(const torch::Tensor& images, const torch::Tensor& labels, double mixup_alpha,
                     double cutmix_alpha, std::uint64_t seed, std::int64_t step);

// The loss of a mixed batch: lambda CE(logits, labels) + (1 - lambda) CE(logits, other labels).
torch::Tensor mixed_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const MixedBatch& mixed, double label_smoothing);

}  // namespace fsearch::trainers
