// Center sensitivity (Sec. 3.3): no flat region around the origin. Measures the extent of the
// interval around 0 where f stays within flat_tolerance * scale of f(0) (located to 1e-12 by
// bisection) and the slope at 0 (central difference, since f' is infinite there for power23).
#include "common.h"

namespace fsearch::properties {
namespace {

// Edge of the flat region between a (flat) and b (not flat).
double bisect(const functions::Program& program, double a, double b, double f0, double tolerance) {
  for (int i = 0; i < 60 && std::fabs(b - a) > 1e-12; ++i) {
    double mid = 0.5 * (a + b);
    if (std::fabs(program.value(mid) - f0) <= tolerance) {
      a = mid;
    } else {
      b = mid;
    }
  }
  return a;
}

}  // namespace

TestResult test_center_sensitivity(const Samples& s, const functions::Program& program, const Thresholds& t) {
  using namespace detail;
  TestResult r{Property::CenterSensitivity};
  const std::size_t zero = zero_index(s);
  const double f0 = s.y[zero];
  const double scale = max_abs(s, 5.0);
  const double tolerance = t.flat_tolerance * scale;
  const double h = 1e-6;
  const double slope = (program.value(h) - program.value(-h)) / (2 * h);
  if (!std::isfinite(f0) || scale == 0.0 || !std::isfinite(scale)) {
    r.reason = scale == 0.0 ? "f is constant near 0" : "f is not finite near 0";
    r.measures = {{"flat_halfwidth", INFINITY}, {"slope_at_0", slope}};
    return r;
  }
  auto flat = [&](std::size_t i) { return std::fabs(s.y[i] - f0) <= tolerance; };
  std::size_t hi = zero, lo = zero;
  while (hi + 1 < s.x.size() && flat(hi + 1)) ++hi;
  while (lo > 0 && flat(lo - 1)) --lo;
  double right = hi + 1 < s.x.size() ? bisect(program, s.x[hi], s.x[hi + 1], f0, tolerance) : INFINITY;
  double left = lo > 0 ? bisect(program, s.x[lo], s.x[lo - 1], f0, tolerance) : -INFINITY;
  double halfwidth = (right - left) / 2;
  r.measures = {
      {"flat_halfwidth", halfwidth}, {"flat_from", left}, {"flat_to", right}, {"slope_at_0", slope}};
  judge(r, halfwidth, t.max_flat_halfwidth, t);
  r.reason = "flat region [" + num(left) + ", " + num(right) + "], half-width " + num(halfwidth) +
             (r.pass ? " <= " : " > ") + num(t.max_flat_halfwidth) + "; slope at 0 " + num(slope);
  return r;
}

}  // namespace fsearch::properties
