#include "fsearch/search/space.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "fsearch/core/names.h"
#include "fsearch/core/yaml.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/norm_spec.h"
#include "fsearch/functions/parse.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/proxy_files.h"
#include "fsearch/search/expand.h"

namespace fsearch::search {
namespace {

std::string where(YamlMap& m, const std::string& key) {
  auto node = m.node(key);
  return (node ? m.where(*node) : m.file()) + ": " + m.qualified(key);
}

std::vector<TransformChoice> read_transforms(YamlMap& root) {
  std::vector<TransformChoice> out;
  auto node = root.node("transforms");
  if (!node) return out;
  if (!node->IsSequence()) throw ConfigError(where(root, "transforms") + ": expected a list");
  std::vector<std::string> names;
  for (const auto& info : functions::all_transforms()) names.emplace_back(info.name);
  for (std::size_t i = 0; i < node->size(); ++i) {
    YAML::Node item = (*node)[i];
    std::string path = "transforms[" + std::to_string(i) + "]";
    std::string kind_text;
    std::vector<double> values;
    std::vector<std::string> with;
    YamlMap location(YAML::Node(YAML::NodeType::Map), root.file(), path);
    if (item.IsScalar()) {
      kind_text = item.Scalar();
    } else {
      YamlMap m(item, root.file(), path);
      kind_text = m.require<std::string>("kind");
      values = m.get_list<double>("values", {});
      with = m.get_list<std::string>("with", {});
      for (std::size_t j = 0; j < with.size(); ++j) {
        if (functions::find_primitive(with[j])) continue;
        try {
          functions::parse(with[j]);
        } catch (const ConfigError& e) {
          const auto list = *m.node("with");
          throw ConfigError(location.where(list.IsSequence() ? list[j] : list) + ": " + path + ".with[" +
                                std::to_string(j) + "]: " + e.what(),
                            e.hint());
        }
      }
      m.finish();
    }
    auto kind = functions::transform_by_name(kind_text);
    if (!kind) {
      throw ConfigError(location.where(item) + ": " + path + ": unknown transform '" + kind_text + "'",
                        did_you_mean(kind_text, names));
    }
    const auto& info = functions::transform_info(*kind);
    if (info.params.empty() != values.empty()) {
      throw ConfigError(location.where(item) + ": " + path + ": " + kind_text +
                        (info.params.empty() ? " takes no values"
                                             : " needs values: [" + std::string(info.params[0]) + ", ...]"));
    }
    if ((info.functions == 2) == with.empty()) {
      throw ConfigError(location.where(item) + ": " + path + ": " + kind_text +
                            (info.functions == 2 ? " needs with: [g, ...] (the second function)"
                                                 : " takes one function: no with"),
                        info.functions == 2 ? "e.g. {kind: " + kind_text + ", with: [tanh, arcsinh]}" : "");
    }
    out.push_back({*kind, values, with});
  }
  return out;
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A named budget other than default fixes the length itself (quick: one epoch; smoke: 30 steps), and
// it wins over epochs: or steps: beside it; those are accepted only where they say the same.
void check_named_length(YamlMap& budget, const Space& space) {
  if (space.budget == "default" || (space.epochs <= 0 && space.steps <= 0)) return;
  jobs::JobSpec named;
  jobs::apply_budget(named, space.budget);
  const bool by_steps = named.train.steps > 0;
  const bool same = by_steps ? space.steps == named.train.steps && space.epochs <= 0
                             : space.epochs == named.train.epochs && space.steps <= 0;
  if (same) return;
  const std::string length =
      by_steps ? std::to_string(named.train.steps) + " steps" : number_text(named.train.epochs) + " epoch(s)";
  throw ConfigError(where(budget, space.steps > 0 ? "steps" : "epochs") + ": the named budget " + space.budget +
                        " trains " + length + "; a length beside its name would be ignored",
                    "drop name: to give the length yourself (the budget is then named after the sweep), or drop "
                    "the length");
}

// shift and alpha_init of `layer` (the space's layer, or one function's), defaulting to what they hold.
void read_layer_options(YamlMap& layer, std::vector<std::string>& shifts, std::vector<double>& alpha_inits) {
  shifts = layer.get_list<std::string>("shift", shifts);
  for (const auto& s : shifts) {
    try {
      functions::parse_shift_mode(s);
    } catch (const ConfigError& e) {
      throw ConfigError(where(layer, "shift") + ": " + e.what(), e.hint());
    }
  }
  alpha_inits = layer.get_list<double>("alpha_init", alpha_inits);
  for (double a : alpha_inits) {
    if (!(std::isfinite(a) && a > 0))
      throw ConfigError(where(layer, "alpha_init") + ": " + number_text(a) + " is not an initial alpha",
                        "alpha_init values are finite and positive (the paper's is 0.5)");
  }
}

// layer.by_function: {"erf(x)": {shift: [scalar]}, "tanh(x)": {shift: [none]}}; what a function
// leaves out, it takes from the layer. Two spellings of one function are one entry too many.
std::vector<FunctionLayer> read_by_function(YamlMap& layer, const Space& space) {
  std::vector<FunctionLayer> out;
  auto by_function = layer.map("by_function");
  for (const auto& function : by_function.keys()) {
    FunctionLayer entry{function, 0, where(by_function, function), space.shifts, space.alpha_inits};
    try {
      entry.fingerprint = functions::fingerprint(parse_primitive(function));
    } catch (const ConfigError& e) {
      throw ConfigError(entry.where + ": " + e.what(), e.hint());
    }
    for (const auto& other : out) {
      if (other.fingerprint == entry.fingerprint)
        throw ConfigError(entry.where + ": the same function as " + other.function, "give each function one entry");
    }
    auto options = by_function.map(function);
    read_layer_options(options, entry.shifts, entry.alpha_inits);
    options.finish();
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string to_string(StrategyKind kind) {
  return kind == StrategyKind::Halving ? "halving" : kind == StrategyKind::Evolution ? "evolution" : "grid";
}

Space load_space(const std::string& file) {
  auto root = YamlMap::load_file(file);
  Space space;
  space.file = file;
  space.name = root.get<std::string>("name", std::filesystem::path(file).stem().string());
  // The name names the sweep's run folder (<runs>/<name>): no path separators, no "..".
  const bool safe_name = !space.name.empty() && space.name[0] != '.' &&
                         std::all_of(space.name.begin(), space.name.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
                         });
  if (!safe_name) {
    throw ConfigError(where(root, "name") + ": '" + space.name + "' is not a sweep name",
                      "use letters, digits, '.', '_' and '-' (it names the sweep's run folder)");
  }
  space.primitives = root.get_list<std::string>("primitives", {});
  for (std::size_t i = 0; i < space.primitives.size(); ++i) {
    const auto& text = space.primitives[i];
    if (functions::find_primitive(text)) continue;
    try {
      functions::parse(text);
    } catch (const ConfigError& e) {
      auto node = *root.node("primitives");
      YamlMap at(YAML::Node(YAML::NodeType::Map), file);
      throw ConfigError(at.where(node.IsSequence() ? node[i] : node) + ": primitives[" + std::to_string(i) +
                            "]: " + e.what(),
                        e.hint());
    }
  }
  space.transforms = read_transforms(root);
  space.depth = root.get("depth", space.depth);
  if (space.depth < 0 || space.depth > 3) throw ConfigError(where(root, "depth") + ": must be 0 to 3");
  space.include_base = root.get("include_base", space.include_base);
  for (const auto& name : root.get_list<std::string>("require", {"all"})) {
    if (name == "all") {
      space.require = properties::all_properties();
    } else {
      try {
        space.require.push_back(properties::parse_property(name));
      } catch (const ConfigError& e) {
        throw ConfigError(where(root, "require") + ": " + e.what(), e.hint());
      }
    }
  }
  auto thresholds = root.map("thresholds");
  for (const auto& name : properties::threshold_names()) {
    if (thresholds.has(name))
      properties::set_threshold(space.thresholds, name, thresholds.get<double>(name, 0));
  }
  thresholds.finish();
  space.baselines = root.get_list<std::string>("baselines", {});
  for (const auto& b : space.baselines) {
    const auto& names = functions::baseline_names();
    if (std::find(names.begin(), names.end(), b) == names.end()) {
      throw ConfigError(where(root, "baselines") + ": unknown baseline '" + b + "'",
                        did_you_mean(b, names) + " (use layernorm, rmsnorm or groupnorm)");
    }
  }
  auto proxies = root.get_list<std::string>("proxies", {jobs::kDefaultProxy});
  for (const auto& p : proxies) space.proxies.push_back(jobs::find_proxy_file(p, file, where(root, "proxies")));
  space.lrs = root.get_list<double>("lrs", {});
  for (double lr : space.lrs) {
    if (!(std::isfinite(lr) && lr > 0))
      throw ConfigError(where(root, "lrs") + ": " + number_text(lr) + " is not a learning rate",
                        "learning rates are finite and positive, e.g. lrs: [1.0e-3, 4.0e-3]");
  }
  space.seeds = root.get_list<std::int64_t>("seeds", space.seeds);
  for (auto seed : space.seeds) {
    if (seed < 0)
      throw ConfigError(where(root, "seeds") + ": " + std::to_string(seed) + " is not a seed",
                        "seeds are whole numbers >= 0");
  }
  auto layer = root.map("layer");
  read_layer_options(layer, space.shifts, space.alpha_inits);
  space.by_function = read_by_function(layer, space);
  layer.finish();
  auto budget = root.map("budget");
  space.budget = budget.get<std::string>("name", space.budget);
  if (space.budget != "default" && space.budget != "quick" && space.budget != "smoke")
    throw ConfigError(where(budget, "name") + ": '" + space.budget + "' is not a named budget",
                      "use default (the proxy's own), quick (one epoch) or smoke (seconds); a budget given "
                      "by epochs or steps is named after the sweep");
  space.epochs = budget.get<double>("epochs", 0);
  if (budget.has("epochs") && !(std::isfinite(space.epochs) && space.epochs > 0))
    throw ConfigError(where(budget, "epochs") + ": must be positive (got " + number_text(space.epochs) + ")");
  space.steps = budget.get<std::int64_t>("steps", 0);
  if (budget.has("steps") && space.steps <= 0)
    throw ConfigError(where(budget, "steps") + ": must be positive (got " + std::to_string(space.steps) + ")");
  check_named_length(budget, space);
  budget.finish();
  space.max_attempts = root.get("max_attempts", space.max_attempts);
  space.eval_train_loss = root.get("eval_train_loss", space.eval_train_loss);
  if (space.max_attempts < 1) throw ConfigError(where(root, "max_attempts") + ": must be at least 1");
  const auto strategy = root.get<std::string>("strategy", "grid");
  if (strategy == "grid") {
    space.strategy = StrategyKind::Grid;
  } else if (strategy == "halving") {
    space.strategy = StrategyKind::Halving;
  } else if (strategy == "evolution") {
    space.strategy = StrategyKind::Evolution;
  } else {
    throw ConfigError(where(root, "strategy") + ": unknown strategy '" + strategy + "'",
                      "use grid (every job to its full budget), halving (successive halving, ASHA) or "
                      "evolution (regularized evolution over expressions)");
  }
  auto evolution = root.map("evolution");
  auto& ev = space.evolution;
  auto count = [&](const char* field, int& value, int low, int high) {
    value = evolution.get(field, value);
    if (value < low || value > high)
      throw ConfigError(where(evolution, field) + ": must be " + std::to_string(low) + " to " + std::to_string(high) +
                        " (got " + std::to_string(value) + ")");
  };
  count("population", ev.population, 2, 10000);
  count("tournament", ev.tournament, 1, 10000);
  count("children", ev.children, 1, 10000);
  count("generations", ev.generations, 0, 100000);
  count("max_transforms", ev.max_transforms, 0, 8);
  if (ev.tournament > ev.population)
    throw ConfigError(where(evolution, "tournament") + ": larger than the population (" +
                      std::to_string(ev.population) + ")");
  ev.seed = evolution.get("seed", ev.seed);
  auto weights = evolution.map("mutations");
  for (auto [field, value] : {std::pair<const char*, double*>{"primitive", &ev.w_primitive}, {"add", &ev.w_add},
                              {"remove", &ev.w_remove}, {"perturb", &ev.w_perturb}, {"compose", &ev.w_compose}}) {
    *value = weights.get(field, *value);
    if (!(std::isfinite(*value) && *value >= 0))
      throw ConfigError(where(weights, field) + ": a mutation weight is finite and >= 0 (got " +
                        number_text(*value) + ")");
  }
  if (ev.w_primitive + ev.w_add + ev.w_remove + ev.w_perturb + ev.w_compose <= 0)
    throw ConfigError(where(evolution, "mutations") + ": every weight is 0", "give at least one mutation a weight");
  weights.finish();
  evolution.finish();
  auto halving = root.map("halving");
  space.halving.eta = halving.get("eta", space.halving.eta);
  if (!(space.halving.eta >= 2 && space.halving.eta <= 16))
    throw ConfigError(where(halving, "eta") + ": must be 2 to 16 (got " + number_text(space.halving.eta) + ")",
                      "3 keeps the top third at each rung");
  space.halving.min_fraction = halving.get("min_fraction", space.halving.min_fraction);
  if (!(space.halving.min_fraction > 0 && space.halving.min_fraction < 1))
    throw ConfigError(where(halving, "min_fraction") + ": must be between 0 and 1 (got " +
                          number_text(space.halving.min_fraction) + ")",
                      "the first rung's share of the budget, e.g. 0.111 for rungs at 1/9, 1/3 and 1 with eta 3");
  space.halving.cooldown = halving.get("cooldown", space.halving.cooldown);
  if (!(space.halving.cooldown >= 0 && space.halving.cooldown <= 0.5))
    throw ConfigError(where(halving, "cooldown") + ": must be between 0 and 0.5 (got " +
                          number_text(space.halving.cooldown) + ")",
                      "the annealed branch's share of a rung's steps, e.g. 0.1; 0 scores without one");
  halving.finish();
  if (root.has("early_rejection") && root.node("early_rejection")->IsScalar()) {
    space.rejection.enabled = root.get<bool>("early_rejection", true);
  } else {
    auto rejection = root.map("early_rejection");
    auto& r = space.rejection;
    r.enabled = rejection.get("enabled", r.enabled);
    r.probe = rejection.get("probe", r.probe);
    r.min_loss_drop = rejection.get("min_loss_drop", r.min_loss_drop);
    r.min_accuracy_gain = rejection.get("min_accuracy_gain", r.min_accuracy_gain);
    auto check = [&](const char* field, double value, double low, bool low_ok) {
      if (!((low_ok ? value >= low : value > low) && value < 1))
        throw ConfigError(where(rejection, field) + ": must be in " + (low_ok ? "[" : "(") + number_text(low) +
                          ", 1) (got " + number_text(value) + ")");
    };
    check("probe", r.probe, 0, false);
    check("min_loss_drop", r.min_loss_drop, 0, true);
    check("min_accuracy_gain", r.min_accuracy_gain, 0, true);
    rejection.finish();
  }
  root.has("table");  // how `fsearch report` renders the sweep as a table (reports, docs/tables.md)
  root.finish();  // unknown keys first: a misspelt "primitivs:" is named, not taken for "no functions"
  if (space.primitives.empty() && space.baselines.empty()) {
    throw ConfigError(file + ": no functions to search", "list catalog names or expressions under primitives:");
  }
  return space;
}

}  // namespace fsearch::search
