// Eq. 11 by direct minimization: a log-spaced scan of the search interval finds the basin, golden-
// section search refines it. The integral uses the trapezoid rule on a fine grid; both functions
// must agree at the ends of the range, or the integral over the real line diverges.
#include "fsearch/properties/fit.h"

#include <cmath>
#include <vector>

#include "fsearch/core/error.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

namespace fsearch::properties {
namespace {

functions::Expr parse_function(const std::string& text) {
  if (functions::find_primitive(text)) return functions::primitive(text);  // a bare name: erf
  return functions::parse(text);
}

class Objective {
 public:
  Objective(const std::string& target, const std::string& family, const FitOptions& options)
      : family_(family), options_(options) {
    const double step = 0.002;
    for (double x = -options.half_range; x <= options.half_range + 1e-9; x += step) x_.push_back(x);
    target_.resize(x_.size());
    functions::Program(parse_function(target)).evaluate(x_.data(), target_.data(), nullptr, x_.size());
    candidate_.resize(x_.size());
  }

  double operator()(double parameter) {
    ++evaluations;
    auto expr = functions::parse(family_, {{options_.parameter, parameter}});
    functions::Program(expr).evaluate(x_.data(), candidate_.data(), nullptr, x_.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < x_.size(); ++i) {
      double weight = (i == 0 || i + 1 == x_.size()) ? 0.5 : 1.0;
      sum += weight * std::fabs(candidate_[i] - target_[i]);
    }
    tail = std::max(std::fabs(candidate_.front() - target_.front()),
                    std::fabs(candidate_.back() - target_.back()));
    return sum * (x_[1] - x_[0]);
  }

  int evaluations = 0;
  double tail = 0.0;  // |difference| at the ends of the range, for the last evaluation

 private:
  std::string family_;
  FitOptions options_;
  std::vector<double> x_, target_, candidate_;
};

}  // namespace

FitResult fit_parameter(const std::string& target, const std::string& family, const FitOptions& options) {
  if (!(options.low > 0 && options.high > options.low)) {
    throw ConfigError("fit: the search interval must satisfy 0 < low < high");
  }
  // The family must use the parameter: without a value for it, it must fail to parse.
  functions::parse(family, {{options.parameter, 1.0}});
  bool uses_parameter = false;
  try {
    functions::parse(family);
  } catch (const ConfigError&) {
    uses_parameter = true;
  }
  if (!uses_parameter) {
    throw ConfigError(
        "fit: the family \"" + family + "\" does not use the parameter '" + options.parameter + "'",
        "write it into the family, e.g. --family \"tanh(" + options.parameter + " * x)\"");
  }
  Objective objective(target, family, options);

  const int scan = 120;
  std::vector<double> grid(scan), values(scan);
  int best = 0;
  for (int i = 0; i < scan; ++i) {
    grid[i] = options.low * std::pow(options.high / options.low, i / double(scan - 1));
    values[i] = objective(grid[i]);
    if (values[i] < values[best]) best = i;
  }
  double a = grid[std::max(0, best - 1)], b = grid[std::min(scan - 1, best + 1)];
  const double phi = (std::sqrt(5.0) - 1) / 2;
  double c = b - phi * (b - a), d = a + phi * (b - a);
  double fc = objective(c), fd = objective(d);
  while (b - a > 1e-9 * (1 + std::fabs(a))) {
    if (fc < fd) {
      b = d, d = c, fd = fc;
      c = b - phi * (b - a), fc = objective(c);
    } else {
      a = c, c = d, fc = fd;
      d = a + phi * (b - a), fd = objective(d);
    }
  }
  FitResult result;
  result.parameter = 0.5 * (a + b);
  result.residual = objective(result.parameter);
  result.evaluations = objective.evaluations;
  if (objective.tail > 1e-6) {
    throw ConfigError(
        "fit: the functions still differ by " + std::to_string(objective.tail) + " at |x| = " +
            std::to_string(options.half_range) + ", so the integral over the real line diverges",
        "Eq. 11 compares functions that agree far from 0 (e.g. both saturate at the same levels)");
  }
  return result;
}

}  // namespace fsearch::properties
