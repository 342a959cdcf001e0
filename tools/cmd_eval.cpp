// `fsearch eval EXPR --at POINTS`: canonical form, fingerprint, and f, f' at chosen points.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"

namespace fsearch::cli {
namespace {

// JSON has no inf/NaN: those are written as strings ("inf", "-inf", "nan").
nlohmann::json json_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

struct EvalCommand {
  std::string expression;
  std::string at = "-2,-0.5,0,0.5,2";
  bool json = false;

  int run() const {
    auto points = parse_number_list(at, "--at");
    auto candidate = functions::make_candidate(functions::parse(expression));
    functions::Program program(candidate.expr);
    std::vector<double> y(points.size()), dy(points.size());
    program.evaluate(points.data(), y.data(), dy.data(), points.size());
    if (json) {
      nlohmann::json out = {{"expression", candidate.text}, {"fingerprint", to_hex(candidate.fingerprint)}};
      out["points"] = nlohmann::json::array();
      for (std::size_t i = 0; i < points.size(); ++i) {
        out["points"].push_back({{"x", points[i]}, {"y", json_number(y[i])}, {"dy", json_number(dy[i])}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::cout << "expression   " << candidate.text << "\n";
    std::cout << "fingerprint  " << to_hex(candidate.fingerprint) << "\n";
    std::cout << fmt::format("{:>14} {:>22} {:>22}\n", "x", "f(x)", "f'(x)");
    for (std::size_t i = 0; i < points.size(); ++i) {
      std::cout << fmt::format("{:>14.8g} {:>22.15g} {:>22.15g}\n", points[i], y[i], dy[i]);
    }
    return 0;
  }
};

}  // namespace

Command register_eval(CLI::App& app) {
  auto command = std::make_shared<EvalCommand>();
  CLI::App* sub =
      app.add_subcommand("eval", "Evaluate a function: canonical form, fingerprint, f and f' at points");
  sub->add_option("expression", command->expression,
                  "Function of x, e.g. 'erf(x)', 'flat(tanh, 0.5)', 'clip(arcsinh(x), -1, 1)', '-erf(x)' (an "
                  "expression may start with '-'; a bare '-x' needs -- before it)")
      ->required();
  sub->add_option("--at", command->at, "Comma-separated points")->capture_default_str();
  sub->add_flag("--json", command->json, "Print JSON: {expression, fingerprint, points: [{x, y, dy}]}");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
