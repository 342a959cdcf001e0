#include "fsearch/nn/gelu.h"

#include <ATen/Parallel.h>

#include "fsearch/functions/math_scalar.h"
#include "fsearch/functions/vector_math.h"  // vectorized tanh

namespace fsearch::nn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using functions::c_tanh;  // ::tanhf / ::tanh by their C names, which vector_math.h vectorizes

template <class Real>
struct Gelu {
  static constexpr Real kRoot = Real(0.7978845608028654);  // sqrt(2 / pi)
  static constexpr Real kCubic = Real(0.044715);
};

template <class Real>
[[gnu::always_inline]] inline void forward_range(const Real* x, Real* y, int64_t begin, int64_t end) {
  using G = Gelu<Real>;
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const Real v = x[i];
    const Real t = c_tanh(G::kRoot * (v + G::kCubic * v * v * v));
    y[i] = Real(0.5) * v * (Real(1) + t);
  }
}

// d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2).
template <class Real>
[[gnu::always_inline]] inline void backward_range(const Real* x, const Real* g, Real* dx, int64_t begin,
                                                  int64_t end) {
  using G = Gelu<Real>;
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const Real v = x[i];
    const Real t = c_tanh(G::kRoot * (v + G::kCubic * v * v * v));
    const Real slope = Real(0.5) * (Real(1) + t) +
                       Real(0.5) * v * (Real(1) - t * t) * G::kRoot * (Real(1) + Real(3) * G::kCubic * v * v);
    dx[i] = g[i] * slope;
  }
}

// Both loops built twice (any x86-64; AVX2 + FMA with libmvec's 8-float tanh), see vector_math.h.
template <class Real>
void forward_baseline(const Real* x, Real* y, int64_t begin, int64_t end) {
  forward_range(x, y, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void forward_avx2(const Real* x, Real* y, int64_t begin, int64_t end) {
  forward_range(x, y, begin, end);
}
template <class Real>
void backward_baseline(const Real* x, const Real* g, Real* dx, int64_t begin, int64_t end) {
  backward_range(x, g, dx, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void backward_avx2(const Real* x, const Real* g, Real* dx, int64_t begin, int64_t end) {
  backward_range(x, g, dx, begin, end);
}

constexpr int64_t kGrain = 32768;  // elements per task when LibTorch runs several threads

template <class Real>
Tensor forward_kernel(const Tensor& x) {
  Tensor y = torch::empty_like(x);
  auto* run = cpu_has_avx2() ? forward_avx2<Real> : forward_baseline<Real>;
  const Real* xp = x.data_ptr<Real>();
  Real* yp = y.data_ptr<Real>();
  at::parallel_for(0, x.numel(), kGrain, [&](int64_t begin, int64_t end) { run(xp, yp, begin, end); });
  return y;
}

template <class Real>
Tensor backward_kernel(const Tensor& x, const Tensor& g) {
  Tensor dx = torch::empty_like(x);
  auto* run = cpu_has_avx2() ? backward_avx2<Real> : backward_baseline<Real>;
  const Real* xp = x.data_ptr<Real>();
  const Real* gp = g.data_ptr<Real>();
  Real* dp = dx.data_ptr<Real>();
  at::parallel_for(0, x.numel(), kGrain, [&](int64_t begin, int64_t end) { run(xp, gp, dp, begin, end); });
  return dx;
}

struct FusedGeluTanh : public torch::autograd::Function<FusedGeluTanh> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input) {
    const Tensor x = input.contiguous();
    ctx->save_for_backward({x});
    return x.scalar_type() == torch::kFloat ? forward_kernel<float>(x) : forward_kernel<double>(x);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const Tensor x = ctx->get_saved_variables()[0];
    const Tensor g = grad[0].contiguous();
    return {x.scalar_type() == torch::kFloat ? backward_kernel<float>(x, g) : backward_kernel<double>(x, g)};
  }
};

}  // namespace

Tensor gelu_tanh(const Tensor& x) {
  const bool supported =
      x.device().is_cpu() && (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
  if (!supported) return gelu_tanh_reference(x);
  return FusedGeluTanh::apply(x);
}

Tensor gelu_tanh_reference(const Tensor& x) {
  return torch::gelu(x, "tanh");
}

}  // namespace fsearch::nn
