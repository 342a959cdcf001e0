#include <gtest/gtest.h>

#include <set>

#include "fsearch/functions/candidate.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

#include <cmath>

namespace fsearch::functions {
namespace {

std::uint64_t fp(const std::string& text) {
  return fingerprint(parse(text));
}

TEST(Fingerprint, SpellingsOfOneFunctionAgree) {
  EXPECT_EQ(fp("-(-erf(x))"), fp("erf(x)"));
  EXPECT_EQ(fp("negate(negate(erf))"), fp("erf(x)"));
  EXPECT_EQ(fp("hshift(erf, 0)"), fp("erf(x)"));
  EXPECT_EQ(fp("flat(tanh, 0)"), fp("tanh(x)"));
  EXPECT_EQ(fp("x / sqrt(x^2 + 1)"), fp("isru(x)"));
  EXPECT_EQ(fp("negerf(x)"), fp("negate(erf)"));
  EXPECT_EQ(fp("clip(linear, 1)"), fp("linear_clip(x)"));
  EXPECT_EQ(fp("2 * x / (1 + x^2)"), fp("dampx(x)"));
  EXPECT_EQ(fp("inclip(sin, pi / 2)"), fp("satursin(x)"));  // App. B's input clipping
  EXPECT_EQ(fp("compose(erf, tanh)"), fp("erf(tanh(x))"));
  EXPECT_EQ(fp("compose(erf, linear)"), fp("erf(x)"));
  EXPECT_EQ(fp("concat(erf, erf, 0.3)"), fp("erf(x)"));
  EXPECT_EQ(fp("concat(negate(erf), erf, 0)"), fp("abs(erf(x))"));
}

TEST(Fingerprint, DifferentFunctionsDiffer) {
  EXPECT_NE(fp("erf(x)"), fp("tanh(x)"));
  EXPECT_NE(fp("erf(x)"), fp("hshift(erf, 0.1)"));
  EXPECT_NE(fp("flat(erf, 0.1)"), fp("flat(erf, 0.5)"));
  EXPECT_NE(fp("tanh(1.205 * x)"), fp("erf(x)"));  // close, but not the same function
  EXPECT_NE(fp("compose(erf, tanh)"), fp("compose(tanh, erf)"));  // the order matters
  EXPECT_NE(fp("concat(erf, tanh, 0)"), fp("concat(tanh, erf, 0)"));
  EXPECT_NE(fp("inclip(erf, 1)"), fp("clip(erf, 1)"));
}

TEST(Fingerprint, CatalogEntriesAreDistinctExceptKnownEqualities) {
  std::set<std::uint64_t> seen;
  for (const auto& entry : catalog()) {
    EXPECT_TRUE(seen.insert(fingerprint(primitive(entry.name))).second) << entry.name;
  }
}

// A norm layer's f must be finite everywhere: division by zero and NaN constants are refused with
// the point named; functions defined everywhere pass.
TEST(Finite, NonFiniteFunctionsAreNamedAtTheirPoint) {
  for (const char* bad : {"1/0", "0/0", "x/0", "clip(x, 0/0, 1)", "log(x)", "1/x"}) {
    auto reason = non_finite_reason(parse(bad));
    EXPECT_NE(reason.find("f is not finite at x = "), std::string::npos) << bad << ": " << reason;
  }
  EXPECT_NE(non_finite_reason(parse("1/x")).find("at x = 0 "), std::string::npos);
  for (const char* good : {"erf(x)", "power23(x)", "flat(erf, 3)", "x / (1 + abs(x))", "linear(x)"})
    EXPECT_EQ(non_finite_reason(parse(good)), "") << good;
}

TEST(Finite, DerivativeIsUndefinedWhereTheFunctionIs) {
  Program log_x(parse("log(x)"));
  EXPECT_TRUE(std::isnan(log_x.value(-1)));
  EXPECT_TRUE(std::isnan(log_x.derivative(-1)));
  EXPECT_DOUBLE_EQ(log_x.derivative(2), 0.5);
}

TEST(Fingerprint, ProbeGridIsSymmetricAndWide) {
  const auto& grid = probe_grid();
  EXPECT_DOUBLE_EQ(grid.front(), -grid.back());
  EXPECT_GE(grid.back(), 1e6 - 1);
  EXPECT_TRUE(std::is_sorted(grid.begin(), grid.end()));
}

}  // namespace
}  // namespace fsearch::functions
