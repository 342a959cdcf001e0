// Helpers the four tests share; not part of the library's interface.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "fsearch/properties/properties.h"

namespace fsearch::properties::detail {

// Index of x = 0 in the grid (the grid is symmetric with 0 in the middle).
inline std::size_t zero_index(const Samples& s) {
  return s.x.size() / 2;
}

// max |f(x)| over |x| <= r.
inline double max_abs(const Samples& s, double r) {
  double m = 0.0;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) <= r) m = std::max(m, std::fabs(s.y[i]));
  }
  return m;
}

// First x with |x| <= r where f is not finite, or NaN if f is finite there.
inline double first_non_finite(const Samples& s, double r) {
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) <= r && !std::isfinite(s.y[i])) return s.x[i];
  }
  return NAN;
}

// Short number formatting for reasons: 4 significant digits.
inline std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

// Marks a failing result as borderline when its deciding value is within the factor of the limit.
inline void judge(TestResult& r, double value, double limit, const Thresholds& t) {
  r.pass = value <= limit;
  r.borderline = !r.pass && value <= limit * t.borderline_factor;
}

}  // namespace fsearch::properties::detail
