#include "small_gemm.h"

#include <cstdlib>
#include <stdexcept>

#include "fsearch/functions/vector_math.h"  // cpu_has_avx2, FSEARCH_TARGET_AVX2

namespace fsearch::nn::small_gemm {

bool fits(int64_t head_width) {
  return head_width > 0 && head_width <= 32 && head_width % 8 == 0;
}

int64_t padded(int64_t n) {
  return (n + 7) / 8 * 8;
}

}  // namespace fsearch::nn::small_gemm

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

namespace fsearch::nn::small_gemm {
namespace {

// Rows [0, 8) of x (row stride ld) from column c0, rows at or past n as zeros, into xt's columns
// [r0, r0 + 8) of rows c0 .. c0 + 7: one 8 x 8 transpose in registers.
FSEARCH_TARGET_AVX2 inline void transpose_block(int64_t rows, const float* x, int64_t ld, float* xt, int64_t ldt) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(x + i * ld) : _mm256_setzero_ps();
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(xt + 0 * ldt, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(xt + 1 * ldt, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(xt + 2 * ldt, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(xt + 3 * ldt, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(xt + 4 * ldt, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(xt + 5 * ldt, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(xt + 6 * ldt, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(xt + 7 * ldt, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// Rows [0, R) of C, registers [0, W) of its columns, over all of k: R x W accumulators. A(i, p) =
// a[i * a_row + p * a_col]; row p of B the W registers from b + p * ldb.
template <int R, int W>
FSEARCH_TARGET_AVX2 inline void tile(int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
                                     int64_t ldb, float* c, int64_t ldc) {
  __m256 acc[R][W];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int w = 0; w < W; ++w) acc[r][w] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    __m256 row[W];
#pragma GCC unroll 16
    for (int w = 0; w < W; ++w) row[w] = _mm256_loadu_ps(b + p * ldb + 8 * w);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * a_row + p * a_col);
#pragma GCC unroll 16
      for (int w = 0; w < W; ++w) acc[r][w] = _mm256_fmadd_ps(x, row[w], acc[r][w]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int w = 0; w < W; ++w) _mm256_storeu_ps(c + r * ldc + 8 * w, acc[r][w]);
}

// Rows per tile for W registers of columns: as many as leave registers for one row of B and a
// broadcast (12 accumulators, 16 registers).
template <int W>
constexpr int rows_per_tile() {
  return W == 1 ? 8 : W == 2 ? 6 : W == 3 ? 4 : 2;
}

// One strip of W registers of C's columns, every row: R rows at a time, then one.
template <int W>
FSEARCH_TARGET_AVX2 void strip(int64_t m, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
                               int64_t ldb, float* c, int64_t ldc) {
  constexpr int R = rows_per_tile<W>();
  int64_t i = 0;
  for (; i + R <= m; i += R) tile<R, W>(k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
  for (; i < m; ++i) tile<1, W>(k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
}

// Strips of 3 registers, the rest in strips of 2 (7 = 3 + 2 + 2: a strip of one register loads B
// once per 4 multiply-adds).
FSEARCH_TARGET_AVX2 void wide_avx2(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* xt,
                                   float* c, int64_t ldc) {
  const int64_t ldt = padded(n), registers = ldt / 8;
  int64_t j = 0;  // in registers
  for (; registers - j >= 3 && registers - j != 4; j += 3) strip<3>(m, k, a, lda, 1, xt + 8 * j, ldt, c + 8 * j, ldc);
  for (; registers - j >= 2; j += 2) strip<2>(m, k, a, lda, 1, xt + 8 * j, ldt, c + 8 * j, ldc);
  if (registers - j == 1) strip<1>(m, k, a, lda, 1, xt + 8 * j, ldt, c + 8 * j, ldc);
}

FSEARCH_TARGET_AVX2 void transpose_avx2(int64_t n, int64_t k, const float* x, int64_t ld, float* xt) {
  const int64_t ldt = padded(n);
  for (int64_t r0 = 0; r0 < n; r0 += 8)
    for (int64_t c0 = 0; c0 < k; c0 += 8) transpose_block(n - r0, x + r0 * ld + c0, ld, xt + c0 * ldt + r0, ldt);
}

}  // namespace

bool available() {
  static const bool yes = cpu_has_avx2() && std::getenv("FSEARCH_NO_SMALL_GEMM") == nullptr;
  return yes;
}

void transpose(int64_t n, int64_t k, const float* x, int64_t ld, float* xt) {
  transpose_avx2(n, k, x, ld, xt);
}

void wide(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* xt, float* c, int64_t ldc) {
  wide_avx2(m, n, k, a, lda, xt, c, ldc);
}

void narrow(int64_t m, int64_t w, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
            int64_t ldb, float* c, int64_t ldc) {
  switch (w / 8) {
    case 1: return strip<1>(m, k, a, a_row, a_col, b, ldb, c, ldc);
    case 2: return strip<2>(m, k, a, a_row, a_col, b, ldb, c, ldc);
    case 3: return strip<3>(m, k, a, a_row, a_col, b, ldb, c, ldc);
    case 4: return strip<4>(m, k, a, a_row, a_col, b, ldb, c, ldc);
    default: throw std::logic_error("small_gemm::narrow: width must be 8, 16, 24 or 32");
  }
}

}  // namespace fsearch::nn::small_gemm

#else  // not x86-64 with GCC or Clang: attention takes its sgemm_ or at::bmm path

namespace fsearch::nn::small_gemm {

bool available() {
  return false;
}

void transpose(int64_t, int64_t, const float*, int64_t, float*) {
  throw std::logic_error("small_gemm::transpose: no AVX2 build on this platform");
}

void wide(int64_t, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t) {
  throw std::logic_error("small_gemm::wide: no AVX2 build on this platform");
}

void narrow(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t) {
  throw std::logic_error("small_gemm::narrow: no AVX2 build on this platform");
}

}  // namespace fsearch::nn::small_gemm

#endif
