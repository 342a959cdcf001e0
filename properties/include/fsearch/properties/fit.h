// Eq. 11: the parameter of a function family closest to a target function,
//   eps* = argmin_eps  integral over the real line of |family(eps, x) - target(x)| dx.
// For target erf and family tanh(eps * x) the paper reports eps* ~ 1.205.
#pragma once

#include <string>

namespace fsearch::properties {

struct FitOptions {
  std::string parameter = "eps";   // the name the family uses for its parameter
  double low = 0.01, high = 10.0;  // search interval for the parameter
  double half_range = 40.0;        // integrate over [-half_range, half_range]
};

struct FitResult {
  double parameter = 0.0;
  double residual = 0.0;  // the integral at the optimum
  int evaluations = 0;
};

// Throws ConfigError when an expression is bad, the family does not use the parameter, or the
// integrand does not vanish at the ends of the range (the integral diverges).
FitResult fit_parameter(const std::string& target, const std::string& family, const FitOptions& options = {});

}  // namespace fsearch::properties
