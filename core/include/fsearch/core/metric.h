// What a proxy is scored by: the ViT's test accuracy or the DiT's FID. Each metric knows which way is
// better and how it is printed, so that no code compares names.
#pragma once

#include <string>
#include <string_view>

namespace fsearch {

enum class Metric { TestAcc, Fid };

struct MetricInfo {
  std::string_view name;  // as in the database and the JSON: test_acc | fid
  bool higher_is_better;
  int decimals;           // as tables print it: 82.6% and 64.93
};

const MetricInfo& info(Metric metric);
inline std::string_view to_string(Metric metric) { return info(metric).name; }
// Throws ConfigError naming the value.
Metric parse_metric(std::string_view name);
// True when a is a better value than b (NaN is never better).
inline bool better(Metric metric, double a, double b) {
  return info(metric).higher_is_better ? a > b : a < b;
}

}  // namespace fsearch
