// A tree compiled into a flat list of elementary operations, evaluated in blocks.
//
// Compilation inlines catalog definitions and transforms, so evaluation knows only rules.h. The block
// evaluator runs each instruction over a block of inputs before the next one: dispatch is paid once
// per block, and the inner loops are plain loops over arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fsearch/functions/expr.h"

namespace fsearch::functions {

struct Instruction {
  enum class Kind : std::uint8_t { Input, Constant, Operation } kind = Kind::Constant;
  Op op = Op::Add;
  double constant = 0.0;       // Constant; Pow's exponent
  int a = -1, b = -1, c = -1;  // operand registers (earlier instructions)
};

// Register storage for one evaluation, reusable across calls by one thread (saves an allocation
// per call in hot loops).
template <class Real>
struct Scratch {
  std::vector<Real> values, derivatives;  // one slice of a block per instruction
  std::vector<Real> ones;                 // the input's derivative
  std::vector<const Real*> value_at, derivative_at;  // where each register is for the current block
};

// What evaluate() can leave out, decided once at compilation.
struct Passes {
  bool one_pass = false;             // see Program::one_pass()
  bool slope_without_value = false;  // f' alone skips the output's value (erf, atan, asinh outputs)
};

class Program {
 public:
  explicit Program(const Expr& expr);

  const std::vector<Instruction>& instructions() const { return code_; }
  int output() const { return output_; }
  // True when the derivative pass computes every value exactly as the value pass does (no sign,
  // if_pos, min, max or clip; see program.cpp). Then evaluate() asked for both outputs
  // runs one pass instead of two.
  bool one_pass() const { return passes_.one_pass; }
  // True when f' alone costs less than f and f' together: the output's slope does not read its
  // value (erf, atan, asinh), or the value takes a pass of its own (not one_pass()).
  bool derivative_alone_is_cheaper() const { return passes_.slope_without_value || !passes_.one_pass; }

  // y[i] = f(x[i]) and dy[i] = f'(x[i]) (the right derivative at kinks, see rules.h); either output
  // may be null to skip its pass. With y null, f' is the same bit for bit, and when the output's
  // slope does not read its value (erf, atan, asinh) the output's value is not computed at all.
  // Any n; const and thread-safe.
  void evaluate(const double* x, double* y, double* dy, std::size_t n) const;
  void evaluate(const float* x, float* y, float* dy, std::size_t n) const;
  void evaluate(const double* x, double* y, double* dy, std::size_t n, Scratch<double>& scratch) const;
  void evaluate(const float* x, float* y, float* dy, std::size_t n, Scratch<float>& scratch) const;

  // Convenience for a single point.
  double value(double x) const;
  double derivative(double x) const;

 private:
  std::vector<Instruction> code_;
  int output_ = -1;
  Passes passes_;
};

}  // namespace fsearch::functions
