#include "fsearch/core/metric.h"

#include "fsearch/core/error.h"

namespace fsearch {

const MetricInfo& info(Metric metric) {
  static const MetricInfo kTestAcc{"test_acc", true, 1}, kFid{"fid", false, 2};
  return metric == Metric::Fid ? kFid : kTestAcc;
}

Metric parse_metric(std::string_view name) {
  for (auto m : {Metric::TestAcc, Metric::Fid}) {
    if (info(m).name == name) return m;
  }
  throw ConfigError("unknown metric '" + std::string(name) + "'", "use test_acc or fid");
}

}  // namespace fsearch
