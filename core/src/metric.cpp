#include "fsearch/core/metric.h"

#include "fsearch/core/error.h"

namespace fsearch {

// Tolerances: the paper calls accuracy gaps of 0.1-0.2 points "comparable" and prints +0.1 where its
// trend says equal; its FIDs move by about 0.5 between neighbouring cells; Table 13's losses differ
// in the third decimal, so any gap counts.
const MetricInfo& info(Metric metric) {
  static const MetricInfo kTestAcc{"test_acc", true, 1, "%", 0.3}, kFid{"fid", false, 2, "", 0.5},
      kLoss{"eval_train_loss", false, 4, "", 0.0};
  switch (metric) {
    case Metric::TestAcc: return kTestAcc;
    case Metric::Fid: return kFid;
    case Metric::EvalTrainLoss: return kLoss;
  }
  return kTestAcc;
}

Metric parse_metric(std::string_view name) {
  for (auto m : {Metric::TestAcc, Metric::Fid, Metric::EvalTrainLoss}) {
    if (info(m).name == name) return m;
  }
  throw ConfigError("unknown metric '" + std::string(name) + "'", "use test_acc, fid or eval_train_loss");
}

}  // namespace fsearch
