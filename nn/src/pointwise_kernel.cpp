#include "pointwise_kernel.h"

#include <ATen/Parallel.h>

#include <mutex>

namespace fsearch::nn::detail {

using functions::Program;
using functions::Scratch;
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr std::size_t kBlock = 256;

// Walks rows [begin, end) of a (rows, C) array in blocks of at most kBlock elements within a row,
// calling body(offset, channel0, count).
template <class Body>
void for_each_block(int64_t begin, int64_t end, int64_t channels, Body body) {
  for (int64_t row = begin; row < end; ++row) {
    for (int64_t c0 = 0; c0 < channels; c0 += kBlock) {
      int64_t count = std::min<int64_t>(kBlock, channels - c0);
      body(row * channels + c0, c0, count);
    }
  }
}

int64_t grain_rows(int64_t channels) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, channels));
}

// What both kernels read: rows of `channels` values and the layer's parameters.
template <class Real>
struct Operands {
  Operands(const Tensor& x_, const Tensor& alpha_, const Tensor& shift_, const Tensor& gamma_)
      : channels(x_.size(-1)),
        rows(x_.numel() / channels),
        x(x_.data_ptr<Real>()),
        alpha(alpha_.item<Real>()),
        shift(shift_.data_ptr<Real>()),
        shift_per_channel(shift_.numel() > 1),
        gamma(gamma_.data_ptr<Real>()) {}

  // u = alpha x + s for the `count` values from `offset`, whose first channel is c0.
  void inputs(int64_t offset, int64_t c0, int64_t count, Real* u) const {
    for (int64_t i = 0; i < count; ++i) u[i] = alpha * x[offset + i] + shift[shift_per_channel ? c0 + i : 0];
  }

  int64_t channels, rows;
  const Real* x;
  Real alpha;
  const Real* shift;
  bool shift_per_channel;
  const Real* gamma;
};

template <class Real>
void forward_kernel(const Program& program, const Tensor& x, const Tensor& alpha, const Tensor& shift,
                    const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& fy) {
  const Operands<Real> in(x, alpha, shift, gamma);
  const Real* bp = beta.data_ptr<Real>();
  Real* yp = y.data_ptr<Real>();
  Real* fp = fy.data_ptr<Real>();
  at::parallel_for(0, in.rows, grain_rows(in.channels), [&](int64_t begin, int64_t end) {
    Scratch<Real> scratch;
    Real u[kBlock];
    for_each_block(begin, end, in.channels, [&](int64_t offset, int64_t c0, int64_t count) {
      in.inputs(offset, c0, count, u);
      Real* v = fp + offset;
      program.evaluate(u, v, nullptr, count, scratch);
      for (int64_t i = 0; i < count; ++i) yp[offset + i] = in.gamma[c0 + i] * v[i] + bp[c0 + i];
    });
  });
}

struct Gradients {
  Tensor x, alpha, shift, gamma, beta;
};

template <class Real>
Gradients backward_kernel(const Program& program, const Tensor& x, const Tensor& fx, const Tensor& alpha,
                          const Tensor& shift, const Tensor& gamma, const Tensor& dy) {
  const Operands<Real> in(x, alpha, shift, gamma);
  const int64_t channels = in.channels;
  const Real* dyp = dy.data_ptr<Real>();
  const Real* fp = fx.data_ptr<Real>();
  Tensor dx = torch::empty_like(x);
  Real* dxp = dx.data_ptr<Real>();

  // Reductions accumulate in double per thread chunk, then merge.
  std::vector<double> d_gamma(channels, 0.0), d_beta(channels, 0.0), d_shift(shift.numel(), 0.0);
  double d_alpha = 0.0;
  std::mutex merge;
  at::parallel_for(0, in.rows, grain_rows(channels), [&](int64_t begin, int64_t end) {
    Scratch<Real> scratch;
    Real u[kBlock], dv[kBlock];
    std::vector<double> l_gamma(channels, 0.0), l_beta(channels, 0.0), l_shift(shift.numel(), 0.0);
    double l_alpha = 0.0, l_shift_scalar = 0.0;
    for_each_block(begin, end, channels, [&](int64_t offset, int64_t c0, int64_t count) {
      in.inputs(offset, c0, count, u);
      program.evaluate(u, nullptr, dv, count, scratch);
      const Real* v = fp + offset;
      for (int64_t i = 0; i < count; ++i) {
        const int64_t c = c0 + i;
        const Real g = dyp[offset + i];
        const Real gd = g * in.gamma[c] * dv[i];  // dL/du
        dxp[offset + i] = gd * in.alpha;
        l_alpha += static_cast<double>(gd) * in.x[offset + i];
        if (in.shift_per_channel) {
          l_shift[c] += gd;
        } else {
          l_shift_scalar += gd;
        }
        l_gamma[c] += static_cast<double>(g) * v[i];
        l_beta[c] += g;
      }
    });
    std::lock_guard<std::mutex> lock(merge);
    d_alpha += l_alpha;
    if (!in.shift_per_channel) l_shift[0] += l_shift_scalar;
    for (std::size_t i = 0; i < l_shift.size(); ++i) d_shift[i] += l_shift[i];
    for (int64_t c = 0; c < channels; ++c) {
      d_gamma[c] += l_gamma[c];
      d_beta[c] += l_beta[c];
    }
  });
  auto as_tensor = [&](const std::vector<double>& values, const Tensor& like) {
    return torch::tensor(values, torch::kDouble).to(like.scalar_type()).reshape(like.sizes());
  };
  return {dx, torch::full(alpha.sizes(), d_alpha, alpha.options()), as_tensor(d_shift, shift),
          as_tensor(d_gamma, gamma), as_tensor(d_beta, gamma)};
}

struct FusedPointwise : public torch::autograd::Function<FusedPointwise> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& alpha, const Tensor& shift,
                        const Tensor& gamma, const Tensor& beta, int64_t program_address) {
    const auto* program = reinterpret_cast<const Program*>(program_address);
    Tensor input = x.contiguous();
    Tensor y = torch::empty_like(input);
    Tensor fx = torch::empty_like(input);  // f(alpha x + s), kept for gamma's gradient
    if (input.scalar_type() == torch::kFloat) {
      forward_kernel<float>(*program, input, alpha, shift, gamma, beta, y, fx);
    } else {
      forward_kernel<double>(*program, input, alpha, shift, gamma, beta, y, fx);
    }
    ctx->save_for_backward({input, fx, alpha, shift, gamma});
    ctx->saved_data["program"] = program_address;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    auto saved = ctx->get_saved_variables();
    const auto* program = reinterpret_cast<const Program*>(ctx->saved_data["program"].toInt());
    Tensor dy = grad[0].contiguous();
    Gradients g =
        saved[0].scalar_type() == torch::kFloat
            ? backward_kernel<float>(*program, saved[0], saved[1], saved[2], saved[3], saved[4], dy)
            : backward_kernel<double>(*program, saved[0], saved[1], saved[2], saved[3], saved[4], dy);
    return {g.x, g.alpha, g.shift, g.gamma, g.beta, Tensor()};
  }
};

}  // namespace

Tensor fused_pointwise(const Program& program, const Tensor& x, const Tensor& alpha, const Tensor& shift,
                       const Tensor& gamma, const Tensor& beta) {
  return FusedPointwise::apply(x, alpha, shift, gamma, beta, reinterpret_cast<int64_t>(&program));
}

}  // namespace fsearch::nn::detail
