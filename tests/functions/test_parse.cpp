#include <gtest/gtest.h>

#include <cmath>

#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

namespace fsearch::functions {
namespace {

double at(const std::string& text, double x) {
  return Program(parse(text)).value(x);
}

TEST(Parse, Arithmetic) {
  EXPECT_DOUBLE_EQ(at("1 + 2 * 3", 0), 7);
  EXPECT_DOUBLE_EQ(at("(1 + 2) * 3", 0), 9);
  EXPECT_DOUBLE_EQ(at("2^3^2", 0), 512);  // right-associative
  EXPECT_DOUBLE_EQ(at("2**3", 0), 8);
  EXPECT_DOUBLE_EQ(at("-x^2", 3), -9);  // unary minus binds looser than ^
  EXPECT_DOUBLE_EQ(at("2^-1", 0), 0.5);
  EXPECT_DOUBLE_EQ(at("8 / 4 / 2", 0), 1);  // left-associative
  EXPECT_DOUBLE_EQ(at("1 - 2 - 3", 0), -4);
  EXPECT_DOUBLE_EQ(at("1.5e2 + .5", 0), 150.5);
  EXPECT_DOUBLE_EQ(at("pi", 0), M_PI);
  EXPECT_DOUBLE_EQ(at("2 * e", 0), 2 * M_E);
}

TEST(Parse, ExamplesFromTheIssue) {
  EXPECT_DOUBLE_EQ(at("clip(arcsinh(x), -1, 1)", 5), 1);
  EXPECT_NEAR(at("sign(x) * log(abs(x) + 1)", -2), -std::log(3), 1e-15);
  EXPECT_NEAR(at("tanh(1.205 * x)", 0.7), std::tanh(1.205 * 0.7), 1e-15);
  EXPECT_DOUBLE_EQ(at("flat(erf, 0.5)", 0.3), 0);
  EXPECT_NEAR(at("flat(erf, 0.5)", 1.5), std::erf(1.0), 1e-15);
}

TEST(Parse, CatalogNamesAndElementaryFunctions) {
  EXPECT_NEAR(at("min(x, 1) + max(x, 2)", 1.5), 3.0, 1e-15);
  EXPECT_NEAR(at("min(x, 1) + max(x, 2)", 0.5), 2.5, 1e-15);
  EXPECT_NEAR(at("pow(x, 3)", 2), 8, 1e-15);
  EXPECT_NEAR(at("atan(x)", 1), M_PI / 4, 1e-15);
  EXPECT_NEAR(at("arctan(x)", 1), 0.5, 1e-15);  // the catalog's arctan is rescaled to [-1, 1]
  EXPECT_NEAR(at("cos(x) + sqrt(x) + exp(x)", 1), std::cos(1.0) + 1 + M_E, 1e-14);
  EXPECT_NEAR(at("logquadr(x)", 2), std::log(5), 1e-15);
}

TEST(Print, RoundTripKeepsStructure) {
  const char* texts[] = {
      "erf(x)",
      "clip(arcsinh(x), -1, 1)",
      "sign(x) * log(abs(x) + 1)",
      "tanh(1.205 * x)",
      "flat(erf, 0.5)",
      "-(-erf(x))",
      "1 - (2 - x)",
      "(x + 1)^2",
      "x^(2 / 3)",
      "(-2)^3^2",
      "x - -2",
      "2 * x / (1 + x^2)",
      "negate(mirror(hshift(tanh, 0.5)))",
      "mix(erf(2 * x), 0.1)",
      "rescale(dampx)",
      "ratio(x^3)",
      "scale(tanh, 1.205)",
      "vshift(arctan, -0.1)",
      "clip(logsign, 2)",
      "x / (x / x)",
      "-x^2",
      "pi * e",
      "flat(x + sin(x), 1)",
  };
  for (const char* text : texts) {
    Expr first = parse(text);
    std::string printed = to_text(first);
    Expr second = parse(printed);
    EXPECT_TRUE(same_structure(first, second)) << text << " printed as " << printed;
    EXPECT_EQ(to_text(second), printed) << text;
  }
}

TEST(Print, CanonicalSpacingAndNumbers) {
  EXPECT_EQ(to_text(parse("  sign( x )*log(abs(x)+1)")), "sign(x) * log(abs(x) + 1)");
  EXPECT_EQ(to_text(parse("flat(erf(x), 0.50)")), "flat(erf, 0.5)");
  EXPECT_EQ(to_text(parse("0.1 + 1e-7 * x")), "0.1 + 1e-07 * x");
  EXPECT_EQ(format_number(1.205), "1.205");
  EXPECT_EQ(format_number(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_number(-2.0), "-2");
}

struct BadExpression {
  const char* text;
  std::size_t column;
  const char* problem_contains;
  const char* hint_contains;
};

class ParseErrors : public ::testing::TestWithParam<BadExpression> {};

TEST_P(ParseErrors, NameTheColumnAndGiveAHint) {
  const auto& bad = GetParam();
  try {
    parse(bad.text);
    FAIL() << "expected an error for " << bad.text;
  } catch (const ExpressionError& error) {
    EXPECT_EQ(error.column(), bad.column) << error.what();
    EXPECT_NE(error.problem().find(bad.problem_contains), std::string::npos) << error.problem();
    EXPECT_NE(error.hint().find(bad.hint_contains), std::string::npos) << error.hint();
    EXPECT_NE(std::string(error.what()).find("column " + std::to_string(bad.column)), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseErrors,
    ::testing::Values(BadExpression{"erff(x)", 1, "unknown function 'erff'", "erf"},
                      BadExpression{"2 * tahn(x)", 5, "unknown function 'tahn'", "tanh"},
                      BadExpression{"erf(x", 6, "missing ')'", "column 4"},
                      BadExpression{"erf(x, 2)", 1, "takes 1 argument, got 2", "erf(x)"},
                      BadExpression{"clip(x, 1, 2, 3)", 1, "takes", "clip"},
                      BadExpression{"flat(erf)", 1, "takes 2 arguments, got 1", "flat(f, lambda)"},
                      BadExpression{"flat(erf, x)", 11, "lambda of flat must be a number", "flat(f, lambda)"},
                      BadExpression{"x ^ x", 5, "exponent must be a number", "not supported"},
                      BadExpression{"y + 1", 1, "unknown name 'y'", "variable is x"},
                      BadExpression{"erf + 1", 1, "'erf' is a function", "erf(x)"},
                      BadExpression{"1 +", 4, "ends too early", "operand"},
                      BadExpression{"", 1, "empty expression", "erf(x)"},
                      BadExpression{"x)", 2, "unmatched ')'", "'('"},
                      BadExpression{"2 $ x", 3, "unexpected '$'", "operator"},
                      BadExpression{"flat(erf, -1)", 1, "lambda must be zero or positive", ""},
                      BadExpression{"rescale(linear)", 1, "bounded", "clip"},
                      BadExpression{"flat(nosuch, 1)", 6, "unknown function 'nosuch'", ""}));

TEST(Parse, NothingButArithmeticCanBeWritten) {
  // There are no assignments, strings, or calls outside the known list.
  EXPECT_THROW(parse("system(x)"), ExpressionError);
  EXPECT_THROW(parse("x = 1"), ExpressionError);
  EXPECT_THROW(parse("\"rm\""), ExpressionError);
}

// Hostile expressions (found by a probe: each used to crash by stack overflow or hang) are errors
// that name the limit, found before any deep recursion.
TEST(Parse, HugeOrDeepExpressionsAreErrorsNotCrashes) {
  auto repeat = [](const std::string& piece, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += piece;
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {repeat("(", 15000) + "x" + repeat(")", 15000), "characters: the limit is 10000"},
      {repeat("(", 3000) + "x" + repeat(")", 3000), "nested deeper than 100 levels"},
      {repeat("tanh(", 1500) + "x" + repeat(")", 1500), "nested deeper than 100 levels"},
      {repeat("mirror(", 1200) + "x" + repeat(")", 1200), "nested deeper than 100 levels"},
      {repeat("-", 40000) + "x", "characters: the limit is 10000"},
      {repeat("-", 5000) + "x", "nested deeper than 100 levels"},
      {"x" + repeat("^1", 4000), "nested deeper than 100 levels"},
      {"x" + repeat("+x", 30000), "characters: the limit is 10000"},
      {"x" + repeat("+x", 4000), "expression tree deeper than 200 levels"},
      {repeat("rescale(", 300) + "erf" + repeat(")", 300), "nested deeper than 100 levels"},
      {repeat("rescale(", 1000) + "erf" + repeat(")", 1000), "nested deeper than 100 levels"},
  };
  for (const auto& [text, message] : cases) {
    try {
      parse(text);
      ADD_FAILURE() << "accepted: " << text.substr(0, 40) << "...";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << text.substr(0, 40) << ": " << e.what();
    }
  }
  // Realistic functions are far inside the limits.
  EXPECT_NO_THROW(parse(repeat("tanh(", 50) + "x" + repeat(")", 50)));
  EXPECT_NO_THROW(parse("x" + repeat("+x", 150)));
}

}  // namespace
}  // namespace fsearch::functions
