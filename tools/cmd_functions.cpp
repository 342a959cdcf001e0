// `fsearch functions`: the catalog of named functions, the transforms, and the elementary operations.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/ops.h"
#include "fsearch/functions/transforms.h"

namespace fsearch::cli {
namespace {

struct FunctionsCommand {
  bool json = false;

  int run() const {
    using namespace functions;
    if (json) {
      nlohmann::json out;
      for (const auto& p : catalog()) {
        out["functions"].push_back(
            {{"name", p.name}, {"definition", p.definition}, {"group", p.group}, {"note", p.note}});
      }
      for (const auto& t : all_transforms()) {
        std::vector<std::string> params(t.params.begin(), t.params.end());
        out["transforms"].push_back(
            {{"name", std::string(t.name)},
             {"functions", t.functions},
             {"params", params},
             {"definition", std::string(t.definition)}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::cout << "Functions (use by name in expressions and space files; logquadr = logquad):\n";
    for (const auto& p : catalog()) {
      std::cout << fmt::format("  {:<13} {:<52} {}\n", p.name, p.definition, p.group);
    }
    std::cout << "\nTransforms (f and g: a function name or an expression in x; in a space file g comes "
                 "from with:):\n";
    for (const auto& t : all_transforms()) {
      std::string usage = std::string(t.name) + (t.functions == 2 ? "(f, g" : "(f");
      for (auto param : t.params) usage += ", " + std::string(param);
      usage += ")";
      std::cout << fmt::format("  {:<20} {}\n", usage, t.definition);
    }
    std::cout << "\nElementary: + - * / ^ abs sign exp log sqrt sin cos atan tanh erf asinh pow min max "
                 "clip(a, lo, hi); constants pi, e; variable x\n";
    return 0;
  }
};

}  // namespace

Command register_functions(CLI::App& app) {
  auto command = std::make_shared<FunctionsCommand>();
  CLI::App* sub = app.add_subcommand("functions", "List the function catalog, transforms and operations");
  sub->add_flag("--json", command->json, "Print JSON instead of a table");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
