#include "fsearch/nn/attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fsearch/functions/math_scalar.h"
#include "fsearch/functions/vector_math.h"  // vectorized exp in the softmax

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
void softmax_(Tensor& logits, double scale) {
  auto* run = cpu_has_avx2() ? softmax_avx2<Real> : softmax_baseline<Real>;
  const int64_t columns = logits.size(-1), rows = logits.numel() / columns;
  Real* data = logits.data_ptr<Real>();
  at::parallel_for(0, rows, grain(columns), [&](int64_t begin, int64_t end) {
    run(data, columns, static_cast<Real>(scale), begin, end);
  });
}

template <class Real>
void softmax_backward_(const Tensor& probs, Tensor& dp, double scale) {
  auto* run = cpu_has_avx2() ? softmax_backward_avx2<Real> : softmax_backward_baseline<Real>;
  const int64_t columns = probs.size(-1), rows = probs.numel() / columns;
  const Real* p = probs.data_ptr<Real>();
  Real* g = dp.data_ptr<Real>();
  at::parallel_for(0, rows, grain(columns), [&](int64_t begin, int64_t end) {
    run(p, g, columns, static_cast<Real>(scale), begin, end);
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

// The kernel: products by batched matrix multiplication (BLAS) on per-head copies made once, the
// softmax and its backward as single in-place passes, and no autograd graph inside.
struct FusedAttention : public torch::autograd::Function<FusedAttention> {
  static Tensor forward(AutogradContext* ctx, const Tensor& qkv, int64_t heads) {
    const int64_t batch = qkv.size(0), head_dim = qkv.size(2) / 3 / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    Tensor parts = split_heads(qkv, heads);  // (3, B H, T, hd)
    Tensor q = parts[0], k = parts[1], v = parts[2];
    Tensor probs = at::bmm(q, k.transpose(1, 2));  // (B H, T, T) logits, then in place their softmax
    if (probs.scalar_type() == torch::kFloat) {
      softmax_<float>(probs, scale);
    } else {
      softmax_<double>(probs, scale);
    }
    ctx->save_for_backward({parts, probs});
    ctx->saved_data["batch"] = batch;
    ctx->saved_data["heads"] = heads;
    return merge_heads(at::bmm(probs, v), batch, heads);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    auto saved = ctx->get_saved_variables();
    const Tensor &parts = saved[0], &probs = saved[1];
    const int64_t batch = ctx->saved_data["batch"].toInt(), heads = ctx->saved_data["heads"].toInt();
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
