#include "fsearch/functions/candidate.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "fsearch/core/hash.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

namespace fsearch::functions {

const std::vector<double>& probe_grid() {
  static const std::vector<double> kGrid = [] {
    std::vector<double> grid;
    for (int i = -200; i <= 200; ++i) grid.push_back(i * 0.05);  // [-10, 10], step 0.05
    for (int k = 0; k < 30; ++k) {                               // 10 .. 1e6, log-spaced
      double x = 10.0 * std::pow(10.0, 5.0 * (k + 1) / 30.0);
      grid.push_back(x);
      grid.push_back(-x);
    }
    std::sort(grid.begin(), grid.end());
    return grid;
  }();
  return kGrid;
}

std::uint64_t fingerprint(const Expr& expr) {
  const auto& grid = probe_grid();
  std::vector<double> values(grid.size());
  Program(expr).evaluate(grid.data(), values.data(), nullptr, grid.size());
  Hasher hasher;
  for (double v : values) {
    // Absolute quantum 1e-6 below 1e9 (six decimals of a bounded function), relative above.
    std::int64_t code;
    if (std::isnan(v)) {
      code = INT64_MIN;
    } else if (std::isinf(v)) {
      code = v > 0 ? INT64_MAX : INT64_MIN + 1;
    } else if (std::fabs(v) < 1e9) {
      code = std::llround(v * 1e6);
    } else {
      int exponent;
      double mantissa = std::frexp(v, &exponent);
      code = (static_cast<std::int64_t>(exponent) << 40) + std::llround(mantissa * 1e9);
    }
    hasher.add(code);
  }
  return hasher.value();
}

std::string non_finite_reason(const Expr& expr) {
  Program program(expr);
  for (double x : probe_grid()) {
    const double y = program.value(x);
    if (std::isfinite(y)) continue;
    std::ostringstream out;
    out << "f is not finite at x = " << x << " (f = " << y << "); a norm layer needs f finite everywhere";
    return out.str();
  }
  return "";
}

Candidate make_candidate(const Expr& expr) {
  Candidate candidate;
  candidate.expr = expr;
  Expr node = expr;
  // The chain of one-function transforms; compose(f, g) and concat(f, g, c) are bases of their own.
  while (node->kind == NodeKind::Transform && transform_info(node->transform).functions == 1) {
    candidate.transforms.push_back({node->transform, node->params});
    node = node->children[0];
  }
  std::reverse(candidate.transforms.begin(), candidate.transforms.end());
  bool named = node->kind == NodeKind::Primitive && node->children[0]->kind == NodeKind::Variable;
  candidate.base = named ? node->name : to_text(node);
  candidate.text = to_text(expr);
  candidate.fingerprint = fingerprint(expr);
  return candidate;
}

}  // namespace fsearch::functions
