// What a table cell shows: the ViT's test accuracy, the DiT's FID, or the eval-mode training loss
// (Table 13, Appendix E). Each metric knows which way is better, how it is printed and how large a
// gap the paper treats as noise, so that no code compares names.
#pragma once

#include <string>
#include <string_view>

namespace fsearch {

enum class Metric { TestAcc, Fid, EvalTrainLoss };

struct MetricInfo {
  std::string_view name;  // as in the database and the JSON: test_acc | fid | eval_train_loss
  bool higher_is_better;
  int decimals;           // as tables print it: 82.6%, 64.93 and 0.2681
  std::string_view unit;  // "%" after accuracy (stored as a fraction, printed in %)
  double tolerance;       // a gap the paper does not count as an ordering (0.3 points, 0.5 FID)
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
