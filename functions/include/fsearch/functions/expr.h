// Expression trees: the one structure behind every candidate function.
//
// A tree keeps what a researcher wrote or what the search generated: catalog primitives by name
// (erf, logquad, ...), transforms with their parameters (flat(erf, 0.5)), and elementary arithmetic.
// Trees are immutable and shared; build them with the factory functions below or parse() them.
// The single variable is x. Everything here is torch-free.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fsearch/functions/ops.h"
#include "fsearch/functions/transforms.h"

namespace fsearch::functions {

struct Node;
using Expr = std::shared_ptr<const Node>;

enum class NodeKind { Constant, Variable, Operation, Primitive, Transform };

struct Node {
  NodeKind kind = NodeKind::Constant;
  double value = 0.0;          // Constant
  std::string name;            // Constant: "pi"/"e" when named; Primitive: catalog name
  Op op = Op::Add;             // Operation
  TransformKind transform{};   // Transform
  std::vector<double> params;  // Transform parameters, in the order of transform_info().params
  std::vector<Expr> children;  // Operation: operands; Primitive: {argument}; Transform: {f} or {f, g}
};

Expr constant(double value, std::string name = {});
Expr variable();
Expr operation(Op op, std::vector<Expr> operands);
// A catalog primitive applied to an argument (usually variable()); throws ConfigError if unknown.
Expr primitive(const std::string& name, Expr argument);
Expr primitive(const std::string& name);  // applied to x
// A transform applied to a function of x; throws ConfigError on a wrong parameter count or value.
Expr transform(TransformKind kind, Expr function, std::vector<double> params = {});
// A transform of two functions (compose, concat): `functions` holds f and g, in that order.
Expr transform(TransformKind kind, std::vector<Expr> functions, std::vector<double> params = {});

// True if the tree contains no variable.
bool is_constant(const Expr& expr);

// Structural equality (same tree, same numbers); for "is this the same function" use fingerprints.
bool same_structure(const Expr& a, const Expr& b);

}  // namespace fsearch::functions
