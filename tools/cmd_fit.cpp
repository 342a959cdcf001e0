// `fsearch fit`: Eq. 11, the parameter of a family closest to a target function in L1 over the line.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "fsearch/properties/fit.h"

namespace fsearch::cli {
namespace {

struct FitCommand {
  std::string target = "erf";
  std::string family = "tanh(eps * x)";
  properties::FitOptions options;
  bool json = false;

  int run() const {
    auto result = properties::fit_parameter(target, family, options);
    if (json) {
      std::cout << nlohmann::json{{"target", target},
                                  {"family", family},
                                  {"parameter", options.parameter},
                                  {"value", result.parameter},
                                  {"residual", result.residual},
                                  {"evaluations", result.evaluations}}
                       .dump(2)
                << "\n";
      return 0;
    }
    std::cout << fmt::format("{} = {:.6f}   (argmin of the integral of |{} - {}| over the real line)\n",
                             options.parameter, result.parameter, family, target);
    std::cout << fmt::format("residual = {:.6g}   ({} evaluations)\n", result.residual, result.evaluations);
    return 0;
  }
};

}  // namespace

Command register_fit(CLI::App& app) {
  auto command = std::make_shared<FitCommand>();
  CLI::App* sub =
      app.add_subcommand("fit", "Eq. 11: fit a family's parameter to a target function (L1 over the line)");
  sub->add_option("--target", command->target, "Target function: a catalog name or an expression")
      ->capture_default_str();
  sub->add_option("--family", command->family, "Family with one parameter, e.g. 'tanh(eps * x)'")
      ->capture_default_str();
  sub->add_option("--param", command->options.parameter, "Name of the family's parameter")
      ->capture_default_str();
  sub->add_option("--low", command->options.low, "Lower end of the search interval")->capture_default_str();
  sub->add_option("--high", command->options.high, "Upper end of the search interval")->capture_default_str();
  sub->add_flag("--json", command->json, "Print JSON");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
