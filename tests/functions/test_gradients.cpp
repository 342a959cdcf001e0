// f' from the derivative pass against finite differences in double precision: central differences
// on [-10, 10] away from kinks, one-sided (right) differences at the special points.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"
#include "fsearch/functions/vector_math.h"

namespace fsearch::functions {
namespace {

// Points where some catalog function or transform below has a kink or an infinite slope: clips reach
// their bound at 1 (linear, power23), e - 1 (logsign), sinh(1) and sinh(2) (arcsinh), sqrt(e - 1)
// (logquad); satursin at pi/2; flat zones at 0.5, 1.5, 2.
bool near_kink(double x) {
  const double kinks[] = {
      0.0, 1.0, M_PI / 2, 0.5, 1.5, 2.0, M_E - 1, std::sinh(1.0), std::sinh(2.0), std::sqrt(M_E - 1)};
  for (double k : kinks) {
    if (std::fabs(std::fabs(x) - k) < 1e-3) return true;
  }
  return false;
}

void expect_gradient_matches(const std::string& text) {
  Program program(parse(text));
  const double h = 1e-6;
  for (double x = -10.0; x <= 10.0; x += 0.0731) {
    if (near_kink(x)) continue;
    double fd = (program.value(x + h) - program.value(x - h)) / (2 * h);
    double d = program.derivative(x);
    ASSERT_TRUE(std::isfinite(d)) << text << " at " << x;
    EXPECT_NEAR(d, fd, 1e-6 * (1 + std::fabs(fd))) << text << " at " << x;
  }
}

TEST(Gradients, CatalogMatchesCentralDifferences) {
  for (const auto& entry : catalog()) expect_gradient_matches(entry.name + "(x)");
}

TEST(Gradients, TransformsMatchCentralDifferences) {
  for (const char* text : {"hshift(tanh, 0.5)", "vshift(erf, 1)", "clip(arcsinh, 2)", "mix(isru, 0.1)",
                           "flat(arctan, 1.5)", "mirror(exp(x) - 1)", "negate(erf)", "scale(tanh, 1.205)",
                           "rescale(dampexp)", "ratio(x^3)", "negate(flat(hshift(tanh, 0.5), 2))",
                           "inclip(sin, 1.5)", "compose(erf, arcsinh)", "compose(tanh, x^3 - x)",
                           "concat(arctan, tanh, 0.5)", "concat(erf, 2 * erf(x / 2), 0)",
                           "rotate(erf, 0.3)", "rotate(tanh, -0.5)", "rotate(arcsinh, 0.6)"}) {
    expect_gradient_matches(text);
  }
}

TEST(Gradients, FiniteEverywhereIncludingSpecialPoints) {
  const double special[] = {0.0, 1.0, -1.0, M_PI / 2, 1e-300, -1e-300, 1e6, -1e6};
  for (const auto& entry : catalog()) {
    Program program(primitive(entry.name));
    for (double x : special) {
      EXPECT_TRUE(std::isfinite(program.derivative(x))) << entry.name << " at " << x;
    }
  }
}

// Where f is differentiable at 0 although it is written with sign(x) and |x|, the derivative is
// exact: expsign, logsign and saturlog have slope 1 at 0, mirror(f) has f'(0).
TEST(Gradients, ExactAtZeroForSignTimesEvenForms) {
  EXPECT_NEAR(Program(parse("expsign(x)")).derivative(0.0), 1.0, 1e-15);
  EXPECT_NEAR(Program(parse("logsign(x)")).derivative(0.0), 1.0, 1e-15);
  EXPECT_NEAR(Program(parse("saturlog(x)")).derivative(0.0), 1.0, 1e-15);
  EXPECT_NEAR(Program(parse("logquad(x)")).derivative(0.0), 0.0, 1e-15);
  EXPECT_NEAR(Program(parse("mirror(erf)")).derivative(0.0), 2 / std::sqrt(M_PI), 1e-15);
  EXPECT_NEAR(Program(parse("flat(erf, 0)")).derivative(0.0), 2 / std::sqrt(M_PI), 1e-15);
}

// Infinite slopes give 0, not inf or NaN; at kinks the derivative is the right one-sided slope.
TEST(Gradients, ConventionsAtInfiniteSlopesAndKinks) {
  EXPECT_EQ(Program(parse("power23(x)")).derivative(0.0), 0.0);
  EXPECT_EQ(Program(parse("exproot(x)")).derivative(0.0), 0.0);
  const double h = 1e-7;
  for (const char* text : {"abs(x)", "clip(x, -1, 1)", "flat(erf, 0.5)", "linear_clip(x)"}) {
    Program program(parse(text));
    for (double x : {0.0, 1.0, -1.0, 0.5, -0.5}) {
      double right = (program.value(x + h) - program.value(x)) / h;
      EXPECT_NEAR(program.derivative(x), right, 1e-6) << text << " at " << x;
    }
  }
}

TEST(Gradients, NearZeroPower23IsLargeButFinite) {
  Program program(parse("power23(x)"));
  double d = program.derivative(1e-12);
  EXPECT_NEAR(d, 2.0 / 3.0 * std::pow(1e-12, -1.0 / 3.0), 1e-6 * d);
}

TEST(Gradients, ValuesStayExactWhereTheFunctionJumps) {
  // The derivative pass resolves sign(0) to the right; values must not.
  Program program(parse("sign(x) + 1"));
  double y, dy, x = 0.0;
  program.evaluate(&x, &y, &dy, 1);
  EXPECT_EQ(y, 1.0);
  EXPECT_EQ(dy, 0.0);
}

template <class Real>
std::vector<Real> probe_points() {
  std::vector<Real> x;
  for (double v = -12.0; v <= 12.0; v += 0.0173) x.push_back(static_cast<Real>(v));
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.0, -2.0, 3.0, 1e-30, -1e-30, 1e30, -1e30}) {
    x.push_back(static_cast<Real>(v));
  }
  x.push_back(std::numeric_limits<Real>::infinity());
  x.push_back(-std::numeric_limits<Real>::infinity());
  x.push_back(std::numeric_limits<Real>::quiet_NaN());
  return x;
}

enum class Output { Value, Derivative };

// One output of evaluate() asked alone must be the same output asked with the other, bit for bit:
// - y: a program marked one_pass() takes its values from the derivative pass, the others from a
//   value pass of their own;
// - f': asked alone, the derivative pass skips the output's value where its slope does not read it
//   (erf, atan, asinh outputs).
// A NaN must stay a NaN; its sign and payload are not values (IEEE 754 leaves open which operand's
// NaN a product returns, and the compiler may order a commutative product's operands either way).
template <class Real>
void expect_independent_of_the_other_output(const std::string& text, Output output) {
  Program program(parse(text));
  const std::vector<Real> x = probe_points<Real>();
  std::vector<Real> alone(x.size()), with(x.size()), other(x.size());
  const bool value = output == Output::Value;
  program.evaluate(x.data(), value ? alone.data() : nullptr, value ? nullptr : alone.data(), x.size());
  program.evaluate(x.data(), value ? with.data() : other.data(), value ? other.data() : with.data(), x.size());
  const char* other_name = value ? "f'" : "f";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(alone[i]) || std::isnan(with[i])) {
      ASSERT_TRUE(std::isnan(alone[i]) && std::isnan(with[i]))
          << text << " at " << x[i] << ": " << alone[i] << " alone, " << with[i] << " with " << other_name;
      continue;
    }
    ASSERT_EQ(std::memcmp(&alone[i], &with[i], sizeof(Real)), 0)
        << text << " at " << x[i] << ": " << alone[i] << " alone, " << with[i] << " with " << other_name;
  }
}

TEST(Gradients, ValuesDoNotDependOnWhetherTheDerivativeIsAsked) {
  std::vector<std::string> texts;
  for (const auto& entry : catalog()) texts.push_back(entry.name + "(x)");
  for (const char* text : {"hshift(tanh, 0.5)", "vshift(erf, -2)", "clip(arcsinh, 2)", "mix(isru, 0.1)",
                           "flat(erf, 2)", "mirror(exp(x) - 1)", "ratio(x^3)", "inclip(sin, 1.5)",
                           "compose(erf, arcsinh)", "concat(arctan, tanh, 0.5)", "rotate(erf, 0.3)",
                           "min(x, 0) + max(x, 0)", "sign(x) * x^2"}) {
    texts.push_back(text);
  }
  for (const auto& text : texts) {
    expect_independent_of_the_other_output<float>(text, Output::Value);
    expect_independent_of_the_other_output<double>(text, Output::Value);
  }
}

TEST(Gradients, DerivativesDoNotDependOnWhetherTheValueIsAsked) {
  std::vector<std::string> texts;
  for (const auto& entry : catalog()) texts.push_back(entry.name + "(x)");
  for (const char* text : {"hshift(erf, 0.5)", "scale(erf, 2)", "atan(log(x))", "asinh(sqrt(x))",
                           "erf(x^3)", "vshift(erf, -2)", "log(x)", "flat(erf, 2)", "compose(erf, arcsinh)"}) {
    texts.push_back(text);
  }
  for (const auto& text : texts) {
    expect_independent_of_the_other_output<float>(text, Output::Derivative);
    expect_independent_of_the_other_output<double>(text, Output::Derivative);
  }
}

TEST(Gradients, DerivativeAloneIsCheaperWhereTheOutputsValueCanBeSkipped) {
  // erf, atan and asinh at the output: f' without computing f.
  for (const char* text : {"erf(x)", "atan(x)", "arcsinh(x)", "hshift(erf, 1)", "scale(erf, 2)"}) {
    EXPECT_TRUE(Program(parse(text)).derivative_alone_is_cheaper()) << text;
  }
  // tanh's and exp's slopes read their values; arctan's rescaling and a vertical shift put a
  // product or a sum at the output.
  for (const char* text : {"tanh(x)", "isru(x)", "arctan(x)", "vshift(erf, 1)", "linear(x)"}) {
    EXPECT_FALSE(Program(parse(text)).derivative_alone_is_cheaper()) << text;
  }
  // A program whose value takes a pass of its own saves that pass.
  EXPECT_TRUE(Program(parse("flat(erf, 2)")).derivative_alone_is_cheaper());
}

TEST(Gradients, SmoothProgramsRunOnePass) {
  // The paper's functions are smooth: their forward with a backward to follow is one pass.
  for (const char* text : {"erf(x)", "tanh(x)", "arctan(x)", "isru(x)", "vshift(erf, 1)", "mix(erf, 0.5)",
                           "sin(x)", "cos(x) - 1"}) {
    EXPECT_TRUE(Program(parse(text)).one_pass()) << text;
  }
  // A tie can resolve to another value in the derivative pass (sign(0), if_pos at 0, -0 against +0).
  for (const char* text : {"sign(x) + 1", "clip(linear, 1)", "flat(erf, 2)", "mirror(erf)", "max(x, 0)",
                           "satursin(x)"}) {
    EXPECT_FALSE(Program(parse(text)).one_pass()) << text;
  }
}

int powers_in(const Program& program) {
  int count = 0;
  for (const auto& in : program.instructions())
    count += in.kind == Instruction::Kind::Operation && in.op == Op::Pow;
  return count;
}

TEST(Gradients, SquaresAndCubesAreProducts) {
  // pow is a call per element, x * x a vector multiply: squares and cubes compile to products
  // (isru, relsign, logquad, dampx, cubsign: twelve times faster in the layer, docs/performance.md).
  for (const char* text : {"isru(x)", "relsign(x)", "logquad(x)", "dampx(x)", "cubsign(x)", "x^2", "pow(x, 3)"}) {
    EXPECT_EQ(powers_in(Program(parse(text))), 0) << text;
  }
  EXPECT_EQ(powers_in(Program(parse("power23(x)"))), 1);
  EXPECT_EQ(powers_in(Program(parse("x^4"))), 1);
  // The square is correctly rounded and its slope is the power rule's 2x, bit for bit; the cube
  // within a few ulps of 3x^2 (its slope sums two products).
  Program square(parse("x^2")), cube(parse("x^3"));
  const std::vector<float> x = probe_points<float>();
  std::vector<float> y(x.size()), dy(x.size()), y3(x.size()), dy3(x.size());
  square.evaluate(x.data(), y.data(), dy.data(), x.size());
  cube.evaluate(x.data(), y3.data(), dy3.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(y[i]) && std::isnan(dy[i]) && std::isnan(y3[i]));
      continue;
    }
    EXPECT_EQ(y[i], x[i] * x[i]) << x[i];
    EXPECT_EQ(dy[i], 2.0f * x[i]) << x[i];
    EXPECT_EQ(y3[i], x[i] * x[i] * x[i]) << x[i];
    const float slope = 3.0f * x[i] * x[i];
    if (std::isfinite(slope)) {
      EXPECT_NEAR(dy3[i], slope, 4e-7f * std::fabs(slope)) << x[i];
    }
  }
}

// ctest runs these tests again with FSEARCH_NO_AVX2 set (Baseline.FunctionsWithoutAvx2): that run
// must really take the baseline build.
TEST(VectorMath, NoAvx2InTheEnvironmentKeepsTheBaselineBuild) {
  if (!std::getenv("FSEARCH_NO_AVX2")) GTEST_SKIP() << "FSEARCH_NO_AVX2 is not set";
  EXPECT_FALSE(cpu_has_avx2());
}

}  // namespace
}  // namespace fsearch::functions
