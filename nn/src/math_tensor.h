// Math backend for rules.h on torch tensors (any device, any floating dtype).
#pragma once

#include <torch/torch.h>

namespace fsearch::functions {

struct TensorMath {
  using T = torch::Tensor;
  using S = double;
  static T abs(const T& x) { return x.abs(); }
  static T sign(const T& x) { return x.sign(); }
  static T exp(const T& x) { return x.exp(); }
  static T log(const T& x) { return x.log(); }
  static T sqrt(const T& x) { return x.sqrt(); }
  static T sin(const T& x) { return x.sin(); }
  static T cos(const T& x) { return x.cos(); }
  static T atan(const T& x) { return x.atan(); }
  static T tanh(const T& x) { return x.tanh(); }
  static T erf(const T& x) { return x.erf(); }
  static T asinh(const T& x) { return x.asinh(); }
  static T pow(const T& x, double p) { return x.pow(p); }
  static T zero_like(const T& x) { return torch::zeros_like(x); }
  static T gt(const T& a, double b) { return a > b; }
  static T gt(const T& a, const T& b) { return a > b; }
  static T eq(const T& a, double b) { return a == b; }
  static T eq(const T& a, const T& b) { return a == b; }
  static T any(const T& a, const T& b) { return a.logical_or(b); }
  static T all(const T& a, const T& b) { return a.logical_and(b); }
  static T ge(const T& a, const T& b) { return a >= b; }
  static T le(const T& a, const T& b) { return a <= b; }
  static T select(const T& c, const T& a, const T& b) { return torch::where(c, a, b); }
};

}  // namespace fsearch::functions
