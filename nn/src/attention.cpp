#include "fsearch/nn/attention.h"

#include <ATen/Parallel.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fsearch/functions/math_scalar.h"
#include "fsearch/functions/vector_math.h"  // vectorized exp in the softmax
#include "blas.h"
#include "small_gemm.h"

namespace fsearch::nn {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using functions::c_exp;  // ::expf / ::exp by their C names, which vector_math.h vectorizes

// Row-wise softmax of scale * logits, in place: rows [begin, end) of `columns` values each, `stride`
// apart.
template <class Real>
[[gnu::always_inline]] inline void softmax_rows(Real* logits, int64_t columns, int64_t stride, Real scale,
                                                int64_t begin, int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    Real* p = logits + row * stride;
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
                                                         int64_t stride, Real scale, int64_t begin,
                                                         int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    const Real* p = probs + row * stride;
    Real* g = dp + row * stride;
    Real dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < columns; ++j) dot += p[j] * g[j];
#pragma omp simd
    for (int64_t j = 0; j < columns; ++j) g[j] = p[j] * (g[j] - dot) * scale;
  }
}

// Both loops built twice (any x86-64; AVX2 + FMA with libmvec's 8-float exp), see vector_math.h.
template <class Real>
void softmax_baseline(Real* logits, int64_t columns, int64_t stride, Real scale, int64_t begin, int64_t end) {
  softmax_rows(logits, columns, stride, scale, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void softmax_avx2(Real* logits, int64_t columns, int64_t stride, Real scale, int64_t begin,
                                      int64_t end) {
  softmax_rows(logits, columns, stride, scale, begin, end);
}
template <class Real>
void softmax_backward_baseline(const Real* probs, Real* dp, int64_t columns, int64_t stride, Real scale,
                               int64_t begin, int64_t end) {
  softmax_backward_rows(probs, dp, columns, stride, scale, begin, end);
}
template <class Real>
FSEARCH_TARGET_AVX2 void softmax_backward_avx2(const Real* probs, Real* dp, int64_t columns, int64_t stride,
                                               Real scale, int64_t begin, int64_t end) {
  softmax_backward_rows(probs, dp, columns, stride, scale, begin, end);
}

#if defined(__GNUC__) && defined(__x86_64__)
// The register-tile path's softmax (AVX2 only, as that path is) over rows of `columns` values padded
// to whole registers (`stride` = small_gemm::padded(columns)), reductions kept in a register until
// the row's end (the loops above leave the maximum to a scalar loop and the sum to scalar adds). The
// padding comes out 0. It holds the row's maximum while exp runs: libmvec's vector exp takes a
// scalar path for a whole register when any lane is -inf.
FSEARCH_TARGET_AVX2 void softmax_padded_rows(float* logits, int64_t rows, int64_t columns, int64_t stride,
                                             float scale) {
  const int64_t whole = columns / 8 * 8;
  const __m256 real = _mm256_castsi256_ps(_mm256_cmpgt_epi32(
      _mm256_set1_epi32(static_cast<int>(columns - whole)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  const __m256 minus_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t row = 0; row < rows; ++row) {
    float* p = logits + row * stride;
    __m256 top8 = minus_inf;
    for (int64_t j = 0; j < whole; j += 8) top8 = _mm256_max_ps(top8, _mm256_loadu_ps(p + j));
    if (whole < stride) top8 = _mm256_max_ps(top8, _mm256_blendv_ps(minus_inf, _mm256_loadu_ps(p + whole), real));
    top8 = _mm256_max_ps(top8, _mm256_permute2f128_ps(top8, top8, 1));
    top8 = _mm256_max_ps(top8, _mm256_shuffle_ps(top8, top8, _MM_SHUFFLE(1, 0, 3, 2)));
    top8 = _mm256_max_ps(top8, _mm256_shuffle_ps(top8, top8, _MM_SHUFFLE(2, 3, 0, 1)));
    const float top = _mm256_cvtss_f32(top8);
    for (int64_t j = columns; j < stride; ++j) p[j] = top;
    for (int64_t j = 0; j < stride; j += 8) {
#pragma omp simd
      for (int64_t l = j; l < j + 8; ++l) p[l] = c_exp(scale * (p[l] - top));
    }
    __m256 sum8 = _mm256_setzero_ps();
    for (int64_t j = 0; j < whole; j += 8) sum8 = _mm256_add_ps(sum8, _mm256_loadu_ps(p + j));
    if (whole < stride) sum8 = _mm256_add_ps(sum8, _mm256_and_ps(_mm256_loadu_ps(p + whole), real));
    sum8 = _mm256_add_ps(sum8, _mm256_permute2f128_ps(sum8, sum8, 1));
    sum8 = _mm256_add_ps(sum8, _mm256_shuffle_ps(sum8, sum8, _MM_SHUFFLE(1, 0, 3, 2)));
    sum8 = _mm256_add_ps(sum8, _mm256_shuffle_ps(sum8, sum8, _MM_SHUFFLE(2, 3, 0, 1)));
    const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), sum8);
    for (int64_t j = 0; j < whole; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), inv));
    if (whole < stride) _mm256_storeu_ps(p + whole, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(p + whole), inv), real));
  }
}
#else
void softmax_padded_rows(float* logits, int64_t rows, int64_t columns, int64_t stride, float scale) {
  softmax_rows(logits, columns, stride, scale, 0, rows);
  for (int64_t row = 0; row < rows; ++row) std::fill(logits + row * stride + columns, logits + (row + 1) * stride, 0.0f);
}
#endif

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
    run(data, columns, columns, static_cast<Real>(scale), begin, end);
  });
}

template <class Real>
void softmax_backward_(const Tensor& probs, Tensor& dp, double scale) {
  auto* run = softmax_backward_kernel<Real>();
  const int64_t columns = probs.size(-1), rows = probs.numel() / columns;
  const Real* p = probs.data_ptr<Real>();
  Real* g = dp.data_ptr<Real>();
  at::parallel_for(0, rows, grain(columns), [&](int64_t begin, int64_t end) {
    run(p, g, columns, columns, static_cast<Real>(scale), begin, end);
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
      softmax(p, t, t, static_cast<Real>(scale), 0, t);
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
      softmax_backward(p, ds.data(), t, t, static_cast<Real>(scale), 0, t);
      blas::gemm(false, false, t, hd, t, Real(1), ds.data(), t, k, ld_qkv, Real(0), dq, ld_qkv);  // ds k
      blas::gemm(true, false, t, hd, t, Real(1), ds.data(), t, q, ld_qkv, Real(0), dk, ld_qkv);   // ds^T q
    }
  });
}

// The register-tile path (float, head widths 8 to 32, AVX2): the same passes as the direct path with
// small_gemm's products. Each head's attention weights and their gradient have rows padded to whole
// registers (small_gemm::padded(T) floats apart); k^T and v^T are made once per head in a small
// block of their own.
// Asks for the rows of the next head's slice (`width` floats of each of `rows` rows, `stride` apart)
// while this head computes: the slices are one or two cache lines per row, scattered over the
// batch's projection, and the products otherwise wait on them.
inline void prefetch_rows(const float* first, int64_t rows, int64_t stride, int64_t width) {
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t j = 0; j < width; j += 16) __builtin_prefetch(first + row * stride + j);
}

void forward_tiles(const Tensor& qkv, const Shape& s, double scale, Tensor& probs, Tensor& out) {
  const int64_t t = s.tokens, hd = s.head_dim, tp = small_gemm::padded(t);
  const int64_t ld_qkv = 3 * s.width, ld_out = s.width;
  const float* in = qkv.data_ptr<float>();
  float* p_all = probs.data_ptr<float>();
  float* o_all = out.data_ptr<float>();
  at::parallel_for(0, s.pairs(), pair_grain(s), [&](int64_t begin, int64_t end) {
    std::vector<float> kt(static_cast<size_t>(hd * tp));
    for (int64_t pair = begin; pair < end; ++pair) {
      const float* q = in + s.at(pair, 3 * s.width);
      const float *k = q + s.width, *v = q + 2 * s.width;
      float* p = p_all + pair * t * tp;
      if (pair + 1 < end) {
        const float* next = in + s.at(pair + 1, 3 * s.width);
        for (int part = 0; part < 3; ++part) prefetch_rows(next + part * s.width, t, ld_qkv, hd);
      }
      small_gemm::transpose(t, hd, k, ld_qkv, kt.data());
      small_gemm::wide(t, t, hd, q, ld_qkv, kt.data(), p, tp);  // q k^T
      softmax_padded_rows(p, t, t, tp, static_cast<float>(scale));
      small_gemm::narrow(t, hd, t, p, tp, 1, v, ld_qkv, o_all + s.at(pair, s.width), ld_out);  // p v
    }
  });
}

void backward_tiles(const Tensor& qkv, const Tensor& probs, const Tensor& dout, const Shape& s, double scale,
                    Tensor& dqkv) {
  auto* softmax_backward = softmax_backward_kernel<float>();
  const int64_t t = s.tokens, hd = s.head_dim, tp = small_gemm::padded(t);
  const int64_t ld_qkv = 3 * s.width, ld_out = s.width;
  const float* in = qkv.data_ptr<float>();
  const float* p_all = probs.data_ptr<float>();
  const float* go_all = dout.data_ptr<float>();
  float* d_all = dqkv.data_ptr<float>();
  at::parallel_for(0, s.pairs(), pair_grain(s), [&](int64_t begin, int64_t end) {
    std::vector<float> vt(static_cast<size_t>(hd * tp)), ds(static_cast<size_t>(t * tp));  // ds: dp, then ds
    for (int64_t pair = begin; pair < end; ++pair) {
      const float* q = in + s.at(pair, 3 * s.width);
      const float *k = q + s.width, *v = q + 2 * s.width;
      const float* p = p_all + pair * t * tp;
      const float* go = go_all + s.at(pair, s.width);
      float* dq = d_all + s.at(pair, 3 * s.width);
      float *dk = dq + s.width, *dv = dq + 2 * s.width;
      if (pair + 1 < end) {
        const float* next = in + s.at(pair + 1, 3 * s.width);
        for (int part = 0; part < 3; ++part) prefetch_rows(next + part * s.width, t, ld_qkv, hd);
        prefetch_rows(go_all + s.at(pair + 1, s.width), t, ld_out, hd);
      }
      small_gemm::narrow(t, hd, t, p, 1, tp, go, ld_out, dv, ld_qkv);  // p^T do
      small_gemm::transpose(t, hd, v, ld_qkv, vt.data());
      small_gemm::wide(t, t, hd, go, ld_out, vt.data(), ds.data(), tp);  // do v^T
      softmax_backward(p, ds.data(), tp, tp, static_cast<float>(scale), 0, t);  // p is 0 in the padding
      small_gemm::narrow(t, hd, t, ds.data(), tp, 1, k, ld_qkv, dq, ld_qkv);  // ds k
      small_gemm::narrow(t, hd, t, ds.data(), 1, tp, q, ld_qkv, dk, ld_qkv);  // ds^T q
    }
  });
}

// Which products a call takes: register tiles, sgemm_/dgemm_ calls, or at::bmm on per-head copies.
enum class Products : int64_t { Tiles, Blas, Bmm };

Products products_for(const Tensor& qkv, int64_t heads) {
  const int64_t head_dim = qkv.size(2) / 3 / heads;
  if (qkv.scalar_type() == torch::kFloat && small_gemm::available() && small_gemm::fits(head_dim)) {
    return Products::Tiles;
  }
  return direct_path(qkv) ? Products::Blas : Products::Bmm;
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
    const Products products = products_for(input, heads);
    ctx->saved_data["products"] = static_cast<int64_t>(products);
    if (products == Products::Tiles) {
      const Tensor qkv = input.contiguous();
      const Shape s = shape_of(qkv, heads);
      Tensor probs = torch::empty({s.pairs(), s.tokens, small_gemm::padded(s.tokens)}, qkv.options());
      Tensor out = torch::empty({s.batch, s.tokens, s.width}, qkv.options());
      forward_tiles(qkv, s, scale, probs, out);
      ctx->save_for_backward({qkv, probs});
      return out;
    }
    if (products == Products::Blas) {
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
    const auto products = static_cast<Products>(ctx->saved_data["products"].toInt());
    if (products != Products::Bmm) {
      const Tensor &qkv = saved[0], &probs = saved[1];
      const Shape s = shape_of(qkv, heads);
      const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
      const Tensor dout = grad[0].contiguous();
      Tensor dqkv = torch::empty_like(qkv);
      if (products == Products::Tiles) {
        backward_tiles(qkv, probs, dout, s, scale, dqkv);
      } else if (qkv.scalar_type() == torch::kFloat) {
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

std::string attention_products(int64_t head_dim) {
  if (small_gemm::available() && small_gemm::fits(head_dim)) return "register tiles";
  return blas::available() ? "sgemm_ calls" : "at::bmm";
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
