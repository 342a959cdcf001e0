#include "fsearch/functions/program.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fsearch/core/error.h"
#include "fsearch/functions/math_scalar.h"
#include "fsearch/functions/rules.h"
#include "fsearch/functions/vector_math.h"  // vectorized math in the block loops
#include "internal.h"

namespace fsearch::functions {
namespace {

using Kind = Instruction::Kind;

class Compiler {
 public:
  explicit Compiler(std::vector<Instruction>& code) : code_(code) {}

  int input() { return push({Kind::Input, Op::Add, 0.0}); }

  // Compiles `e` with the variable bound to register x; returns the result's register.
  int compile(const Expr& e, int x) {
    switch (e->kind) {
      case NodeKind::Constant: return constant(e->value);
      case NodeKind::Variable: return x;
      case NodeKind::Primitive: return compile(detail::definition_of(e->name), compile(e->children[0], x));
      case NodeKind::Transform: return compile_transform(*e, x);
      case NodeKind::Operation: break;
    }
    if (e->op == Op::Pow) {
      if (!is_constant(e->children[1])) throw ConfigError("pow: the exponent must be a number");
      return power(compile(e->children[0], x), detail::evaluate_constant(e->children[1]));
    }
    int r[3] = {-1, -1, -1};
    for (std::size_t i = 0; i < e->children.size(); ++i) r[i] = compile(e->children[i], x);
    return op(e->op, r[0], r[1], r[2]);
  }

 private:
  int compile_transform(const Node& t, int x) {
    const Expr& f = t.children[0];
    double l = t.params.empty() ? 0.0 : t.params[0];
    switch (t.transform) {
      case TransformKind::HShift: return compile(f, op(Op::Add, x, constant(l)));
      case TransformKind::VShift: return op(Op::Add, compile(f, x), constant(l));
      case TransformKind::Clip: return op(Op::Clip, compile(f, x), constant(-l), constant(l));
      case TransformKind::Mix:
        return op(Op::Add, op(Op::Mul, constant(1.0 - l), compile(f, x)), op(Op::Mul, constant(l), x));
      case TransformKind::Flat: {
        // |x| - l > 0 ? f(x - l sign(x)) : 0
        int sign = op(Op::Sign, x);
        int inner = compile(f, op(Op::Sub, x, op(Op::Mul, constant(l), sign)));
        return op(Op::IfPos, op(Op::Sub, op(Op::Abs, x), constant(l)), inner, constant(0.0));
      }
      case TransformKind::Mirror: return op(Op::Mul, op(Op::Sign, x), compile(f, op(Op::Abs, x)));
      case TransformKind::Negate: return op(Op::Neg, compile(f, x));
      case TransformKind::Scale: return compile(f, op(Op::Mul, constant(l), x));
      case TransformKind::Rescale: return op(Op::Mul, constant(l), compile(f, x));
      case TransformKind::Ratio: {
        int v = compile(f, x);
        return op(Op::Div, v, op(Op::Add, op(Op::Abs, v), constant(1.0)));
      }
      case TransformKind::InClip: return compile(f, op(Op::Clip, x, constant(-l), constant(l)));
      case TransformKind::Compose: return compile(f, compile(t.children[1], x));
      case TransformKind::Concat:  // x - c > 0 ? g(x) : f(x)
        return op(Op::IfPos, op(Op::Sub, x, constant(l)), compile(t.children[1], x), compile(f, x));
      case TransformKind::Rotate: {
        // The point (t, f(t)) lands at x = t cos - f(t) sin, y = t sin + f(t) cos. Solve for t by
        // t <- (x + sin f(t)) / cos from t = x / cos: a contraction by q = |tan| max |f'| per step, so
        // log(1e-14) / log(q) steps reach double precision; the derivative, carried through the steps
        // as a dual number, converges with it to 1 / (cos - sin f'(t)) times dt/dx's chain.
        const double c = std::cos(l), s = std::sin(l);
        const double q = std::max(detail::rotation_contraction(f, l), 1e-6);
        const int steps = std::clamp(static_cast<int>(std::ceil(std::log(1e-14) / std::log(q))), 1, 200);
        int tt = op(Op::Mul, x, constant(1.0 / c));
        for (int k = 0; k < steps; ++k)
          tt = op(Op::Mul, op(Op::Add, x, op(Op::Mul, constant(s), compile(f, tt))), constant(1.0 / c));
        return op(Op::Add, op(Op::Mul, constant(s), tt), op(Op::Mul, constant(c), compile(f, tt)));
      }
    }
    throw ConfigError("unknown transform");
  }

  // a ^ p. Squares and cubes (x^2 in isru, relsign, logquad, dampx; x^3 in cubsign) become products:
  // a vector multiply where pow is a call, and x * x is correctly rounded where pow may be off by
  // less than one ulp. The products' derivatives are the power rule's, bit for bit for the square.
  int power(int a, double p) {
    if (p == 2.0) return op(Op::Mul, a, a);
    if (p == 3.0) return op(Op::Mul, op(Op::Mul, a, a), a);
    return op(Op::Pow, a, -1, -1, p);
  }

  int constant(double value) { return push({Kind::Constant, Op::Add, value}); }
  int op(Op o, int a, int b = -1, int c = -1, double k = 0.0) {
    return push({Kind::Operation, o, k, a, b, c});
  }
  int push(Instruction instruction) {
    code_.push_back(instruction);
    return static_cast<int>(code_.size()) - 1;
  }

  std::vector<Instruction>& code_;
};

constexpr std::size_t kBlock = 256;
constexpr std::size_t kLanes = 16;  // widest SIMD group of any ISA (AVX-512 floats); kBlock is a multiple

// Runs the program over one block of n <= kBlock inputs (n a multiple of kLanes), reading each
// register where scratch.value_at / derivative_at say. The output instruction writes to out_v /
// out_d when given (the caller's arrays), else to its own slice.
// slope_only (derivative pass only): the output instruction writes its derivative and no value
// (see has_slope_without_value).
template <class Real, bool kDeriv>
[[gnu::always_inline]] inline void run_block(const std::vector<Instruction>& code, std::size_t n,
                                             Scratch<Real>& scratch, int output, Real* out_v_final,
                                             Real* out_d_final, bool slope_only = false) {
  using R = Rules<ScalarMath<Real>, kDeriv>;
  using D = Dual<Real>;
  for (std::size_t r = 0; r < code.size(); ++r) {
    const Instruction& in = code[r];
    if (in.kind != Kind::Operation) continue;
    const bool last = static_cast<int>(r) == output;
    Real* out_v = last && out_v_final ? out_v_final : scratch.values.data() + r * kBlock;
    Real* out_d = last && out_d_final ? out_d_final : scratch.derivatives.data() + r * kBlock;
    const auto& vat = scratch.value_at;
    const auto& dat = scratch.derivative_at;
    const Real* av = vat[in.a];
    const Real* ad = dat[in.a];
    const Real* bv = in.b >= 0 ? vat[in.b] : nullptr;
    const Real* bd = in.b >= 0 ? dat[in.b] : nullptr;
    const Real* cv = in.c >= 0 ? vat[in.c] : nullptr;
    const Real* cd = in.c >= 0 ? dat[in.c] : nullptr;
    // The value pass leaves derivatives alone: out_d may then be the caller's null.
    auto unary = [&](auto rule) {
      FSEARCH_SIMD_LOOP
      for (std::size_t i = 0; i < n; ++i) {
        D o = rule(D{av[i], ad[i]});
        out_v[i] = o.v;
        if constexpr (kDeriv) out_d[i] = o.d;
      }
    };
    auto binary = [&](auto rule) {
      FSEARCH_SIMD_LOOP
      for (std::size_t i = 0; i < n; ++i) {
        D o = rule(D{av[i], ad[i]}, D{bv[i], bd[i]});
        out_v[i] = o.v;
        if constexpr (kDeriv) out_d[i] = o.d;
      }
    };
    auto ternary = [&](auto rule) {
      FSEARCH_SIMD_LOOP
      for (std::size_t i = 0; i < n; ++i) {
        D o = rule(D{av[i], ad[i]}, D{bv[i], bd[i]}, D{cv[i], cd[i]});
        out_v[i] = o.v;
        if constexpr (kDeriv) out_d[i] = o.d;
      }
    };
    if constexpr (kDeriv) {
      // sin and cos in one loop: GCC merges them into a call to scalar sincos before it vectorizes
      // (10x slower). Two loops, the value's and the slope's, each call one vector routine, the
      // value pass's for the value.
      auto value_then_slope = [&](auto value, auto slope) {
        FSEARCH_SIMD_LOOP
        for (std::size_t i = 0; i < n; ++i) out_v[i] = value(D{av[i], ad[i]}).v;
        FSEARCH_SIMD_LOOP
        for (std::size_t i = 0; i < n; ++i) out_d[i] = slope(D{av[i], ad[i]});
      };
      using Values = Rules<ScalarMath<Real>, false>;
      if (in.op == Op::Sin || in.op == Op::Cos) {  // never slope_only (has_slope_without_value)
        if (in.op == Op::Sin) value_then_slope(Values::sin, R::sin_slope);
        else value_then_slope(Values::cos, R::cos_slope);
        continue;
      }
      if (last && slope_only) {
        auto slope = [&](auto rule) {
          FSEARCH_SIMD_LOOP
          for (std::size_t i = 0; i < n; ++i) out_d[i] = rule(D{av[i], ad[i]});
        };
        switch (in.op) {
          case Op::Erf: slope(R::erf_slope); break;
          case Op::Atan: slope(R::atan_slope); break;
          case Op::Asinh: slope(R::asinh_slope); break;
          default: throw std::logic_error("run_block: no slope without value");
        }
        continue;
      }
    }
    switch (in.op) {
      case Op::Neg: unary(R::neg); break;
      case Op::Abs: unary(R::abs); break;
      case Op::Sign: unary(R::sign); break;
      case Op::Exp: unary(R::exp); break;
      case Op::Log: unary(R::log); break;
      case Op::Sqrt: unary(R::sqrt); break;
      case Op::Sin: unary(R::sin); break;
      case Op::Cos: unary(R::cos); break;
      case Op::Atan: unary(R::atan); break;
      case Op::Tanh: unary(R::tanh); break;
      case Op::Erf: unary(R::erf); break;
      case Op::Asinh: unary(R::asinh); break;
      case Op::Add: binary(R::add); break;
      case Op::Sub: binary(R::sub); break;
      case Op::Mul: binary(R::mul); break;
      case Op::Div: binary(R::div); break;
      case Op::Min: binary(R::min); break;
      case Op::Max: binary(R::max); break;
      case Op::Pow: {
        double p = in.constant;
        unary([p](const D& a) { return R::pow(a, p); });
        break;
      }
      case Op::Clip: ternary(R::clip); break;
      case Op::IfPos: ternary(R::if_pos); break;
    }
  }
}

template <class Real>
[[gnu::always_inline]] inline void run_any(const std::vector<Instruction>& code, int output, Passes passes,
                                           const Real* x, Real* y, Real* dy, std::size_t n,
                                           Scratch<Real>& scratch) {
  const bool one_pass = passes.one_pass;
  // Asked for f' alone, an output whose slope does not read its value skips the value (and the NaN
  // rule below, which such a slope keeps by itself).
  const bool slope_only = !y && passes.slope_without_value;
  // Registers: an operation's is its own slice of the scratch storage; a constant's slice is filled
  // once per call (no operation writes it); the input's points at each block's inputs, derivative 1.
  scratch.values.resize(code.size() * kBlock);
  scratch.derivatives.resize(code.size() * kBlock);
  scratch.ones.assign(kBlock, Real(1));
  scratch.value_at.resize(code.size());
  scratch.derivative_at.resize(code.size());
  Real* v = scratch.values.data();
  Real* d = scratch.derivatives.data();
  for (std::size_t r = 0; r < code.size(); ++r) {
    scratch.value_at[r] = v + r * kBlock;
    scratch.derivative_at[r] = d + r * kBlock;
    if (code[r].kind == Kind::Constant) {
      std::fill(v + r * kBlock, v + (r + 1) * kBlock, static_cast<Real>(code[r].constant));
      std::fill(d + r * kBlock, d + (r + 1) * kBlock, Real(0));
    } else if (code[r].kind == Kind::Input) {
      scratch.derivative_at[r] = scratch.ones.data();
    }
  }
  // The output can go straight to the caller's arrays when it is computed by the last instruction
  // (which no other instruction reads).
  const bool computed = code[output].kind == Kind::Operation && output + 1 == static_cast<int>(code.size());
  // Every block is padded to a multiple of kLanes so that each element goes through the vectorized
  // loop body, never the scalar remainder loop: vector and scalar math differ in the last bit, and an
  // element's value must not depend on where it sits in a block (or on how threads split the work).
  // A whole block reads the caller's inputs and writes the caller's outputs in place.
  Real padded[kBlock];
  for (std::size_t start = 0; start < n; start += kBlock) {
    std::size_t count = std::min(kBlock, n - start);
    std::size_t lanes = (count + kLanes - 1) / kLanes * kLanes;
    const Real* in = x + start;
    if (lanes != count) {
      std::copy_n(in, count, padded);
      std::fill(padded + count, padded + lanes, Real(0));
      in = padded;
    }
    for (std::size_t r = 0; r < code.size(); ++r)
      if (code[r].kind == Kind::Input) scratch.value_at[r] = in;
    const bool direct = computed && lanes == count;
    if (dy) {
      Real* to_v = direct && y && one_pass ? y + start : nullptr;
      Real* to_d = direct ? dy + start : nullptr;
      run_block<Real, true>(code, lanes, scratch, output, to_v, to_d, slope_only);
      if (!to_d) std::copy_n(scratch.derivative_at[output], count, dy + start);
      if (slope_only) continue;
      const Real* fv = to_v ? to_v : scratch.value_at[output];
      // Where f is undefined (log(x) at x < 0) so is f': the rules would give a finite number.
      Real* out = dy + start;
      FSEARCH_SIMD_LOOP
      for (std::size_t i = 0; i < count; ++i) out[i] = std::isnan(fv[i]) ? fv[i] : out[i];
      if (y && one_pass) {
        if (!to_v) std::copy_n(fv, count, y + start);
        continue;
      }
    }
    if (y) {
      Real* to_v = direct ? y + start : nullptr;
      run_block<Real, false>(code, lanes, scratch, output, to_v, nullptr);
      if (!to_v) std::copy_n(scratch.value_at[output], count, y + start);
    }
  }
}

// The same loops built twice: for any x86-64 (SSE2: libmvec's 4-float variants) and for CPUs with
// AVX2 and FMA (8-float variants), chosen once at run time.
template <class Real>
void run_baseline(const std::vector<Instruction>& code, int output, Passes passes, const Real* x, Real* y,
                  Real* dy, std::size_t n, Scratch<Real>& scratch) {
  run_any(code, output, passes, x, y, dy, n, scratch);
}

template <class Real>
FSEARCH_TARGET_AVX2 void run_avx2(const std::vector<Instruction>& code, int output, Passes passes,
                                  const Real* x, Real* y, Real* dy, std::size_t n, Scratch<Real>& scratch) {
  run_any(code, output, passes, x, y, dy, n, scratch);
}

template <class Real>
void run(const std::vector<Instruction>& code, int output, Passes passes, const Real* x, Real* y, Real* dy,
         std::size_t n, Scratch<Real>& scratch) {
  if (cpu_has_avx2()) return run_avx2(code, output, passes, x, y, dy, n, scratch);
  run_baseline(code, output, passes, x, y, dy, n, scratch);
}

// Operations whose derivative pass computes the value exactly as the value pass, bit for bit (tested
// over the catalog: ValuesDoNotDependOnWhetherTheDerivativeIsAsked). Not: sign and if_pos, whose
// ties resolve by direction; min, max and clip, which can pick -0 over +0. sin and cos are, since
// the derivative pass computes their values in a loop of their own (run_block).
bool value_same_in_both_passes(Op op) {
  switch (op) {
    case Op::Neg: case Op::Abs: case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Atan: case Op::Tanh:
    case Op::Erf: case Op::Asinh: case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow:
    case Op::Sin: case Op::Cos:
      return true;
    default:
      return false;
  }
}

// Outputs whose derivative rule does not read their own value (Rules::erf_slope and the like).
bool has_slope_without_value(const Instruction& in) {
  if (in.kind != Kind::Operation) return false;
  return in.op == Op::Erf || in.op == Op::Atan || in.op == Op::Asinh;
}

}  // namespace

Program::Program(const Expr& expr) {
  Compiler compiler(code_);
  int x = compiler.input();
  output_ = compiler.compile(expr, x);
  passes_.one_pass = std::all_of(code_.begin(), code_.end(), [](const Instruction& in) {
    return in.kind != Kind::Operation || value_same_in_both_passes(in.op);
  });
  passes_.slope_without_value = has_slope_without_value(code_[output_]);
}

void Program::evaluate(const double* x, double* y, double* dy, std::size_t n) const {
  Scratch<double> scratch;
  run(code_, output_, passes_, x, y, dy, n, scratch);
}

void Program::evaluate(const float* x, float* y, float* dy, std::size_t n) const {
  Scratch<float> scratch;
  run(code_, output_, passes_, x, y, dy, n, scratch);
}

void Program::evaluate(const double* x, double* y, double* dy, std::size_t n,
                       Scratch<double>& scratch) const {
  run(code_, output_, passes_, x, y, dy, n, scratch);
}

void Program::evaluate(const float* x, float* y, float* dy, std::size_t n, Scratch<float>& scratch) const {
  run(code_, output_, passes_, x, y, dy, n, scratch);
}

double Program::value(double x) const {
  double y;
  evaluate(&x, &y, nullptr, 1);
  return y;
}

double Program::derivative(double x) const {
  double y, dy;
  evaluate(&x, &y, &dy, 1);
  return dy;
}

}  // namespace fsearch::functions
