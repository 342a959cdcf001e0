// A search space file (configs/space.yaml): which functions to generate, which properties must hold,
// and how to train each kept candidate. Read strictly: unknown keys, wrong types and bad expressions
// are errors naming the file, line and field.
#pragma once

#include <string>
#include <vector>

#include "fsearch/functions/transforms.h"
#include "fsearch/properties/properties.h"

namespace fsearch::search {

struct TransformChoice {
  functions::TransformKind kind;
  std::vector<double> values;     // one candidate per value (empty for transforms without a parameter)
  std::vector<std::string> with;  // compose, concat: the second function g, one candidate per entry
};

struct Space {
  std::string file, name;
  std::vector<std::string> primitives;  // catalog names or expressions
  std::vector<TransformChoice> transforms;
  int depth = 1;                              // longest transform chain
  bool include_base = true;                   // keep the untransformed primitives too
  std::vector<properties::Property> require;  // properties a candidate must satisfy to be trained
  properties::Thresholds thresholds;
  std::vector<std::string> baselines;  // layernorm, rmsnorm
  std::vector<std::string> proxies;    // proxy files, resolved to existing paths
  std::vector<double> lrs;             // empty: the proxy's own
  std::vector<std::int64_t> seeds = {0};
  std::vector<std::string> shifts = {"scalar"};
  std::vector<double> alpha_inits = {0.5};
  std::string budget = "default";  // default | smoke (overridable from the command line)
  double epochs = 0;               // > 0: overrides the proxies' epochs
  std::int64_t steps = 0;          // > 0: overrides the proxies' budget in steps
  int max_attempts = 3;
};

// Throws ConfigError naming file:line and field.
Space load_space(const std::string& file);

}  // namespace fsearch::search
