// The Fréchet distance between Gaussian fits of two feature sets (FID when the features are
// Inception's): |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
//
// Computed in double precision with two symmetric eigendecompositions instead of a general matrix
// square root: S1^1/2 from S1's eigenvectors, then the eigenvalues of the symmetric PSD matrix
// S1^1/2 S2 S1^1/2. Negative eigenvalues from rounding or rank deficiency (fewer samples than
// feature dimensions) are clipped to zero, so the result is finite and >= 0 for any input.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>

namespace fsearch::trainers {

struct FeatureStats {
  torch::Tensor mean;  // (F) double
  torch::Tensor cov;   // (F, F) double, unbiased (divides by N - 1)
  std::int64_t count = 0;
};

// features: (N, F), N >= 2.
FeatureStats feature_stats(const torch::Tensor& features);
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

void save_stats(const FeatureStats& stats, const std::filesystem::path& file);
FeatureStats load_stats(const std::filesystem::path& file);

}  // namespace fsearch::trainers
