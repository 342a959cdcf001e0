// Value and derivative of every elementary operation, written once for any math backend.
//
// A backend M supplies the value type T (float, double or torch::Tensor), its scalar type S, and the
// elementary math on T (see math_scalar.h and math_tensor.h).
//
// Two passes use these rules:
//  - the value pass (kDeriv = false) computes f(x) exactly as written;
//  - the derivative pass (kDeriv = true) carries dual numbers (v, d) and computes the right
//    derivative f'(x+): at a kink every comparison is resolved by where x + t moves for small t > 0
//    (lexicographically on (v, d)), and sign(0) is the sign of that direction. So f' is exact wherever
//    f is differentiable, including sign(x) * g(|x|) at 0 (expsign, logsign, mirror), and at a real
//    kink it is the slope just to the right. The pass's own values can differ from f(x) where f jumps
//    (sign(x) at 0), which is why values always come from the value pass.
// Where the slope is infinite (sqrt and fractional powers at 0: power23, exproot) the derivative is
// taken as 0, so gradients stay finite.
#pragma once

#include "fsearch/functions/ops.h"

namespace fsearch::functions {

template <class T>
struct Dual {
  T v;
  T d;
};

template <class M, bool kDeriv>
struct Rules {
  using T = typename M::T;
  using S = typename M::S;
  using D = Dual<T>;
  static constexpr double kTwoOverSqrtPi = 1.1283791670955126;

  // Is a > b just to the right of x? (In the value pass: a > b.)
  static auto above(const D& a, const D& b) {
    if constexpr (kDeriv) {
      return M::any(M::gt(a.v, b.v), M::all(M::eq(a.v, b.v), M::gt(a.d, b.d)));
    } else {
      return M::gt(a.v, b.v);
    }
  }
  // sign(a) just to the right of x.
  static T direction(const D& a) {
    if constexpr (kDeriv) {
      return M::select(M::eq(a.v, S(0)), M::sign(a.d), M::sign(a.v));
    } else {
      return M::sign(a.v);
    }
  }

  // Derivatives that do not read the operation's own value, so a pass that wants only the output's
  // derivative can skip the value (Program::evaluate with y null; the point-wise layer's backward).
  // Each is NaN exactly where its value is (a NaN operand).
  static T erf_slope(const D& a) { return S(kTwoOverSqrtPi) * M::exp(-(a.v * a.v)) * a.d; }
  static T atan_slope(const D& a) { return a.d / (S(1) + a.v * a.v); }
  static T asinh_slope(const D& a) { return a.d / M::sqrt(a.v * a.v + S(1)); }

  static D neg(const D& a) { return {-a.v, kDeriv ? -a.d : a.d}; }
  static D abs(const D& a) { return {M::abs(a.v), kDeriv ? direction(a) * a.d : a.d}; }
  static D sign(const D& a) { return {direction(a), kDeriv ? M::zero_like(a.d) : a.d}; }
  static D exp(const D& a) {
    T v = M::exp(a.v);
    return {v, kDeriv ? v * a.d : a.d};
  }
  static D log(const D& a) { return {M::log(a.v), kDeriv ? a.d / a.v : a.d}; }
  static D sqrt(const D& a) {
    T v = M::sqrt(a.v);
    if constexpr (!kDeriv) return {v, a.d};
    // d sqrt(a) = a' / (2 sqrt(a)); infinite at a = 0, where we take 0.
    return {v, M::select(M::gt(a.v, S(0)), a.d / (S(2) * v), M::zero_like(v))};
  }
  static D sin(const D& a) { return {M::sin(a.v), kDeriv ? sin_slope(a) : a.d}; }
  static D cos(const D& a) { return {M::cos(a.v), kDeriv ? cos_slope(a) : a.d}; }
  static T sin_slope(const D& a) { return M::cos(a.v) * a.d; }
  static T cos_slope(const D& a) { return -M::sin(a.v) * a.d; }
  static D atan(const D& a) { return {M::atan(a.v), kDeriv ? atan_slope(a) : a.d}; }
  static D tanh(const D& a) {
    T v = M::tanh(a.v);
    return {v, kDeriv ? (S(1) - v * v) * a.d : a.d};
  }
  static D erf(const D& a) { return {M::erf(a.v), kDeriv ? erf_slope(a) : a.d}; }
  static D asinh(const D& a) { return {M::asinh(a.v), kDeriv ? asinh_slope(a) : a.d}; }
  static D add(const D& a, const D& b) { return {a.v + b.v, kDeriv ? a.d + b.d : a.d}; }
  static D sub(const D& a, const D& b) { return {a.v - b.v, kDeriv ? a.d - b.d : a.d}; }
  static D mul(const D& a, const D& b) { return {a.v * b.v, kDeriv ? a.d * b.v + a.v * b.d : a.d}; }
  static D div(const D& a, const D& b) {
    T v = a.v / b.v;
    return {v, kDeriv ? (a.d - v * b.d) / b.v : a.d};
  }
  // a ^ p with a constant exponent p (the parser only allows constant exponents).
  static D pow(const D& a, double p) {
    T v = M::pow(a.v, p);
    if constexpr (!kDeriv) return {v, a.d};
    T d = S(p) * M::pow(a.v, p - 1.0) * a.d;
    if (p < 1.0) d = M::select(M::eq(a.v, S(0)), M::zero_like(d), d);  // infinite slope at 0
    return {v, d};
  }
  static D min(const D& a, const D& b) {
    auto take_b = above(a, b);
    return {M::select(take_b, b.v, a.v), kDeriv ? M::select(take_b, b.d, a.d) : a.d};
  }
  static D max(const D& a, const D& b) {
    auto take_a = above(a, b);
    return {M::select(take_a, a.v, b.v), kDeriv ? M::select(take_a, a.d, b.d) : a.d};
  }
  static D clip(const D& a, const D& lo, const D& hi) { return min(max(a, lo), hi); }
  // c > 0 ? a : b
  static D if_pos(const D& c, const D& a, const D& b) {
    D zero{M::zero_like(c.v), M::zero_like(c.v)};
    auto positive = above(c, zero);
    return {M::select(positive, a.v, b.v), kDeriv ? M::select(positive, a.d, b.d) : a.d};
  }
};

}  // namespace fsearch::functions
