// `fsearch property`: the four property tests on functions, as a table or JSON.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "fsearch/core/error.h"
#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/properties/json.h"
#include "fsearch/properties/properties.h"
#include "fsearch/search/expand.h"
#include "fsearch/search/space.h"

namespace fsearch::cli {
namespace {

using properties::Property;
using properties::TestResult;

std::string short_number(double v) {
  return fmt::format("{:.3g}", v == 0 ? 0.0 : v);
}  // no "-0"

// The few numbers that explain a verdict at a glance.
std::string summary(const TestResult& r) {
  switch (r.property) {
    case Property::ZeroCenteredness:
      if (r.measures.size() < 3) return r.reason;
      return fmt::format("f(0) {} sym {}", short_number(r.measure("f0")),
                         short_number(r.measure("symmetry_error")));
    case Property::Boundedness:
      if (r.measures.size() < 3) return r.reason;
      if (r.pass)
        return fmt::format("[{}, {}]", short_number(r.measure("inf")), short_number(r.measure("sup")));
      return fmt::format("{} p={}", r.text("growth"), short_number(r.measure("growth_exponent")));
    case Property::CenterSensitivity:
      if (r.measures.size() < 2) return r.reason;
      return fmt::format("flat {} slope {}", short_number(r.measure("flat_halfwidth")),
                         short_number(r.measure("slope_at_0")));
    case Property::Monotonicity:
      if (r.measures.size() < 2) return r.text("direction");
      if (r.pass) return r.text("direction");
      return fmt::format("reversal {}%", short_number(100 * r.measure("reversal")));
  }
  return {};
}

std::string verdict(const TestResult& r) {
  return r.pass ? "pass" : (r.borderline ? "fail*" : "FAIL");
}

void apply_setting(properties::Thresholds& thresholds, const std::string& setting) {
  auto eq = setting.find('=');
  if (eq == std::string::npos) {
    throw ConfigError("--set " + setting + ": expected NAME=VALUE", "e.g. --set max_flat_halfwidth=0.05");
  }
  properties::set_threshold(thresholds, setting.substr(0, eq),
                            parse_number_list(setting.substr(eq + 1), "--set " + setting.substr(0, eq))[0]);
}

struct PropertyCommand {
  std::string test = "all";
  std::vector<std::string> expressions;
  bool catalog = false;
  std::string space;
  std::vector<std::string> settings;
  bool json = false;
  bool reasons = false;

  int run() const {
    std::vector<Property> which;
    if (test == "all") {
      which = properties::all_properties();
    } else {
      which = {properties::parse_property(test)};
    }
    properties::Thresholds thresholds;
    for (const auto& setting : settings) {
      auto eq = setting.find('=');
      if (eq == std::string::npos) {
        throw ConfigError("--set " + setting + ": expected NAME=VALUE", "e.g. --set max_flat_halfwidth=0.05");
      }
      properties::set_threshold(
          thresholds, setting.substr(0, eq),
          parse_number_list(setting.substr(eq + 1), "--set " + setting.substr(0, eq))[0]);
    }
    std::vector<functions::Expr> targets;
    if (!space.empty()) {
      auto loaded = search::load_space(space);
      targets = search::generate(loaded);
      thresholds = loaded.thresholds;  // the space's own thresholds, then --set on top
      for (const auto& setting : settings) apply_setting(thresholds, setting);
    }
    if (catalog) {
      for (const auto& entry : functions::catalog()) targets.push_back(functions::primitive(entry.name));
    }
    for (const auto& text : expressions) targets.push_back(functions::parse(text));
    if (targets.empty()) {
      throw ConfigError("no function to test",
                        "give --function EXPR (repeatable), --catalog or --space FILE");
    }

    nlohmann::json out = nlohmann::json::array();
    std::vector<std::vector<std::string>> rows;
    bool any_borderline = false;
    for (const auto& expr : targets) {
      auto candidate = functions::make_candidate(expr);
      auto analysis = properties::analyze(expr, which, thresholds);
      if (json) {
        nlohmann::json tests = properties::to_json(analysis);
        out.push_back({{"expression", candidate.text},
                       {"base", candidate.base},
                       {"fingerprint", to_hex(candidate.fingerprint)},
                       {"pass_all", analysis.pass_all()},
                       {"tests", tests}});
        continue;
      }
      std::vector<std::string> row = {candidate.text};
      for (const auto& r : analysis.results) {
        row.push_back(verdict(r) + " " + summary(r));
        any_borderline |= r.borderline;
      }
      if (which.size() > 1) row.push_back(analysis.pass_all() ? "pass" : "FAIL");
      rows.push_back(row);
      if (reasons) {
        for (const auto& r : analysis.results)
          rows.push_back({"  " + properties::to_string(r.property) + ": " + r.reason});
      }
    }
    if (json) {
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    print_table(which, rows);
    if (any_borderline)
      std::cout << "\nfail* = borderline: fails within a factor " << thresholds.borderline_factor
                << " of its threshold\n";
    return 0;
  }

  static void print_table(const std::vector<Property>& which,
                          const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::string> header = {"function"};
    for (Property p : which) header.push_back(properties::to_string(p));
    if (which.size() > 1) header.push_back("all four");
    std::vector<std::size_t> width(header.size(), 0);
    for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& row : rows) {
      if (row.size() == 1) continue;  // a reason line spans the table
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    auto print_row = [&](const std::vector<std::string>& row) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += row.size() == 1 ? row[c] : fmt::format("{:<{}}", row[c], width[c] + 2);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      std::cout << line << "\n";
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
  }
};

}  // namespace

Command register_property(CLI::App& app) {
  auto command = std::make_shared<PropertyCommand>();
  CLI::App* sub = app.add_subcommand(
      "property",
      "Measure the four properties of Section 3 (zero-centeredness, boundedness, center sensitivity,\n"
      "monotonicity) on functions and judge them against thresholds. Exit 0 whatever the verdicts.");
  sub->add_option("--test", command->test,
                  "zero-centeredness | boundedness | center-sensitivity | monotonicity | all")
      ->capture_default_str();
  sub->add_option("--function,-f", command->expressions, "Expression to test (repeatable)");
  sub->add_flag("--catalog", command->catalog, "Test every catalog function");
  sub->add_option("--space", command->space, "Test every candidate a search space generates");
  sub->add_option("--set", command->settings,
                  "Override a threshold, NAME=VALUE (repeatable): zero_center_tolerance, "
                  "bounded_growth_tolerance, logarithmic_exponent, linear_exponent, flat_tolerance, "
                  "max_flat_halfwidth, reversal_tolerance, borderline_factor");
  sub->add_flag("--reasons", command->reasons, "Print each test's reason under its row");
  sub->add_flag("--json", command->json, "Print JSON: every measurement, verdict and reason");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
