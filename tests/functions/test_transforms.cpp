// Every transform against its definition (docs/function-catalog.md), on a user expression as well as a
// catalog function, and chained.
#include <gtest/gtest.h>

#include <cmath>

#include "fsearch/core/error.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

namespace fsearch::functions {
namespace {

const double kPoints[] = {-4, -2.5, -1, -0.6, -0.5, -0.2, 0, 0.2, 0.5, 0.6, 1, 2.5, 4};
double sgn(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

template <class F>
void expect_matches(const std::string& text, F expected) {
  Program program(parse(text));
  for (double x : kPoints) EXPECT_NEAR(program.value(x), expected(x), 1e-14) << text << " at " << x;
}

TEST(Transforms, Definitions) {
  auto f = [](double x) { return std::erf(x); };
  expect_matches("hshift(erf, 0.5)", [&](double x) { return f(x + 0.5); });
  expect_matches("vshift(erf, -1)", [&](double x) { return f(x) - 1; });
  expect_matches("clip(erf, 0.5)", [&](double x) { return std::min(0.5, std::max(-0.5, f(x))); });
  expect_matches("mix(erf, 0.1)", [&](double x) { return 0.9 * f(x) + 0.1 * x; });
  expect_matches("flat(erf, 0.5)", [&](double x) { return std::fabs(x) <= 0.5 ? 0.0 : f(x - 0.5 * sgn(x)); });
  expect_matches("negate(erf)", [&](double x) { return -f(x); });
  expect_matches("scale(erf, 1.205)", [&](double x) { return f(1.205 * x); });
  expect_matches("ratio(erf)", [&](double x) { return f(x) / (std::fabs(f(x)) + 1); });
  expect_matches("inclip(erf, 0.5)", [&](double x) { return f(std::min(0.5, std::max(-0.5, x))); });
  expect_matches("compose(erf, tanh)", [&](double x) { return f(std::tanh(x)); });
  expect_matches("compose(erf, x^3)", [&](double x) { return f(x * x * x); });
  expect_matches("concat(erf, tanh, 0.5)", [&](double x) { return x <= 0.5 ? f(x) : std::tanh(x); });
}

// rotate(f, theta) against the geometry: every point (t, f(t)) of the graph, turned by theta about
// the origin, lies on the rotated function's graph, with the slope the turned tangent has.
TEST(Transforms, RotationTurnsTheGraph) {
  for (const auto& [text, theta] : std::vector<std::pair<std::string, double>>{
           {"erf(x)", 0.3}, {"tanh(x)", -0.5}, {"arcsinh(x)", 0.6}, {"x^3 / (1 + x^2)", 0.4}}) {
    Program f(parse(text));
    const std::string rotated = "rotate(" + text + ", " + format_number(theta) + ")";
    Program g(parse(rotated));
    for (double t : {-6.0, -2.0, -0.7, 0.0, 0.3, 1.0, 2.5, 8.0}) {
      const double x = t * std::cos(theta) - f.value(t) * std::sin(theta);
      const double y = t * std::sin(theta) + f.value(t) * std::cos(theta);
      EXPECT_NEAR(g.value(x), y, 1e-12 * std::max(1.0, std::fabs(y))) << rotated << " at t = " << t;
      const double slope = (std::sin(theta) + f.derivative(t) * std::cos(theta)) /
                           (std::cos(theta) - f.derivative(t) * std::sin(theta));
      EXPECT_NEAR(g.derivative(x), slope, 1e-10 * std::max(1.0, std::fabs(slope)))
          << rotated << " at t = " << t;
    }
  }
  // The line y = x turned by theta is y = tan(pi/4 + theta) x; no turn is f itself.
  Program line(parse("rotate(linear, 0.5)"));
  EXPECT_NEAR(line.value(2.0), 2 * std::tan(M_PI / 4 + 0.5), 1e-12);
  EXPECT_EQ(make_candidate(parse("rotate(erf, 0)")).fingerprint, make_candidate(parse("erf(x)")).fingerprint);
  EXPECT_EQ(to_text(parse("rotate( erf , 0.25 )")), "rotate(erf, 0.25)");
  // A turn that makes the graph fold over (erf's slope 1.13 at 0 times tan 1.2) is refused, naming
  // the measure; so is a turn of a quarter or more.
  try {
    parse("rotate(erf, 1.2)");
    ADD_FAILURE() << "rotate(erf, 1.2) is not a function";
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("|tan theta| max |f'| = 2.90"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse("rotate(erf, 1.6)"), ExpressionError);
  EXPECT_THROW(parse("rotate(erf)"), ExpressionError);
  EXPECT_THROW(parse("rotate(linear, 0.7)"), ExpressionError);  // tan 0.7 = 0.84 > 0.8
}

TEST(Transforms, TwoFunctionTransformsParsePrintAndCheckTheirArguments) {
  EXPECT_EQ(to_text(parse("compose( erf ,tanh )")), "compose(erf, tanh)");
  EXPECT_EQ(to_text(parse("concat(erf, x / (1 + abs(x)), -0.5)")), "concat(erf, x / (1 + abs(x)), -0.5)");
  EXPECT_TRUE(same_structure(parse(to_text(parse("concat(erf, tanh, 1)"))), parse("concat(erf, tanh, 1)")));
  EXPECT_THROW(parse("compose(erf)"), ExpressionError);
  EXPECT_THROW(parse("concat(erf, tanh)"), ExpressionError);
  EXPECT_THROW(parse("concat(erf, tanh, x)"), ExpressionError);  // c is a number
  EXPECT_THROW(parse("inclip(erf, 0)"), ExpressionError);
  EXPECT_THROW(transform(TransformKind::Compose, primitive("erf")), ConfigError);  // g is missing
  try {
    parse("concat(erf, tanh)");
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("concat takes 3 arguments, got 2"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("usage: concat(f, g, c)"), std::string::npos) << e.hint();
  }
  // A two-function transform is the base of a candidate; one-function transforms chain after it.
  auto candidate = make_candidate(parse("flat(compose(erf, tanh), 0.5)"));
  EXPECT_EQ(candidate.base, "compose(erf, tanh)");
  ASSERT_EQ(candidate.transforms.size(), 1u);
  EXPECT_EQ(candidate.transforms[0].kind, TransformKind::Flat);
}

TEST(Transforms, MirrorCopiesThePositiveBranch) {
  // exp(x) - 1 is not odd; mirror makes it sign(x) (exp(|x|) - 1).
  expect_matches("mirror(exp(x) - 1)", [](double x) { return sgn(x) * (std::exp(std::fabs(x)) - 1); });
}

TEST(Transforms, RescaleMapsTheRangeOntoMinusOneOne) {
  // dampexp peaks at 2.72 / e = 1.00064 at |x| = 1.
  Program program(parse("rescale(dampexp)"));
  EXPECT_NEAR(program.value(1.0), 1.0, 1e-9);
  EXPECT_NEAR(program.value(-1.0), -1.0, 1e-9);
  Program half(parse("rescale(0.5 * tanh(x))"));
  EXPECT_NEAR(half.value(50), 1.0, 1e-12);
  EXPECT_THROW(parse("rescale(x)"), ConfigError);
}

TEST(Transforms, ApplyToUserExpressionsAndChain) {
  expect_matches("hshift(x / (1 + abs(x)), 1)", [](double x) { return (x + 1) / (1 + std::fabs(x + 1)); });
  // Chain: flat zone of a horizontally shifted tanh, then negated.
  expect_matches("negate(flat(hshift(tanh, 0.5), 1))",
                 [](double x) { return std::fabs(x) <= 1 ? -0.0 : -std::tanh(x - sgn(x) + 0.5); });
}

TEST(Transforms, FlatZoneIsZeroInsideEvenWhenFOfZeroIsNot) {
  Program program(parse("flat(vshift(erf, 1), 0.5)"));
  EXPECT_EQ(program.value(0.3), 0.0);
  EXPECT_NEAR(program.value(0.7), std::erf(0.2) + 1, 1e-15);
}

TEST(Transforms, ParameterChecks) {
  EXPECT_THROW(transform(TransformKind::Clip, primitive("erf"), {0.0}), ConfigError);
  EXPECT_THROW(transform(TransformKind::Mix, primitive("erf"), {1.5}), ConfigError);
  EXPECT_THROW(transform(TransformKind::HShift, primitive("erf"), {}), ConfigError);
  EXPECT_THROW(transform(TransformKind::Negate, primitive("erf"), {1.0}), ConfigError);
  EXPECT_THROW(transform(TransformKind::HShift, primitive("erf"), {NAN}), ConfigError);
  EXPECT_NO_THROW(transform(TransformKind::Flat, primitive("erf"), {0.0}));
}

TEST(Candidate, KeepsBaseAndTransformChain) {
  auto candidate = make_candidate(parse("negate(flat(erf, 0.5))"));
  EXPECT_EQ(candidate.base, "erf");
  ASSERT_EQ(candidate.transforms.size(), 2u);
  EXPECT_EQ(candidate.transforms[0].kind, TransformKind::Flat);
  EXPECT_EQ(candidate.transforms[0].params, std::vector<double>{0.5});
  EXPECT_EQ(candidate.transforms[1].kind, TransformKind::Negate);
  EXPECT_EQ(candidate.text, "negate(flat(erf, 0.5))");

  auto user = make_candidate(parse("hshift(x / (1 + abs(x)), 1)"));
  EXPECT_EQ(user.base, "x / (1 + abs(x))");
  ASSERT_EQ(user.transforms.size(), 1u);

  auto plain = make_candidate(parse("tanh(1.205 * x)"));
  EXPECT_EQ(plain.base, "tanh(1.205 * x)");
  EXPECT_TRUE(plain.transforms.empty());
}

TEST(Candidate, GeneratedAndParsedCandidatesShareStructure) {
  Expr generated = transform(TransformKind::Flat, primitive("erf"), {0.5});
  Expr parsed = parse("flat(erf, 0.5)");
  EXPECT_TRUE(same_structure(generated, parsed));
  EXPECT_EQ(to_text(generated), "flat(erf, 0.5)");
}

}  // namespace
}  // namespace fsearch::functions
