// Lets the compiler vectorize the block evaluator's loops over transcendental functions.
//
// glibc's libmvec has SIMD versions of erf, exp, tanh, ... but math.h only announces them under
// -ffast-math, which we cannot use (NaN and inf must survive: they are how divergence is detected).
// Re-declaring the functions with the simd attribute announces the same variants without changing
// any semantics; GCC then calls e.g. _ZGVbN4v_erff for 4 floats at once inside `omp simd` loops.
// Elsewhere (another libc, another compiler) this header does nothing and the loops stay scalar.
//
// Hot loops can also be built twice, for any x86-64 and for CPUs with AVX2 and FMA (libmvec's
// 8-float variants), and pick one at run time: FSEARCH_TARGET_AVX2 marks the second build and
// cpu_has_avx2() chooses (the environment variable FSEARCH_NO_AVX2 forces the first). Off x86-64
// the AVX2 build is never chosen. The math is the same; results may differ in the last bit between
// the two builds, never between two runs on one machine.
// The re-declarations take effect wherever the header comes, also after <cmath>.
#pragma once

#include <cmath>
#include <cstdlib>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && defined(FSEARCH_USE_LIBMVEC)
#define FSEARCH_SIMD_DECL __attribute__((__simd__("notinbranch")))
extern "C" {
FSEARCH_SIMD_DECL float erff(float) noexcept;
FSEARCH_SIMD_DECL float expf(float) noexcept;
FSEARCH_SIMD_DECL float logf(float) noexcept;
FSEARCH_SIMD_DECL float tanhf(float) noexcept;
FSEARCH_SIMD_DECL float atanf(float) noexcept;
FSEARCH_SIMD_DECL float asinhf(float) noexcept;
FSEARCH_SIMD_DECL float sinf(float) noexcept;
FSEARCH_SIMD_DECL float cosf(float) noexcept;
FSEARCH_SIMD_DECL double erf(double) noexcept;
FSEARCH_SIMD_DECL double exp(double) noexcept;
FSEARCH_SIMD_DECL double log(double) noexcept;
FSEARCH_SIMD_DECL double tanh(double) noexcept;
FSEARCH_SIMD_DECL double atan(double) noexcept;
FSEARCH_SIMD_DECL double asinh(double) noexcept;
FSEARCH_SIMD_DECL double sin(double) noexcept;
FSEARCH_SIMD_DECL double cos(double) noexcept;
}
#define FSEARCH_SIMD_LOOP _Pragma("omp simd")
#else
#define FSEARCH_SIMD_LOOP
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#define FSEARCH_TARGET_AVX2 [[gnu::target("avx2,fma")]]
namespace fsearch {
// FSEARCH_NO_AVX2 (set to anything) keeps the baseline build: the tests run both builds on one CPU.
inline bool cpu_has_avx2() {
  static const bool yes =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !std::getenv("FSEARCH_NO_AVX2");
  return yes;
}
}  // namespace fsearch
#else
#define FSEARCH_TARGET_AVX2
namespace fsearch {
inline bool cpu_has_avx2() {
  return false;
}
}  // namespace fsearch
#endif
