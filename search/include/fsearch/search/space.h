// A search space file (configs/space.yaml): which functions to generate, which properties must hold,
// and how to train each kept candidate. Read strictly: unknown keys, wrong types and bad expressions
// are errors naming the file, line and field.
#pragma once

#include <cstdint>
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

// How a sweep spends its compute (docs/search.md).
enum class StrategyKind { Grid, Halving, Evolution };
std::string to_string(StrategyKind kind);

// Successive halving, asynchronous (ASHA): rungs at min_fraction, min_fraction*eta, ... of the
// budget, up to the whole budget; a job paused at a rung continues when it is in the top 1/eta of
// the jobs that reached that rung so far.
struct HalvingSpec {
  double eta = 3;
  double min_fraction = 1.0 / 9;
  // Score each rung on an annealed branch of this fraction of the rung's steps (SearchControl's
  // cooldown); 0 scores the model as it stands, before its learning rate has decayed.
  double cooldown = 0;
};

// Regularized (aging) evolution over expressions (Real et al. 2019): a population of `population`
// candidates drawn from the space; each generation breeds `children` children, each a mutation of
// the best of `tournament` members sampled at random; a child is screened and deduplicated before it
// costs any training; the oldest members leave as children arrive. Seeded: the same results give
// the same children.
struct EvolutionSpec {
  int population = 12;
  int tournament = 4;
  int children = 4;      // per generation
  int generations = 6;   // after the initial population
  int max_transforms = 3;  // transforms a mutation may stack on a member
  std::uint64_t seed = 0;
  // Relative weights of the mutations: another primitive, add a transform, remove one, perturb a
  // transform's constant, compose with a primitive (f(g(x))).
  double w_primitive = 1, w_add = 1, w_remove = 1, w_perturb = 1, w_compose = 0.5;
};

// Early rejection, for every strategy: after `probe` of the budget (and the warmup), a job whose
// smoothed loss fell by less than min_loss_drop of its start, or (classifier) whose accuracy is
// within min_accuracy_gain of chance, stops as "rejected".
struct RejectionSpec {
  bool enabled = true;
  double probe = 0.1;
  double min_loss_drop = 0.02;
  double min_accuracy_gain = 0.01;
};

// layer.by_function: one function's layer options, in place of the layer's own for it. Table 13
// reads Derf (erf with s) and DyT (tanh without): crossing both functions with both shifts would
// train two cells it never reads.
struct FunctionLayer {
  std::string function;  // as written (a catalog name or an expression)
  std::uint64_t fingerprint = 0;  // what candidates are matched by
  std::string where;     // file:line:column: layer.by_function.<function>, for errors found when planning
  std::vector<std::string> shifts;
  std::vector<double> alpha_inits;
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
  std::vector<FunctionLayer> by_function;
  std::string budget = "default";  // default | smoke (overridable from the command line)
  double epochs = 0;               // > 0: overrides the proxies' epochs
  std::int64_t steps = 0;          // > 0: overrides the proxies' budget in steps
  int max_attempts = 3;
  bool eval_train_loss = false;    // every job also measures its eval-mode training loss (Table 13)
  StrategyKind strategy = StrategyKind::Grid;
  HalvingSpec halving;
  EvolutionSpec evolution;
  RejectionSpec rejection;
};

// Throws ConfigError naming file:line and field.
Space load_space(const std::string& file);

}  // namespace fsearch::search
