#include "fsearch/properties/json.h"

#include <cmath>

namespace fsearch::properties {

nlohmann::json to_json(const TestResult& r) {
  nlohmann::json measures = nlohmann::json::object();
  for (const auto& m : r.measures) {
    if (!m.text.empty()) {
      measures[m.name] = m.text;
    } else if (std::isfinite(m.value)) {
      measures[m.name] = m.value;
    } else {
      measures[m.name] = std::isnan(m.value) ? "nan" : (m.value > 0 ? "inf" : "-inf");
    }
  }
  return {{"pass", r.pass}, {"borderline", r.borderline}, {"reason", r.reason}, {"measures", measures}};
}

nlohmann::json to_json(const Analysis& analysis) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : analysis.results) out[to_string(r.property)] = to_json(r);
  return out;
}

}  // namespace fsearch::properties
