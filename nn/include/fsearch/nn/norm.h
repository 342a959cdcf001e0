// Normalization layers as LibTorch modules behind one interface: a model asks for a NormLayer from
// a NormSpec and never knows whether it got LayerNorm, RMSNorm or a point-wise function.
//
// The point-wise layer runs a fused CPU kernel for float/double tensors (one pass forward, one pass
// backward, no intermediate tensors) and a composition of torch operations elsewhere (CUDA, half).
// forward_reference() always takes the plain composition; tests check that both agree.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "fsearch/functions/expr.h"
#include "fsearch/functions/norm_spec.h"
#include "fsearch/functions/program.h"

namespace fsearch::nn {

using functions::Expr;
using functions::NormKind;
using functions::NormSpec;
using functions::Program;
using functions::ShiftMode;

class PointwiseNormImpl : public torch::nn::Module {
 public:
  PointwiseNormImpl(const Expr& function, int64_t channels, ShiftMode shift = ShiftMode::Scalar,
                    double alpha_init = 0.5, bool affine = true);

  // x: (..., C) -> (..., C)
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor forward_reference(const torch::Tensor& x);

  torch::Tensor alpha;  // ()   learnable scale, init alpha_init
  torch::Tensor shift;  // ()  or (C) learnable shift s, init 0; undefined for ShiftMode::None
  torch::Tensor gamma;  // (C) init 1; undefined when not affine
  torch::Tensor beta;   // (C) init 0; undefined when not affine
  bool use_kernel = true;

 private:
  std::shared_ptr<const Program> program_;
  int64_t channels_;
};
TORCH_MODULE(PointwiseNorm);

// RMSNorm (Zhang and Sennrich): x / sqrt(mean(x^2) + eps) * gamma, over the last dimension.
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t channels, bool affine = true, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor gamma;

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

// GroupNorm (Wu and He) over tokens: on (batch, tokens, C) the C channels are split into groups and
// each (sample, group) is normalized over all its tokens and channels, as torch's GroupNorm does on
// (batch, C, tokens); on (batch, C) over the group's channels. Then per-channel gamma and beta.
// Groups: the largest divisor of C that is at most 32 (Wu and He's default of 32).
class GroupNormImpl : public torch::nn::Module {
 public:
  GroupNormImpl(int64_t channels, bool affine = true, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t groups() const { return groups_; }
  torch::Tensor gamma, beta;

 private:
  int64_t groups_;
  double eps_;
};
TORCH_MODULE(GroupNorm);

// What a norm layer saw in one probed forward pass (diagnostics: why a cell failed to train).
struct NormSiteStats {
  int64_t count = 0;         // input elements seen
  double x_std = NAN;        // std of the layer's input x
  double x_absmax = NAN;     // largest |x|
  double alpha = NAN;        // point-wise layers: the learned scale
  double shift = NAN;        // point-wise layers: the mean learned shift s (0 without s)
  double frac_dead = NAN;    // point-wise layers: share of alpha x + s where |f'| < 1e-3 max |f'|
                             // (inside a flat zone or saturated: no gradient reaches x there)
  double frac_reversed = NAN;  // point-wise layers: share of alpha x + s where f' < -1e-3 max |f'|
                               // against the way f rises through the origin (past a hump or a
                               // turn of a non-monotone f; 0 for a monotone one; NaN when f is
                               // flat around the origin, so it has no such direction)
};

// The norm a NormSpec names, over the last dimension of size `channels`. With probing on, each
// forward also records NormSiteStats of its input (no autograd; costs one extra pass).
class NormLayerImpl : public torch::nn::Module {
 public:
  NormLayerImpl(const NormSpec& spec, int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);
  const NormSpec& spec() const { return spec_; }

  void set_probe(bool on) { probe_ = on; }
  const NormSiteStats& stats() const { return stats_; }

 private:
  void record(const torch::Tensor& x);

  NormSpec spec_;
  torch::nn::AnyModule impl_;
  std::shared_ptr<const Program> program_;  // point-wise layers: f, for f' in the probe
  double max_derivative_ = NAN;             // point-wise layers: max |f'| over [-50, 50]
  double rise_ = NAN;                       // point-wise layers: +1 or -1, the sign of f(t) - f(-t)
  bool probe_ = false;
  NormSiteStats stats_;
};
TORCH_MODULE(NormLayer);

}  // namespace fsearch::nn
