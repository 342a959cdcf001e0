#include "blas.h"

#include <dlfcn.h>

#include <cstdlib>

namespace fsearch::nn::blas {
namespace {

// The Fortran interface (column-major, every argument by pointer), as LibTorch declares it too.
template <class Real>
using Gemm = void (*)(const char* trans_a, const char* trans_b, const int* m, const int* n, const int* k,
                      const Real* alpha, const Real* a, const int* lda, const Real* b, const int* ldb,
                      const Real* beta, Real* c, const int* ldc);

struct Symbols {
  Gemm<float> sgemm = nullptr;
  Gemm<double> dgemm = nullptr;
};

const Symbols& symbols() {
  static const Symbols found = [] {
    Symbols s;
    if (std::getenv("FSEARCH_NO_DIRECT_BLAS") != nullptr) return s;
    s.sgemm = reinterpret_cast<Gemm<float>>(dlsym(RTLD_DEFAULT, "sgemm_"));
    s.dgemm = reinterpret_cast<Gemm<double>>(dlsym(RTLD_DEFAULT, "dgemm_"));
    if (s.sgemm == nullptr || s.dgemm == nullptr) s = Symbols{};
    return s;
  }();
  return found;
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the same call with the operands
// swapped and m and n exchanged.
template <class Real>
void row_major(Gemm<Real> call, bool trans_a, bool trans_b, int m, int n, int k, Real alpha, const Real* a,
               int lda, const Real* b, int ldb, Real beta, Real* c, int ldc) {
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  call(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}

}  // namespace

bool available() {
  return symbols().sgemm != nullptr;
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  row_major(symbols().sgemm, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  row_major(symbols().dgemm, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace fsearch::nn::blas
