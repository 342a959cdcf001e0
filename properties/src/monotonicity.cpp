// Monotonicity (Sec. 3.4): increasing or decreasing over the whole line. Measures the total rise and
// fall of f on the grid, over |x| <= 1e6 and over |x| <= 10; in each, the variation against the main
// direction relative to that range's total variation is a reversal, and the larger of the two is
// judged. The window near 0 is what catches a dip in a function that grows without bound (SiLU dips
// to -0.28 near x = -1.28, negligible beside its rise to 1e6, not beside its variation near 0).
// Flat stretches (clips, saturation) count as neither; rounding noise is far below the tolerance.
#include <algorithm>

#include "common.h"

namespace fsearch::properties {

TestResult test_monotonicity(const Samples& s, const Thresholds& t) {
  using namespace detail;
  TestResult r{Property::Monotonicity};
  const double range = 1e6;
  double bad = first_non_finite(s, range);
  if (!std::isnan(bad)) {
    r.reason = "f is not finite at x = " + num(bad);
    r.measures = {{"direction", 0, "undefined"}};
    return r;
  }
  struct Variation {
    double rise = 0, fall = 0;
    double total() const { return rise + fall; }
  };
  auto variation = [&](double within) {
    Variation v;
    for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
      if (std::fabs(s.x[i]) > within || std::fabs(s.x[i + 1]) > within) continue;
      double step = s.y[i + 1] - s.y[i];
      if (step > 0) v.rise += step;
      if (step < 0) v.fall -= step;
    }
    return v;
  };
  const double window = 10;
  const Variation whole = variation(range), near = variation(window);
  double min_slope = INFINITY, max_slope = -INFINITY;
  for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) > range || !std::isfinite(s.dy[i])) continue;
    min_slope = std::min(min_slope, s.dy[i]);
    max_slope = std::max(max_slope, s.dy[i]);
  }
  if (whole.total() == 0) {
    r.reason = "f is constant";
    r.measures = {{"direction", 0, "constant"}};
    return r;
  }
  const bool increasing = whole.rise >= whole.fall;
  auto against = [&](const Variation& v) { return increasing ? v.fall : v.rise; };
  double reversal = against(whole) / whole.total();
  if (near.total() > 0) reversal = std::max(reversal, against(near) / near.total());
  // Where f first turns against its main direction: the reversing step nearest to 0 (noise-sized
  // steps, on the scale of the range the step lies in, excluded).
  double reversal_at = NAN;
  for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) > range || std::fabs(s.x[i + 1]) > range) continue;
    const bool inside = std::fabs(s.x[i]) <= window && std::fabs(s.x[i + 1]) <= window;
    const double scale = inside && near.total() > 0 ? near.total() : whole.total();
    double step_against = increasing ? s.y[i] - s.y[i + 1] : s.y[i + 1] - s.y[i];
    if (step_against > t.reversal_tolerance * scale) {
      double at = std::fabs(s.x[i]) < std::fabs(s.x[i + 1]) ? s.x[i] : s.x[i + 1];
      if (std::isnan(reversal_at) || std::fabs(at) < std::fabs(reversal_at)) reversal_at = at;
    }
  }
  std::string direction =
      reversal <= t.reversal_tolerance ? (increasing ? "increasing" : "decreasing") : "neither";
  r.measures = {{"direction", increasing ? 1.0 : -1.0, direction},
                {"reversal", reversal},
                {"reversal_at", reversal_at},
                {"min_slope", min_slope},
                {"max_slope", max_slope}};
  judge(r, reversal, t.reversal_tolerance, t);
  r.reason = r.pass ? direction + " (reversal " + num(reversal) + ")"
                    : "not monotonic: " + num(reversal * 100) + "% of the variation goes " +
                          (increasing ? "down" : "up") + ", turning near x = " + num(reversal_at);
  return r;
}

}  // namespace fsearch::properties
