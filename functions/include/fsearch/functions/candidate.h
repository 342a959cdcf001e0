// A candidate function: its tree, plus the structure reports group by (base and transform chain),
// its canonical text, and a fingerprint that identifies the function whatever its spelling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fsearch/functions/expr.h"

namespace fsearch::functions {

struct AppliedTransform {
  TransformKind kind;
  std::vector<double> params;
};

struct Candidate {
  Expr expr;
  std::string base;                          // catalog name, or the base's text for other expressions
  std::vector<AppliedTransform> transforms;  // innermost first
  std::string text;                          // canonical expression text
  std::uint64_t fingerprint = 0;
};

// Splits a tree into base and transform chain: negate(flat(erf, 0.5)) -> erf, [flat 0.5, negate].
Candidate make_candidate(const Expr& expr);

// Values on a fixed probe grid over [-1e6, 1e6] (dense near 0), quantized to about six significant
// digits and hashed: `-(-erf(x))` and `erf(x)` share a fingerprint; erf and tanh do not.
std::uint64_t fingerprint(const Expr& expr);

// The probe points fingerprints use (sorted, symmetric around 0).
const std::vector<double>& probe_grid();

// A norm layer needs f finite everywhere: "" when f is finite on the probe grid, else a reason
// naming the first point where it is not, e.g. "f is not finite at x = 0 (f = inf)".
std::string non_finite_reason(const Expr& expr);

}  // namespace fsearch::functions
