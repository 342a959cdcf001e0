// Every catalog entry against its closed form, written here independently of the catalog's text.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "fsearch/functions/catalog.h"
#include "fsearch/functions/expr.h"
#include "fsearch/functions/program.h"

namespace fsearch::functions {
namespace {

double sgn(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}
double clip1(double v) {
  return std::min(1.0, std::max(-1.0, v));
}

const std::map<std::string, std::function<double(double)>>& closed_forms() {
  static const std::map<std::string, std::function<double(double)>> forms = {
      {"erf", [](double x) { return std::erf(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"arctan", [](double x) { return 2.0 / M_PI * std::atan(x); }},
      {"satursin", [](double x) { return std::sin(std::min(M_PI / 2, std::max(-M_PI / 2, x))); }},
      {"expsign", [](double x) { return sgn(x) * (1 - std::exp(-std::fabs(x))); }},
      {"exproot", [](double x) { return sgn(x) * (1 - std::exp(-std::sqrt(std::fabs(x)))); }},
      {"relsign", [](double x) { return x / (std::sqrt(x * x + 1) + 1); }},
      {"isru", [](double x) { return x / std::sqrt(x * x + 1); }},
      {"cubsign", [](double x) { return x * x * x / (std::pow(std::fabs(x), 3) + 1); }},
      {"smoothsign", [](double x) { return x / (1 + std::fabs(x)); }},
      {"saturlog",
       [](double x) {
         double l = std::log(std::fabs(x) + 1);
         return sgn(x) * l / (l + 1);
       }},
      {"linear", [](double x) { return x; }},
      {"logsign", [](double x) { return sgn(x) * std::log(std::fabs(x) + 1); }},
      {"arcsinh", [](double x) { return std::log(x + std::sqrt(x * x + 1)); }},
      {"logquad", [](double x) { return sgn(x) * std::log(x * x + 1); }},
      {"power23", [](double x) { return sgn(x) * std::cbrt(x * x); }},
      {"sin", [](double x) { return std::sin(x); }},
      {"dampx", [](double x) { return 2 * x / (1 + x * x); }},
      {"dampexp", [](double x) { return 2.72 * x * std::exp(-std::fabs(x)); }},
      {"linear_clip", [](double x) { return clip1(x); }},
      {"logsign_clip", [](double x) { return clip1(sgn(x) * std::log(std::fabs(x) + 1)); }},
      {"arcsinh_clip", [](double x) { return clip1(std::log(x + std::sqrt(x * x + 1))); }},
      {"logquad_clip", [](double x) { return clip1(sgn(x) * std::log(x * x + 1)); }},
      {"power23_clip", [](double x) { return clip1(sgn(x) * std::cbrt(x * x)); }},
      {"negerf", [](double x) { return -std::erf(x); }},
      {"negtanh", [](double x) { return -std::tanh(x); }},
      {"negarctan", [](double x) { return -2.0 / M_PI * std::atan(x); }},
  };
  return forms;
}

TEST(Catalog, EveryEntryHasAClosedFormHere) {
  for (const auto& entry : catalog()) {
    EXPECT_TRUE(closed_forms().count(entry.name)) << entry.name << " has no closed form in this test";
  }
  EXPECT_EQ(closed_forms().size(), catalog().size());
}

TEST(Catalog, EveryEntryMatchesItsClosedForm) {
  const double points[] = {-7.3, -2, -1, -0.5, -0.1, -1e-3, 0, 1e-3, 0.1, 0.5, 1, 1.5, 2, 7.3, 40};
  for (const auto& entry : catalog()) {
    Program program(primitive(entry.name));
    const auto& expected = closed_forms().at(entry.name);
    for (double x : points) {
      EXPECT_NEAR(program.value(x), expected(x), 1e-12 * (1 + std::fabs(expected(x))))
          << entry.name << " at x = " << x;
    }
  }
}

TEST(Catalog, ArcsinhIsStableForLargeNegativeInputs) {
  // ln(x + sqrt(x^2 + 1)) loses everything at x = -1e8 in double; the catalog's form must not.
  Program program(primitive("arcsinh"));
  EXPECT_NEAR(program.value(-1e8), -std::log(2e8), 1e-9);
  EXPECT_NEAR(program.value(-1e6), -std::asinh(1e6), 1e-9);
}

TEST(Catalog, AliasLogquadrIsLogquad) {
  ASSERT_NE(find_primitive("logquadr"), nullptr);
  EXPECT_EQ(find_primitive("logquadr")->name, "logquad");
  EXPECT_EQ(find_primitive("nosuch"), nullptr);
}

TEST(Catalog, KnownNamesHaveNoDuplicates) {
  auto names = known_function_names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(Program, FloatAndDoubleEvaluationAgree) {
  std::vector<double> xd;
  for (int i = -400; i <= 400; ++i) xd.push_back(i * 0.025);
  std::vector<float> xf(xd.begin(), xd.end());
  for (const auto& entry : catalog()) {
    Program program(primitive(entry.name));
    std::vector<double> yd(xd.size());
    std::vector<float> yf(xf.size());
    program.evaluate(xd.data(), yd.data(), nullptr, xd.size());
    program.evaluate(xf.data(), yf.data(), nullptr, xf.size());
    for (std::size_t i = 0; i < xd.size(); ++i) {
      ASSERT_NEAR(yf[i], yd[i], 2e-6 * (1 + std::fabs(yd[i]))) << entry.name << " at " << xd[i];
    }
  }
}

TEST(Program, BlocksOfAnyLengthGiveTheSameValues) {
  // 1000 inputs span several internal blocks with a ragged tail.
  Program program(primitive("saturlog"));
  std::vector<double> x(1000), y(1000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = -5 + 0.01 * static_cast<double>(i);
  program.evaluate(x.data(), y.data(), nullptr, x.size());
  for (std::size_t i = 0; i < x.size(); i += 37) EXPECT_DOUBLE_EQ(y[i], program.value(x[i]));
}

}  // namespace
}  // namespace fsearch::functions
