// The expression language: parse text into a tree, print a tree back into text.
//
//   erf(x)   clip(arcsinh(x), -1, 1)   sign(x) * log(abs(x) + 1)   tanh(1.205 * x)   flat(erf, 0.5)
//
// Operators + - * / ^ (or **), unary minus, parentheses; numbers, pi, e and x; calls of catalog
// primitives, elementary functions (abs sign exp log sqrt sin cos atan tanh erf asinh pow min max
// clip) and transforms (transforms.h), whose first argument is a function: a bare name (erf) or an
// expression in x. Nothing but arithmetic can be expressed.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "fsearch/core/error.h"
#include "fsearch/functions/expr.h"

namespace fsearch::functions {

// A bad expression: what is wrong, the 1-based column, and a hint.
class ExpressionError : public ConfigError {
 public:
  ExpressionError(std::string expression, std::size_t column, const std::string& problem,
                  std::string hint = {});
  const std::string& expression() const { return expression_; }
  std::size_t column() const { return column_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string expression_;
  std::size_t column_;
  std::string problem_;
};

// Throws ExpressionError.
Expr parse(std::string_view text);

// Parses with extra named constants, e.g. {"eps": 1.205} for a family "tanh(eps * x)"; the names
// print as written and evaluate to their values.
Expr parse(std::string_view text, const std::map<std::string, double>& bindings);

// Canonical text: minimal parentheses, shortest round-trip numbers, one space around binary operators.
// parse(to_text(e)) has the same structure as e.
std::string to_text(const Expr& expr);

// Shortest decimal text that reads back as exactly `value`.
std::string format_number(double value);

}  // namespace fsearch::functions
