#include "fsearch/properties/properties.h"

namespace fsearch::properties {

Analysis analyze(const functions::Expr& expr, const std::vector<Property>& which,
                 const Thresholds& thresholds) {
  functions::Program program(expr);
  Samples samples(program);
  Analysis analysis;
  for (Property property : which) {
    switch (property) {
      case Property::ZeroCenteredness:
        analysis.results.push_back(test_zero_centeredness(samples, thresholds));
        break;
      case Property::Boundedness: analysis.results.push_back(test_boundedness(samples, thresholds)); break;
      case Property::CenterSensitivity:
        analysis.results.push_back(test_center_sensitivity(samples, program, thresholds));
        break;
      case Property::Monotonicity: analysis.results.push_back(test_monotonicity(samples, thresholds)); break;
    }
  }
  return analysis;
}

}  // namespace fsearch::properties
