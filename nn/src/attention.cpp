#include "fsearch/nn/attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fsearch/functions/math_scalar.h"
#include "fsearch/functions/vector_math.h"  // vectorized exp in the softmax
#include "blas.h"

namespace fsearch::nn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using functions::c_exp;  // ::expf / ::exp by their C names, which vector_math.h vectorizes

// Row-wise softmax of scale * logits, in place: rows [begin, end) of `columns` values each.
template <class Real>
[[gnu::always_inline]] inline void softmax_rows(Real* logits, int64_t columns, Real scale, int64_t begin,
                                                int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    Real* p = logits + row * columns;
    Real top = -std::numeric_limits<Real>::infinity();
#pragma omp simd reduction(max : top)
    for (int64_t j = 0; j < columns; ++j) top = std::max(top, p[j]);
    Real sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < columns; ++j) {
      p[j] = c_exp(scale * (p[j] - top));
      sum += p[j];
    }
    const Real inv = Real(1) / sum;
#pragma omp simd
    for (int64_t j = 0; j < columns; ++j) p[j] *= inv;
  }
}

// Softmax backward with the logits' scale, in place: dp becomes p (dp - sum_j p dp) * scale.
template <class Real>
[[gnu::always_inline]] inline void softmax_backward_rows(const Real* probs, Real* dp, int64_t columns,
                                                         Real scale, int64_t begin, int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    const Real* p = probs + row * columns;
    Real* g = dp + row * columns;
    Real dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < columns; ++j) dot += p[j] * g[j];
#pragma omp simd
    for (int64_t j = 0; j < columns; ++j) g[j] = p[j] * (g[j] - dot) * scale;
  }
}

// Both loops built twice (any x86-64; AVX2 + FMA with libmvec's 8-float exp), see vector_math.h.
template <class Real>
void softmax_baseline(Real* logits, int64_t columns, Real scale, int64_t begin, int64_t end) {
  softmax_rows(logits, columns, scale, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void softmax_avx2(Real* logits, int64_t columns, Real scale, int64_t begin, int64_t end) {
  softmax_rows(logits, columns, scale, begin, end);
}
template <class Real>
void softmax_backward_baseline(const Real* probs, Real* dp, int64_t columns, Real scale, int64_t begin,
                               int64_t end) {
  softmax_backward_rows(probs, dp, columns, scale, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void softmax_backward_avx2(const Real* probs, Real* dp, int64_t columns, Real scale,
                                               int64_t begin, int64_t end) {
  softmax_backward_rows(probs, dp, columns, scale, begin, end);
}

int64_t grain(int64_t columns) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, columns));
}

template <class Real>
auto softmax_kernel() {
  return cpu_has_avx2() ? softmax_avx2<Real> : softmax_baseline<Real>;
}
template <class Real>
auto softmax_backward_kernel() {
  return cpu_has_avx2() ? softmax_backward_avx2<Real> : softmax_backward_baseline<Real>;
}

template <class Real>
void softmax_(Tensor& logits, double scale) {
  auto* run = softmax_kernel<Real>();
  const int64_t columns = logits.size(-1), rows = logits.numel() / columns;
  Real* data = logits.data_ptr<Real>();
  at::parallel_for(0, rows, grain(columns), [&](int64_t begin, int64_t end) {
    run(data, columns, static_cast<Real>(scale), begin, end);
  });
}

template <class Real>
void softmax_backward_(const Tensor& probs, Tensor& dp, double scale) {
  auto* run = softmax_backward_kernel<Real>();
  const int64_t columns = probs.size(-1), rows = probs.numel() / columns;
  const Real* p = probs.data_ptr<Real>();
  Real* g = dp.data_ptr<Real>();
  at::parallel_for(0, rows, grain(columns), [&](int64_t begin, int64_t end) {
    run(p, g, columns, static_cast<Real>(scale), begin, end);
  });
}

// The direct path: one BLAS call per product and (batch, head), reading q, k, v and the upstream
// gradient where they lie (row strides 3 D and D) and writing the output and dq, dk, dv there too;
// the softmax and its backward run on each head's T x T block while it is in cache.
struct Shape {
  int64_t batch, tokens, width, heads, head_dim;
  int64_t pairs() const { return batch * heads; }
  // Offset of head h of batch b's first row in a (B, T, stride) tensor.
  int64_t at(int64_t pair, int64_t stride) const {
    return pair / heads * tokens * stride + pair % heads * head_dim;
  }
};

Shape shape_of(const Tensor& qkv, int64_t heads) {
  const int64_t width = qkv.size(2) / 3;
  return {qkv.size(0), qkv.size(1), width, heads, width / heads};
}

bool direct_path(const Tensor& qkv) {
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  return blas::available() && qkv.size(1) * qkv.size(1) <= kIntMax && qkv.size(2) <= kIntMax;
}

int64_t pair_grain(const Shape& s) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.tokens * s.tokens));
}

template <class Real>
void forward_direct(const Tensor& qkv, const Shape& s, double scale, Tensor& probs, Tensor& out) {
  auto* softmax = softmax_kernel<Real>();
  const int t = static_cast<int>(s.tokens), hd = static_cast<int>(s.head_dim);
  const int ld_qkv = static_cast<int>(3 * s.width), ld_out = static_cast<int>(s.width);
  const Real* in = qkv.data_ptr<Real>();
  Real* p_all = probs.data_ptr<Real>();
  Real* o_all = out.data_ptr<Real>();
  at::parallel_for(0, s.pairs(), pair_grain(s), [&](int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; ++pair) {
      const Real* q = in + s.at(pair, 3 * s.width);
      const Real *k = q + s.width, *v = q + 2 * s.width;
      Real* p = p_all + pair * s.tokens * s.tokens;
      blas::gemm(false, true, t, t, hd, Real(1), q, ld_qkv, k, ld_qkv, Real(0), p, t);  // q k^T
      softmax(p, t, static_cast<Real>(scale), 0, t);
      blas::gemm(false, false, t, hd, t, Real(1), p, t, v, ld_qkv, Real(0), o_all + s.at(pair, s.width),
                 ld_out);  // p v
    }
  });
}

template <class Real>
void backward_direct(const Tensor& qkv, const Tensor& probs, const Tensor& dout, const Shape& s, double scale,
                     Tensor& dqkv) {
  auto* softmax_backward = softmax_backward_kernel<Real>();
  const int t = static_cast<int>(s.tokens), hd = static_cast<int>(s.head_dim);
  const int ld_qkv = static_cast<int>(3 * s.width), ld_out = static_cast<int>(s.width);
  const Real* in = qkv.data_ptr<Real>();
  const Real* p_all = probs.data_ptr<Real>();
  const Real* go_all = dout.data_ptr<Real>();
  Real* d_all = dqkv.data_ptr<Real>();
  at::parallel_for(0, s.pairs(), pair_grain(s), [&](int64_t begin, int64_t end) {
    std::vector<Real> ds(static_cast<size_t>(s.tokens * s.tokens));  // this head's dp, then ds
    for (int64_t pair = begin; pair < end; ++pair) {
      const Real* q = in + s.at(pair, 3 * s.width);
      const Real *k = q + s.width, *v = q + 2 * s.width;
      const Real* p = p_all + pair * s.tokens * s.tokens;
      const Real* go = go_all + s.at(pair, s.width);
      Real* dq = d_all + s.at(pair, 3 * s.width);
      Real *dk = dq + s.width, *dv = dq + 2 * s.width;
      blas::gemm(true, false, t, hd, t, Real(1), p, t, go, ld_out, Real(0), dv, ld_qkv);           // p^T do
      blas::gemm(false, true, t, t, hd, Real(1), go, ld_out, v, ld_qkv, Real(0), ds.data(), t);  // do v^T
      softmax_backward(p, ds.data(), t, static_cast<Real>(scale), 0, t);
      blas::gemm(false, false, t, hd, t, Real(1), ds.data(), t, k, ld_qkv, Real(0), dq, ld_qkv);  // ds k
      blas::gemm(true, false, t, hd, t, Real(1), ds.data(), t, q, ld_qkv, Real(0), dk, ld_qkv);   // ds^T q
    }
  });
}

// (B, T, 3 D) laid out as (B, T, 3, H, hd) -> a view (3, B, H, T, hd): q, k and v per head.
Tensor heads_view(const Tensor& qkv, int64_t heads) {
  const int64_t b = qkv.size(0), t = qkv.size(1), d = qkv.size(2) / 3, hd = d / heads;
  return qkv.reshape({b, t, 3, heads, hd}).permute({2, 0, 3, 1, 4});
}

// (B, T, 3 D) -> (3, B H, T, hd) contiguous: q, k, v of every (batch, head), in one copy.
Tensor split_heads(const Tensor& qkv, int64_t heads) {
  const int64_t b = qkv.size(0), t = qkv.size(1), hd = qkv.size(2) / 3 / heads;
  return heads_view(qkv, heads).reshape({3, b * heads, t, hd});
}

// (B H, T, hd) -> (B, T, D), in one copy.
Tensor merge_heads(const Tensor& x, int64_t batch, int64_t heads) {
  const int64_t t = x.size(1), hd = x.size(2);
  return x.reshape({batch, heads, t, hd}).permute({0, 2, 1, 3}).reshape({batch, t, heads * hd});
}

// The kernel: the direct path above when the process has a BLAS to call; otherwise products by
// batched matrix multiplication (at::bmm) on per-head copies made once. Either way the softmax and
// its backward are single in-place passes, and there is no autograd graph inside.
struct FusedAttention : public torch::autograd::Function<FusedAttention> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input, int64_t heads) {
    const int64_t batch = input.size(0), head_dim = input.size(2) / 3 / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    ctx->saved_data["batch"] = batch;
    ctx->saved_data["heads"] = heads;
    const bool direct = direct_path(input);
    ctx->saved_data["direct"] = direct;
    if (direct) {
      const Tensor qkv = input.contiguous();
      const Shape s = shape_of(qkv, heads);
      Tensor probs = torch::empty({s.pairs(), s.tokens, s.tokens}, qkv.options());
      Tensor out = torch::empty({s.batch, s.tokens, s.width}, qkv.options());
      if (qkv.scalar_type() == torch::kFloat) {
        forward_direct<float>(qkv, s, scale, probs, out);
      } else {
        forward_direct<double>(qkv, s, scale, probs, out);
      }
      ctx->save_for_backward({qkv, probs});
      return out;
    }
    const Tensor& qkv = input;
    Tensor parts = split_heads(qkv, heads);  // (3, B H, T, hd)
    Tensor q = parts[0], k = parts[1], v = parts[2];
    Tensor probs = at::bmm(q, k.transpose(1, 2));  // (B H, T, T) logits, then in place their softmax
    if (probs.scalar_type() == torch::kFloat) {
      softmax_<float>(probs, scale);
    } else {
      softmax_<double>(probs, scale);
    }
    ctx->save_for_backward({parts, probs});
    return merge_heads(at::bmm(probs, v), batch, heads);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    auto saved = ctx->get_saved_variables();
    const int64_t batch = ctx->saved_data["batch"].toInt(), heads = ctx->saved_data["heads"].toInt();
    if (ctx->saved_data["direct"].toBool()) {
      const Tensor &qkv = saved[0], &probs = saved[1];
      const Shape s = shape_of(qkv, heads);
      const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
      const Tensor dout = grad[0].contiguous();
      Tensor dqkv = torch::empty_like(qkv);
      if (qkv.scalar_type() == torch::kFloat) {
        backward_direct<float>(qkv, probs, dout, s, scale, dqkv);
      } else {
        backward_direct<double>(qkv, probs, dout, s, scale, dqkv);
      }
      return {dqkv, Tensor()};
    }
    const Tensor &parts = saved[0], &probs = saved[1];
    const int64_t tokens = parts.size(2), head_dim = parts.size(3);
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    Tensor q = parts[0], k = parts[1], v = parts[2];
    Tensor dout = grad[0]
                      .reshape({batch, tokens, heads, head_dim})
                      .permute({0, 2, 1, 3})
                      .reshape({batch * heads, tokens, head_dim});  // (B H, T, hd)
    Tensor dparts = torch::empty_like(parts);                       // (3, B H, T, hd): dq, dk, dv
    Tensor dv = dparts[2];
    at::bmm_out(dv, probs.transpose(1, 2), dout);  // dv = p^T do
    Tensor ds = at::bmm(dout, v.transpose(1, 2));  // dp = do v^T, then in place ds
    if (ds.scalar_type() == torch::kFloat) {
      softmax_backward_<float>(probs, ds, scale);
    } else {
      softmax_backward_<double>(probs, ds, scale);
    }
    Tensor dq = dparts[0], dk = dparts[1];
    at::bmm_out(dq, ds, k);                  // dq = ds k
    at::bmm_out(dk, ds.transpose(1, 2), q);  // dk = ds^T q
    // (3, B H, T, hd) -> (B, T, 3, H, hd) = the qkv layout
    Tensor dqkv = dparts.view({3, batch, heads, tokens, head_dim})
                      .permute({1, 3, 0, 2, 4})
                      .reshape({batch, tokens, 3 * heads * head_dim});
    return {dqkv, Tensor()};
  }
};

bool kernel_supports(const Tensor& qkv) {
  return qkv.device().is_cpu() && qkv.dim() == 3 &&
         (qkv.scalar_type() == torch::kFloat || qkv.scalar_type() == torch::kDouble);
}

void check_shape(const Tensor& qkv, int64_t heads) {
  TORCH_CHECK(qkv.dim() == 3 && qkv.size(2) % (3 * heads) == 0,
              "attention: qkv must be (B, T, 3 D) with D a ", "multiple of heads = ", heads, ", got ",
              qkv.sizes());
}

// q k^T / sqrt(hd) per head: (B, H, T, T); and v: (B, H, T, hd).
std::pair<Tensor, Tensor> logits_and_values(const Tensor& qkv, int64_t heads) {
  const int64_t hd = qkv.size(2) / 3 / heads;
  auto parts = heads_view(qkv, heads);  // (3, B, H, T, hd)
  auto q = parts[0], k = parts[1], v = parts[2];
  return {torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd)), v};
}

}  // namespace

Tensor attention(const Tensor& qkv, int64_t heads) {
  check_shape(qkv, heads);
  if (!kernel_supports(qkv)) return attention_reference(qkv, heads);
  return FusedAttention::apply(qkv, heads);
}

bool attention_calls_blas_directly() {
  return blas::available();
}

Tensor attention_reference(const Tensor& qkv, int64_t heads) {
  check_shape(qkv, heads);
  auto [logits, v] = logits_and_values(qkv, heads);
  auto out = torch::matmul(torch::softmax(logits, -1), v);  // (B, H, T, hd)
  return out.transpose(1, 2).reshape({qkv.size(0), qkv.size(1), qkv.size(2) / 3});
}

double attention_logit_absmax(const Tensor& qkv, int64_t heads) {
  check_shape(qkv, heads);
  torch::NoGradGuard no_grad;
  return logits_and_values(qkv.detach(), heads).first.abs().max().item<double>();
}

}  // namespace fsearch::nn
