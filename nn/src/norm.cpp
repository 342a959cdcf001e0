#include "fsearch/nn/norm.h"

#include <algorithm>
#include <cmath>

#include "fsearch/core/phase_clock.h"
#include "fsearch/functions/parse.h"
#include "fsearch/nn/tensor_eval.h"
#include "pointwise_kernel.h"

namespace fsearch::nn {

using namespace functions;  // nn builds on the functions library

PointwiseNormImpl::PointwiseNormImpl(const Expr& function, int64_t channels, ShiftMode shift_mode,
                                     double alpha_init, bool affine)
    : program_(std::make_shared<Program>(function)), channels_(channels) {
  alpha = register_parameter("alpha", torch::full({}, alpha_init));
  if (shift_mode == ShiftMode::Scalar) shift = register_parameter("shift", torch::zeros({}));
  if (shift_mode == ShiftMode::Vector) shift = register_parameter("shift", torch::zeros({channels}));
  if (affine) {
    gamma = register_parameter("gamma", torch::ones({channels}));
    beta = register_parameter("beta", torch::zeros({channels}));
  }
}

torch::Tensor PointwiseNormImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.size(-1) == channels_, "PointwiseNorm: expected last dimension ", channels_, ", got ",
              x.size(-1));
  if (!use_kernel || !kernel_supports(x)) return forward_reference(x);
  // The kernel takes every parameter; absent ones are constants that receive no gradient.
  auto options = x.options();
  torch::Tensor s = shift.defined() ? shift.to(options) : torch::zeros({}, options);
  torch::Tensor g = gamma.defined() ? gamma.to(options) : torch::ones({channels_}, options);
  torch::Tensor b = beta.defined() ? beta.to(options) : torch::zeros({channels_}, options);
  return detail::fused_pointwise(program_, x, alpha.to(options), s, g, b);
}

torch::Tensor PointwiseNormImpl::forward_reference(const torch::Tensor& x) {
  torch::Tensor u = alpha * x;
  if (shift.defined()) u = u + shift;
  torch::Tensor y = nn::apply(*program_, u, EvalPath::TensorOps);
  if (gamma.defined()) y = y * gamma + beta;
  return y;
}

RMSNormImpl::RMSNormImpl(int64_t channels, bool affine, double eps) : eps_(eps) {
  if (affine) gamma = register_parameter("gamma", torch::ones({channels}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return gamma.defined() ? y * gamma : y;
}

GroupNormImpl::GroupNormImpl(int64_t channels, bool affine, double eps) : groups_(1), eps_(eps) {
  for (int64_t g = std::min<int64_t>(32, channels); g >= 1; --g) {
    if (channels % g == 0) {
      groups_ = g;
      break;
    }
  }
  if (affine) {
    gamma = register_parameter("gamma", torch::ones({channels}));
    beta = register_parameter("beta", torch::zeros({channels}));
  }
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x) {
  // torch's group_norm wants channels second: (batch, C, tokens...).
  const bool tokens = x.dim() >= 3;
  torch::Tensor channels_first = tokens ? x.transpose(1, -1) : x;
  torch::Tensor y = torch::group_norm(channels_first, groups_, gamma, beta, eps_);
  return tokens ? y.transpose(1, -1) : y;
}

NormLayerImpl::NormLayerImpl(const NormSpec& spec, int64_t channels) : spec_(spec) {
  switch (spec.kind) {
    case NormKind::LayerNorm:
      impl_ = torch::nn::AnyModule(torch::nn::LayerNorm(
          torch::nn::LayerNormOptions({channels}).elementwise_affine(spec.affine).eps(1e-6)));
      break;
    case NormKind::RMSNorm: impl_ = torch::nn::AnyModule(RMSNorm(channels, spec.affine)); break;
    case NormKind::GroupNorm: impl_ = torch::nn::AnyModule(GroupNorm(channels, spec.affine)); break;
    case NormKind::Pointwise: {
      auto expr = parse(spec.function);
      program_ = std::make_shared<Program>(expr);
      impl_ = torch::nn::AnyModule(PointwiseNorm(expr, channels, spec.shift, spec.alpha_init, spec.affine));
      break;
    }
  }
  register_module("norm", impl_.ptr());
}

torch::Tensor NormLayerImpl::forward(const torch::Tensor& x) {
  if (probe_) {
    PhaseScope scope(Phase::Log);
    record(x);
  }
  PhaseScope scope(Phase::Norm);
  return impl_.forward(x);
}

void NormLayerImpl::record(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  auto xd = x.detach().to(torch::kDouble);
  stats_ = NormSiteStats{};
  stats_.count = xd.numel();
  stats_.x_std = xd.std().item<double>();
  stats_.x_absmax = xd.abs().max().item<double>();
  if (!program_) return;
  auto& layer = *impl_.get<PointwiseNorm>();
  stats_.alpha = layer.alpha.item<double>();
  stats_.shift = layer.shift.defined() ? layer.shift.mean().item<double>() : 0.0;
  torch::Tensor u = xd * stats_.alpha;
  if (layer.shift.defined()) u = u + layer.shift.detach().to(torch::kDouble);
  if (std::isnan(max_derivative_)) {
    // The largest finite |f'| on a grid of midpoints (no point within 0.0025 of 0): a derivative
    // that is infinite at a point (power23's at 0) would otherwise make every input count as
    // having no gradient.
    auto grid = torch::linspace(-50 + 0.0025, 50 - 0.0025, 20000, torch::kDouble);
    auto slope = evaluate(*program_, grid, true).derivative.abs();
    max_derivative_ = slope.masked_fill(slope.isfinite().logical_not(), 0).max().item<double>();
  }
  if (std::isnan(rise_)) {
    // Which way f rises through the origin: the sign of f(t) - f(-t) at the first t where it is
    // not zero (a flat zone around 0 hides it at small t; 0 when f is flat out to 8).
    rise_ = 0;
    for (double t : {0.5, 1.0, 2.0, 4.0, 8.0}) {
      auto ends = evaluate(*program_, torch::tensor({-t, t}, torch::kDouble), false).value;
      const double rise = ends[1].item<double>() - ends[0].item<double>();
      if (std::isfinite(rise) && rise != 0) {
        rise_ = rise > 0 ? 1 : -1;
        break;
      }
    }
  }
  auto slope = evaluate(*program_, u, true).derivative;
  // A NaN derivative (outside a function's domain) counts as no gradient too.
  auto dead = slope.abs().lt(1e-3 * max_derivative_).logical_or(slope.isnan());
  stats_.frac_dead = dead.to(torch::kDouble).mean().item<double>();
  if (rise_ != 0)
    stats_.frac_reversed = (slope * rise_).lt(-1e-3 * max_derivative_).to(torch::kDouble).mean().item<double>();
}

}  // namespace fsearch::nn
