// Monotonicity (Sec. 3.4): increasing or decreasing over the whole line. Measures the total rise and
// fall of f over |x| <= 1e6 on the grid; the smaller of the two, relative to the total variation, is
// the reversal. Flat stretches (clips, saturation) count as neither; rounding noise is far below the
// tolerance; a real hump or oscillation is not.
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
  double rise = 0, fall = 0;
  double min_slope = INFINITY, max_slope = -INFINITY;
  for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) > range || std::fabs(s.x[i + 1]) > range) continue;
    double step = s.y[i + 1] - s.y[i];
    if (step > 0) {
      rise += step;
    } else if (step < 0) {
      fall -= step;
    }
    if (std::isfinite(s.dy[i])) {
      min_slope = std::min(min_slope, s.dy[i]);
      max_slope = std::max(max_slope, s.dy[i]);
    }
  }
  const double total = rise + fall;
  if (total == 0) {
    r.reason = "f is constant";
    r.measures = {{"direction", 0, "constant"}};
    return r;
  }
  const bool increasing = rise >= fall;
  const double reversal = std::min(rise, fall) / total;
  // Where f first turns against its main direction: the reversing step nearest to 0 (noise-sized
  // steps excluded).
  double reversal_at = NAN;
  for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
    if (std::fabs(s.x[i]) > range || std::fabs(s.x[i + 1]) > range) continue;
    double against = increasing ? s.y[i] - s.y[i + 1] : s.y[i + 1] - s.y[i];
    if (against > t.reversal_tolerance * total) {
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
