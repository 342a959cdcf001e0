// Fuzz target: the expression language (functions/parse.h) and the evaluator (program.h).
// Beyond the contract (fuzz_input.h): an accepted expression prints as canonical text that parses
// back to the same tree, and compiles into a program that evaluates at every kind of point.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fsearch;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_clear_error_or_success([&] {
    const auto expr = functions::parse(text);
    const auto candidate = functions::make_candidate(expr);
    if (!functions::same_structure(functions::parse(candidate.text), candidate.expr)) std::abort();
    const functions::Program program(candidate.expr);
    constexpr double inf = std::numeric_limits<double>::infinity();
    const double x[] = {-inf, -1e300, -3.0, -1.0, -0.5, -0.0, 0.0, 1e-310, 0.5, 1.0, 2.0, 1e300, inf,
                        std::numeric_limits<double>::quiet_NaN()};
    double y[std::size(x)], dy[std::size(x)];
    program.evaluate(x, y, dy, std::size(x));
    float xf[std::size(x)], yf[std::size(x)], dyf[std::size(x)];
    for (std::size_t i = 0; i < std::size(x); ++i) xf[i] = static_cast<float>(x[i]);
    program.evaluate(xf, yf, dyf, std::size(x));
  });
  return 0;
}
