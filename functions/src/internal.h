// Pieces shared by the functions library's own sources; not part of its interface.
#pragma once

#include <string_view>

#include "fsearch/functions/expr.h"

namespace fsearch::functions::detail {

// Parses a catalog definition: elementary operations shadow catalog names ("erf" is the operation).
Expr parse_definition(std::string_view text);

// The parsed definition of a catalog primitive, cached; the name must be in the catalog.
const Expr& definition_of(const std::string& name);

// Value of a tree without a variable.
double evaluate_constant(const Expr& expr);

// rotate(f, theta): |tan theta| times the largest |f'| over |x| <= 100. Below 1 the rotated graph is
// a function of x and the fixed-point solve that evaluates it contracts by this factor per step.
double rotation_contraction(const Expr& f, double theta);
constexpr double kMaxRotationContraction = 0.8;

}  // namespace fsearch::functions::detail
