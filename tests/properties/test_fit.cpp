#include <gtest/gtest.h>

#include <cmath>

#include "fsearch/core/error.h"
#include "fsearch/properties/fit.h"

namespace fsearch::properties {
namespace {

TEST(Fit, Eq11TanhToErfGivesThePapersEpsilon) {
  auto result = fit_parameter("erf", "tanh(eps * x)");
  EXPECT_NEAR(result.parameter, 1.205, 2e-3);  // the paper reports about 1.205
  EXPECT_GT(result.residual, 0.0);
  EXPECT_LT(result.residual, 0.1);
}

TEST(Fit, RecoversAKnownScale) {
  // erf(2x) against erf(eps x): the optimum is exactly 2, with zero residual.
  auto result = fit_parameter("erf(2 * x)", "erf(k * x)", {"k"});
  EXPECT_NEAR(result.parameter, 2.0, 1e-6);
  EXPECT_NEAR(result.residual, 0.0, 1e-6);
}

TEST(Fit, Errors) {
  EXPECT_THROW(fit_parameter("erf", "tanh(x)"), ConfigError);         // no parameter
  EXPECT_THROW(fit_parameter("erf", "eps * x"), ConfigError);         // diverging integral
  EXPECT_THROW(fit_parameter("erff", "tanh(eps * x)"), ConfigError);  // bad target
  FitOptions bad;
  bad.low = 2, bad.high = 1;
  EXPECT_THROW(fit_parameter("erf", "tanh(eps * x)", bad), ConfigError);
}

}  // namespace
}  // namespace fsearch::properties
