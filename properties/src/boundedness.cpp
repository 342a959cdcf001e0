// Boundedness (Sec. 3.2): sup and inf of f over |x| <= 1e6, and how fast |f| grows further out:
// bounded, logarithmic, power with exponent below 1, or linear and faster. Table 4's boundary: the
// logarithmic functions (logsign, arcsinh, logquad) still train; power23 and linear do not.
#include <algorithm>

#include "common.h"

namespace fsearch::properties {

TestResult test_boundedness(const Samples& s, const Thresholds& t) {
  using namespace detail;
  TestResult r{Property::Boundedness};
  double nan_at = NAN;
  double sup = -INFINITY, inf = INFINITY;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (std::isnan(s.y[i])) {
      nan_at = s.x[i];
      break;
    }
    if (std::fabs(s.x[i]) <= 1e6) {
      sup = std::max(sup, s.y[i]);
      inf = std::min(inf, s.y[i]);
    }
  }
  if (!std::isnan(nan_at)) {
    r.reason = "f is undefined (NaN) at x = " + num(nan_at);
    r.measures = {{"growth", 0, "undefined"}};
    return r;
  }
  const double near = max_abs(s, 1e6), far = max_abs(s, 1e12);
  double growth = near > 0 ? far / near - 1.0 : (far > 0 ? INFINITY : 0.0);
  double exponent = near > 0 && std::isfinite(far) ? std::log(far / near) / std::log(1e6) : INFINITY;
  std::string growth_class;
  if (growth <= t.bounded_growth_tolerance) {
    growth_class = "bounded";
  } else if (exponent < t.logarithmic_exponent) {
    growth_class = "logarithmic";
  } else if (exponent < t.linear_exponent) {
    growth_class = "power";
  } else {
    growth_class = "linear or faster";
  }
  const bool trainable = growth_class == "bounded" || growth_class == "logarithmic";
  r.measures = {{"sup", sup},
                {"inf", inf},
                {"max_abs_1e6", near},
                {"max_abs_1e12", far},
                {"growth_1e6_to_1e12", growth},
                {"growth_exponent", exponent},
                {"growth", 0, growth_class},
                {"within_table4_limit", trainable ? 1.0 : 0.0,
                 trainable ? "grows at most like logquad" : "grows faster than logquad"}};
  judge(r, growth, t.bounded_growth_tolerance, t);
  if (r.pass) {
    r.reason = "bounded: f in [" + num(sup == -INFINITY ? 0 : inf) + ", " + num(sup) + "] for |x| <= 1e6";
  } else {
    r.reason = growth_class + " growth: max |f| rises " + num(growth * 100) + "% from |x| = 1e6 to 1e12" +
               (growth_class == "bounded" ? "" : " (exponent " + num(exponent) + ")") + "; " +
               (trainable ? "within" : "beyond") + " Table 4's trainable limit (logquad)";
  }
  return r;
}

}  // namespace fsearch::properties
