// The elementary operations every function is built from, and their metadata.
//
// Catalog primitives and transforms are defined in terms of these (catalog.cpp, transforms.cpp), so
// each operation's value and derivative is written exactly once (rules.h) and serves evaluation in
// double precision, on float arrays and on torch tensors alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fsearch::functions {

enum class Op : std::uint8_t {
  // unary
  Neg,
  Abs,
  Sign,
  Exp,
  Log,
  Sqrt,
  Sin,
  Cos,
  Atan,
  Tanh,
  Erf,
  Asinh,
  // binary
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Min,
  Max,
  // ternary
  Clip,   // clip(a, lo, hi)
  IfPos,  // c > 0 ? a : b; used by transforms (flat zone), not spelled in expressions
};

struct OpInfo {
  std::string_view name;  // as written in expressions ("+" for Add)
  int arity;
  bool callable;  // written as name(args) in expressions
};

const OpInfo& op_info(Op op);

// The elementary operation a call name refers to ("erf", "clip", "atan", ...), if any.
std::optional<Op> op_by_call_name(std::string_view name);

}  // namespace fsearch::functions
