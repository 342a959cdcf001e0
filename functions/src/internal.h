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

}  // namespace fsearch::functions::detail
