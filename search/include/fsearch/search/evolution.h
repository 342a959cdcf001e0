// Regularized (aging) evolution over expressions (Real et al. 2019; EvoNorm searches norm layers
// the same way): the decisions, apart from the scheduler.
//
// A member's genome is a base expression (a primitive, or a whole candidate of the space) and a
// chain of transforms added by mutations. Generation 0 is `population` candidates the space's
// screen kept, drawn with the seed. Each later generation breeds `children` children: for each, a
// tournament samples members of the population and the fittest is mutated; the child is screened
// (the space's required properties, finiteness) and compared by fingerprint with everything the
// sweep has seen before it costs any training. Rejected and duplicate children are recorded with
// the reason and cost nothing. The population is the newest `population` kept members: the oldest
// leave as children arrive (aging). A generation is bred when the previous one has finished, with
// a generator seeded by (seed, generation), so the same results always breed the same children and
// a killed sweep breeds exactly what it would have.
//
// Fitness: per proxy, the member's metric (test accuracy, or minus FID) averaged over its seeds and
// ranked among the members (0 worst, 1 best); the mean over proxies. A job that diverged or was
// rejected scores worst. With several proxies this is EvoNorm's multi-architecture selection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/functions/expr.h"
#include "fsearch/search/expand.h"
#include "fsearch/search/space.h"

namespace fsearch::search {

struct Gene {
  functions::TransformKind kind;
  std::vector<double> params;
  std::string with;  // compose, concat: the second function g
};

struct Genome {
  std::string base;  // a catalog name or an expression
  std::vector<Gene> genes;  // innermost first
};

std::string to_json_text(const Genome& genome);
Genome genome_from_json(const std::string& text);  // throws StorageError on a malformed genome
// The genome's function; throws ConfigError when a transform does not apply to what it wraps.
functions::Expr build(const Genome& genome);

// A small, portable generator (the standard distributions differ between libraries).
class Random {
 public:
  Random(std::uint64_t seed, std::uint64_t stream);
  std::uint64_t next();
  std::size_t below(std::size_t n);  // uniform in [0, n)
  double uniform();                   // in [0, 1)

 private:
  std::uint64_t state_;
};

struct Mutation {
  Genome child;
  std::string description;  // e.g. "add hshift 0.5", "perturb flat 0.5 -> 0.62", "compose with tanh"
};
// One mutation drawn with the space's weights; nothing when the drawn one does not apply (nothing to
// remove, the chain is full, the space has no transforms).
std::optional<Mutation> mutate(const Genome& parent, const Space& space, Random& random);

struct Member {
  std::string fingerprint;
  Genome genome;
  std::int64_t generation = 0, index = 0;
  double fitness = 0;
};
// The sweep's members with finished jobs, oldest first, with their fitness.
std::vector<Member> members(db::Database& db, std::int64_t sweep);
// The population a generation breeds from: the newest `population` members.
std::vector<Member> population(const std::vector<Member>& members, const EvolutionSpec& spec);

// Generation 0: the first `population` kept candidates of the screened space, in an order drawn
// with the seed (the same space and seed give the same population).
std::vector<Screened> initial_population(const Space& space, const std::vector<Screened>& screened);
void record_initial_population(db::Database& db, std::int64_t sweep, const std::vector<Screened>& initial);

// Breeds the next generation when none of the sweep's jobs is pending, running or paused and
// generations remain: records every child (lineage), its candidate and, for kept children, their
// jobs (run directories prepared), in one transaction. Returns the number of jobs added.
int breed(db::Database& db, std::int64_t sweep, const Space& space, const std::string& runs_root,
          const std::string& budget);

}  // namespace fsearch::search
