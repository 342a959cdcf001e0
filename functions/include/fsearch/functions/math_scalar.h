// Math backend for rules.h on plain floating-point scalars (float or double).
#pragma once

#include <math.h>

#include <cmath>

namespace fsearch::functions {

// Elementary functions on float and double by their C names, so that vector_math.h can map them to
// libmvec's SIMD variants.
inline float c_erf(float x) {
  return ::erff(x);
}
inline double c_erf(double x) {
  return ::erf(x);
}
inline float c_exp(float x) {
  return ::expf(x);
}
inline double c_exp(double x) {
  return ::exp(x);
}
inline float c_log(float x) {
  return ::logf(x);
}
inline double c_log(double x) {
  return ::log(x);
}
inline float c_tanh(float x) {
  return ::tanhf(x);
}
inline double c_tanh(double x) {
  return ::tanh(x);
}
inline float c_atan(float x) {
  return ::atanf(x);
}
inline double c_atan(double x) {
  return ::atan(x);
}
inline float c_asinh(float x) {
  return ::asinhf(x);
}
inline double c_asinh(double x) {
  return ::asinh(x);
}
inline float c_sin(float x) {
  return ::sinf(x);
}
inline double c_sin(double x) {
  return ::sin(x);
}
inline float c_cos(float x) {
  return ::cosf(x);
}
inline double c_cos(double x) {
  return ::cos(x);
}

template <class Real>
struct ScalarMath {
  using T = Real;
  using S = Real;
  static Real abs(Real x) { return std::fabs(x); }
  static Real sign(Real x) { return x > 0 ? Real(1) : (x < 0 ? Real(-1) : Real(0)); }
  static Real exp(Real x) { return c_exp(x); }
  static Real log(Real x) { return c_log(x); }
  static Real sqrt(Real x) { return std::sqrt(x); }
  static Real sin(Real x) { return c_sin(x); }
  static Real cos(Real x) { return c_cos(x); }
  static Real atan(Real x) { return c_atan(x); }
  static Real tanh(Real x) { return c_tanh(x); }
  static Real erf(Real x) { return c_erf(x); }
  static Real asinh(Real x) { return c_asinh(x); }
  static Real pow(Real x, double p) { return std::pow(x, static_cast<Real>(p)); }
  static Real zero_like(Real) { return Real(0); }
  static bool gt(Real a, Real b) { return a > b; }
  static bool ge(Real a, Real b) { return a >= b; }
  static bool le(Real a, Real b) { return a <= b; }
  static bool eq(Real a, Real b) { return a == b; }
  static bool any(bool a, bool b) { return a || b; }
  static bool all(bool a, bool b) { return a && b; }
  static Real select(bool c, Real a, Real b) { return c ? a : b; }
};

}  // namespace fsearch::functions
