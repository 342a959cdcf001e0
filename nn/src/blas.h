// Matrix products called straight into the BLAS that LibTorch itself loaded, for the thousands of
// tiny products per step of attention over short sequences and narrow heads.
//
// at::bmm splits a batch into a select, an addmm and its checks per product: at vit-tiny's shape
// (512 products of 49 x 16 x 49 per call, 24 calls per step) that costs more than the products
// (bench-train --ops: bmm, select and as_strided near 70 ms of a 196 ms step on Zen 3). Here each
// product is one sgemm_/dgemm_ call on raw pointers with leading dimensions, so q, k and v are read
// in the projection's own layout with no per-head copies.
//
// The Fortran symbols are looked up at run time (dlsym), not linked: Debian's LibTorch brings its
// BLAS (OpenBLAS or the reference one) into the process, a LibTorch with a private MKL may not.
// available() is false then, or when FSEARCH_NO_DIRECT_BLAS is set (the tests run both paths), and
// the callers take their at::bmm path.
#pragma once

namespace fsearch::nn::blas {

bool available();

// Row-major C (m x n) = alpha op(A) op(B) + beta C, op transposing when asked; lda, ldb and ldc are
// the row strides of A, B and C as stored. Only when available().
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);
void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);

}  // namespace fsearch::nn::blas
