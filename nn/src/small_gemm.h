// Matrix products in registers for attention over short sequences and narrow heads, float only, on
// CPUs with AVX2 and FMA.
//
// At vit-tiny's shape a head's products are 49 x 16 x 49: about 38,000 multiply-adds, which one core
// does in about a microsecond. A BLAS call spends more than that around them: it packs both operands
// into its own layout and zeroes the output before accumulating into it (perf on Zen 3: OpenBLAS's
// copy routines and sgemm_beta together at a quarter of a vit-tiny step, bench-attention: the kernel
// at about three times the time of its multiply-adds). Here each product is one pass of register
// tiles over the operands where they lie:
// - wide(): C = A B^T with C as wide as the sequence (q k^T, do v^T). B^T is made once per head by
//   transpose() into a small contiguous block whose rows are padded to whole registers, so that the
//   tile loads full registers and stores full rows (C's rows are padded the same way: no masked
//   stores, which are slow on AMD's cores);
// - narrow(): C = op(A) B with C as wide as a head, 8 to 32 floats (p v, p^T do, ds k, ds^T q). A is
//   read with any row and column strides, so a transposed A is the same call with the strides
//   swapped, and B and C keep the projection's layout (row strides 3 D and D).
// The sums run in another order than a BLAS's, so results differ from the sgemm_ path in the last
// bits; tests hold both to the plain composition.
#pragma once

#include <cstdint>

namespace fsearch::nn::small_gemm {

// Whether these kernels run here: x86-64 with AVX2 and FMA (FSEARCH_NO_AVX2 unset) and
// FSEARCH_NO_SMALL_GEMM unset (the tests run attention without them too).
bool available();

// Whether narrow() takes outputs this wide (and transpose() inputs this long): 8, 16, 24 or 32.
bool fits(int64_t head_width);

// n rounded up to whole registers of 8 floats: the row stride of transpose()'s block and of wide()'s
// output.
int64_t padded(int64_t n);

// xt (k x padded(n), contiguous) = the transpose of x (n rows of k floats, row stride ld), zeros in
// the padding columns. k as fits() takes. Only when available().
void transpose(int64_t n, int64_t k, const float* x, int64_t ld, float* xt);

// C (m x padded(n), row stride ldc) = A (m x k, row stride lda) times xt (k x padded(n)) as
// transpose() left it, C overwritten, its padding columns zero. Only when available().
void wide(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* xt, float* c, int64_t ldc);

// C (m x w, row stride ldc) = A B, C overwritten: A(i, p) = a[i * a_row + p * a_col] for p < k, row p
// of B the w floats from b + p * ldb. w as fits() takes. Only when available().
void narrow(int64_t m, int64_t w, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
            int64_t ldb, float* c, int64_t ldc);

}  // namespace fsearch::nn::small_gemm
