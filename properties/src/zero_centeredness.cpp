// Zero-centeredness (Sec. 3.1): outputs balanced around zero. Measures f(0), the odd-symmetry error
// max |f(x) + f(-x)| / 2 on [-5, 5] (both relative to the scale max |f| there), and the zero
// crossing nearest to the origin.
#include "common.h"

namespace fsearch::properties {

TestResult test_zero_centeredness(const Samples& s, const Thresholds& t) {
  using namespace detail;
  const double range = 5.0;
  TestResult r{Property::ZeroCenteredness};
  double bad = first_non_finite(s, range);
  const std::size_t zero = zero_index(s);
  const double scale = max_abs(s, range);
  if (!std::isnan(bad) || scale == 0.0) {
    r.reason = scale == 0.0 ? "f is zero on [-5, 5]" : "f is not finite at x = " + num(bad);
    r.measures = {{"f0", s.y[zero]}, {"scale", scale}};
    return r;
  }
  double f0 = s.y[zero] / scale;
  double symmetry = 0.0;
  for (std::size_t k = 1; zero + k < s.x.size() && s.x[zero + k] <= range; ++k) {
    symmetry = std::max(symmetry, std::fabs(s.y[zero + k] + s.y[zero - k]) / 2.0 / scale);
  }
  // Nearest sign change to 0, linearly interpolated (0 when f(0) = 0).
  double crossing = NAN;
  if (s.y[zero] == 0.0) crossing = 0.0;
  for (std::size_t k = 1; std::isnan(crossing) && zero + k < s.x.size() && s.x[zero + k] <= range; ++k) {
    for (std::size_t i : {zero + k - 1, zero - k}) {
      double a = s.y[i], b = s.y[i + 1];
      if ((a <= 0 && b > 0) || (a >= 0 && b < 0)) {
        crossing = s.x[i] + (s.x[i + 1] - s.x[i]) * a / (a - b);
        break;
      }
    }
  }
  r.measures = {{"f0", s.y[zero]},
                {"f0_relative", f0},
                {"symmetry_error", symmetry},
                {"zero_crossing", crossing},
                {"scale", scale}};
  double worst = std::max(std::fabs(f0), symmetry);
  judge(r, worst, t.zero_center_tolerance, t);
  r.reason = "|f(0)|/scale " + num(std::fabs(f0)) + ", odd-symmetry error " + num(symmetry) +
             (r.pass ? " <= " : " > ") + num(t.zero_center_tolerance);
  if (std::isnan(crossing)) r.reason += "; no zero crossing in [-5, 5]";
  return r;
}

}  // namespace fsearch::properties
