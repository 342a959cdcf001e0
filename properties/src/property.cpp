#include <cmath>
#include <utility>

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"
#include "fsearch/properties/properties.h"

namespace fsearch::properties {
namespace {

std::vector<std::pair<std::string, double Thresholds::*>> threshold_fields() {
  return {{"zero_center_tolerance", &Thresholds::zero_center_tolerance},
          {"bounded_growth_tolerance", &Thresholds::bounded_growth_tolerance},
          {"logarithmic_exponent", &Thresholds::logarithmic_exponent},
          {"linear_exponent", &Thresholds::linear_exponent},
          {"flat_tolerance", &Thresholds::flat_tolerance},
          {"max_flat_halfwidth", &Thresholds::max_flat_halfwidth},
          {"reversal_tolerance", &Thresholds::reversal_tolerance},
          {"borderline_factor", &Thresholds::borderline_factor}};
}

}  // namespace

void set_threshold(Thresholds& thresholds, const std::string& name, double value) {
  for (const auto& [field, member] : threshold_fields()) {
    if (field == name) {
      if (!(value >= 0) || !std::isfinite(value)) {
        throw ConfigError("threshold " + name + " must be a finite number >= 0");
      }
      thresholds.*member = value;
      return;
    }
  }
  std::string hint = did_you_mean(name, threshold_names());
  throw ConfigError(
      "unknown threshold '" + name + "'", (hint.empty() ? "" : hint + " ") + "known: " + join_names(threshold_names()));
}

std::vector<std::string> threshold_names() {
  std::vector<std::string> names;
  for (const auto& field : threshold_fields()) names.push_back(field.first);
  return names;
}

const std::vector<Property>& all_properties() {
  static const std::vector<Property> kAll = {Property::ZeroCenteredness, Property::Boundedness,
                                             Property::CenterSensitivity, Property::Monotonicity};
  return kAll;
}

std::string to_string(Property property) {
  switch (property) {
    case Property::ZeroCenteredness: return "zero-centeredness";
    case Property::Boundedness: return "boundedness";
    case Property::CenterSensitivity: return "center-sensitivity";
    case Property::Monotonicity: return "monotonicity";
  }
  return "?";
}

Property parse_property(const std::string& name) {
  for (Property p : all_properties()) {
    if (to_string(p) == name) return p;
  }
  throw ConfigError("unknown property '" + name + "'",
                    "use zero-centeredness, boundedness, center-sensitivity, monotonicity or all");
}

double TestResult::measure(const std::string& name) const {
  for (const auto& m : measures) {
    if (m.name == name) return m.value;
  }
  throw std::out_of_range("no measure '" + name + "' in " + to_string(property));
}

const std::string& TestResult::text(const std::string& name) const {
  for (const auto& m : measures) {
    if (m.name == name) return m.text;
  }
  throw std::out_of_range("no measure '" + name + "' in " + to_string(property));
}

bool Analysis::pass_all() const {
  for (const auto& r : results) {
    if (!r.pass) return false;
  }
  return true;
}

const TestResult* Analysis::find(Property property) const {
  for (const auto& r : results) {
    if (r.property == property) return &r;
  }
  return nullptr;
}

}  // namespace fsearch::properties
