// Math backend for rules.h on plain floating-point scalars (float or double).
#pragma once

#include <cmath>

namespace fsearch::functions {

template <class Real>
struct ScalarMath {
  using T = Real;
  using S = Real;
  static Real abs(Real x) { return std::fabs(x); }
  static Real sign(Real x) { return x > 0 ? Real(1) : (x < 0 ? Real(-1) : Real(0)); }
  static Real exp(Real x) { return std::exp(x); }
  static Real log(Real x) { return std::log(x); }
  static Real sqrt(Real x) { return std::sqrt(x); }
  static Real sin(Real x) { return std::sin(x); }
  static Real cos(Real x) { return std::cos(x); }
  static Real atan(Real x) { return std::atan(x); }
  static Real tanh(Real x) { return std::tanh(x); }
  static Real erf(Real x) { return std::erf(x); }
  static Real asinh(Real x) { return std::asinh(x); }
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
