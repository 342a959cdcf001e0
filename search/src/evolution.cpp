#include "fsearch/search/evolution.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/transforms.h"
#include "fsearch/search/plan.h"
#include "fsearch/jobs/job_spec.h"

namespace fsearch::search {
namespace {

// Attempts per child slot before a generation gives up on breeding more (a space whose screen
// rejects almost everything, or that has been explored to exhaustion).
constexpr int kAttemptsPerChild = 25;

double round3(double v) {  // three significant digits: constants people can read
  if (v == 0 || !std::isfinite(v)) return v;
  const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::fabs(v))));
  return std::round(v * scale) / scale;
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

std::string gene_text(const Gene& g) {
  std::string text(functions::transform_info(g.kind).name);
  if (!g.with.empty()) text += " " + g.with;
  for (double p : g.params) text += " " + number(p);
  return text;
}

}  // namespace

std::string to_json_text(const Genome& genome) {
  nlohmann::json genes = nlohmann::json::array();
  for (const auto& g : genome.genes) {
    genes.push_back({{"kind", std::string(functions::transform_info(g.kind).name)}, {"params", g.params},
                     {"with", g.with}});
  }
  return nlohmann::json{{"base", genome.base}, {"genes", genes}}.dump();
}

Genome genome_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  try {
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not an object");
    Genome g;
    g.base = j.at("base").get<std::string>();
    for (const auto& gene : j.at("genes")) {
      auto kind = functions::transform_by_name(gene.at("kind").get<std::string>());
      if (!kind) throw std::runtime_error("unknown transform");
      g.genes.push_back({*kind, gene.at("params").get<std::vector<double>>(), gene.at("with").get<std::string>()});
    }
    return g;
  } catch (const std::exception& e) {
    throw StorageError("a genome in the database is malformed (" + std::string(e.what()) + "): " + text);
  }
}

functions::Expr build(const Genome& genome) {
  auto expr = parse_primitive(genome.base);
  for (const auto& g : genome.genes) {
    std::vector<functions::Expr> operands = {expr};
    if (!g.with.empty()) operands.push_back(parse_primitive(g.with));
    expr = functions::transform(g.kind, operands, g.params);
  }
  return expr;
}

Random::Random(std::uint64_t seed, std::uint64_t stream)
    : state_(seed * 0x9E3779B97F4A7C15ULL + stream * 0xD1B54A32D192ED03ULL) {}

std::uint64_t Random::next() {  // splitmix64
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::size_t Random::below(std::size_t n) {
  return n == 0 ? 0 : static_cast<std::size_t>(next() % n);
}

double Random::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::optional<Mutation> mutate(const Genome& parent, const Space& space, Random& random) {
  const auto& e = space.evolution;
  const double weights[] = {e.w_primitive, e.w_add, e.w_remove, e.w_perturb, e.w_compose};
  double total = 0;
  for (double w : weights) total += w;
  double draw = random.uniform() * total;
  int which = 0;
  while (which < 4 && draw >= weights[which]) draw -= weights[which++];

  Mutation m{parent, ""};
  auto& genes = m.child.genes;
  const bool full = static_cast<int>(genes.size()) >= e.max_transforms;
  switch (which) {
    case 0: {  // another primitive under the same transforms
      if (space.primitives.size() < 2) return std::nullopt;
      const auto& next = space.primitives[random.below(space.primitives.size())];
      if (functions::make_candidate(parse_primitive(next)).text == functions::make_candidate(parse_primitive(parent.base)).text)
        return std::nullopt;  // the same primitive, spelled as a name or as its expression
      m.child.base = next;
      m.description = "primitive " + parent.base + " -> " + next;
      break;
    }
    case 1: {  // add a transform of the space, at a random place in the chain
      if (space.transforms.empty() || full) return std::nullopt;
      const auto& choice = space.transforms[random.below(space.transforms.size())];
      Gene g{choice.kind, {}, ""};
      if (!choice.values.empty()) g.params.push_back(choice.values[random.below(choice.values.size())]);
      if (!choice.with.empty()) g.with = choice.with[random.below(choice.with.size())];
      const auto at = random.below(genes.size() + 1);
      genes.insert(genes.begin() + static_cast<std::ptrdiff_t>(at), g);
      m.description = "add " + gene_text(g);
      break;
    }
    case 2: {  // remove one of the transforms evolution added
      if (genes.empty()) return std::nullopt;
      const auto at = random.below(genes.size());
      m.description = "remove " + gene_text(genes[at]);
      genes.erase(genes.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    }
    case 3: {  // perturb a constant: times e^u, u uniform in [-0.5, 0.5]
      std::vector<std::size_t> with_params;
      for (std::size_t i = 0; i < genes.size(); ++i)
        if (!genes[i].params.empty()) with_params.push_back(i);
      if (with_params.empty()) return std::nullopt;
      auto& g = genes[with_params[random.below(with_params.size())]];
      auto& p = g.params[random.below(g.params.size())];
      const double before = p;
      p = round3(p * std::exp(random.uniform() - 0.5));
      if (p == before) return std::nullopt;
      m.description = "perturb " + std::string(functions::transform_info(g.kind).name) + " " + number(before) +
                      " -> " + number(p);
      break;
    }
    default: {  // compose: f(g(x)) with g a primitive of the space
      if (full || space.primitives.empty()) return std::nullopt;
      Gene g{functions::TransformKind::Compose, {}, space.primitives[random.below(space.primitives.size())]};
      genes.push_back(g);
      m.description = "compose with " + g.with;
      break;
    }
  }
  return m;
}

std::vector<Member> members(db::Database& db, std::int64_t sweep) {
  // Per member and proxy: the metric over its seeds (a failed seed scores worst).
  std::map<std::string, std::map<std::string, std::vector<double>>> metric;  // fingerprint -> proxy -> values
  std::set<std::string> open;
  for (const auto& job : db.jobs(sweep)) {
    if (job.fingerprint.empty()) continue;  // baselines are not members
    if (job.state == db::JobState::Pending || job.state == db::JobState::Running ||
        job.state == db::JobState::Paused) {
      open.insert(job.fingerprint);
      continue;
    }
    double value = -INFINITY;
    if (job.state == db::JobState::Done) {
      if (auto r = db.result(job.key)) {
        value = std::isfinite(r->fid) ? -r->fid : std::isfinite(r->test_acc) ? r->test_acc : -INFINITY;
      }
    }
    metric[job.fingerprint][job.proxy].push_back(value);
  }
  std::vector<Member> out;
  std::set<std::string> seen;
  for (const auto& row : db.lineage(sweep)) {
    if (row.status != db::CandidateStatus::Kept || open.count(row.fingerprint) || !metric.count(row.fingerprint))
      continue;
    if (!seen.insert(row.fingerprint).second) continue;
    out.push_back({row.fingerprint, genome_from_json(row.genome), row.generation, row.index, 0});
  }
  // Rank per proxy among the members (mean over seeds; ties share the lower rank), 0 worst .. 1 best.
  std::set<std::string> proxies;
  for (const auto& [_, by_proxy] : metric)
    for (const auto& [proxy, __] : by_proxy) proxies.insert(proxy);
  for (const auto& proxy : proxies) {
    std::vector<std::pair<double, std::size_t>> scored;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto& values = metric[out[i].fingerprint][proxy];
      double mean = 0;
      for (double v : values) mean += v;
      scored.push_back({values.empty() ? -INFINITY : mean / static_cast<double>(values.size()), i});
    }
    std::sort(scored.begin(), scored.end());
    for (std::size_t r = 0; r < scored.size(); ++r) {
      std::size_t rank = r;
      while (rank > 0 && scored[rank - 1].first == scored[r].first) --rank;
      out[scored[r].second].fitness +=
          (scored.size() > 1 ? static_cast<double>(rank) / static_cast<double>(scored.size() - 1) : 1.0) /
          static_cast<double>(proxies.size());
    }
  }
  return out;
}

std::vector<Member> population(const std::vector<Member>& all, const EvolutionSpec& spec) {
  const auto n = std::min(all.size(), static_cast<std::size_t>(spec.population));
  return {all.end() - static_cast<std::ptrdiff_t>(n), all.end()};
}

std::vector<Screened> initial_population(const Space& space, const std::vector<Screened>& screened) {
  std::vector<const Screened*> kept;
  for (const auto& s : screened)
    if (s.status == db::CandidateStatus::Kept) kept.push_back(&s);
  Random random(space.evolution.seed, 0);
  for (std::size_t i = kept.size(); i > 1; --i) std::swap(kept[i - 1], kept[random.below(i)]);  // Fisher-Yates
  kept.resize(std::min(kept.size(), static_cast<std::size_t>(space.evolution.population)));
  std::vector<Screened> out;
  for (const auto* s : kept) out.push_back(*s);
  return out;
}

void record_initial_population(db::Database& db, std::int64_t sweep, const std::vector<Screened>& initial) {
  if (!db.lineage(sweep).empty()) return;  // recorded by an earlier run of the sweep
  db.transaction([&] {
    std::int64_t index = 0;
    for (const auto& s : initial) {
      db.add_lineage(sweep, {0, index++, to_hex(s.candidate.fingerprint), s.candidate.text,
                             to_json_text(Genome{s.candidate.text, {}}), "", "initial population",
                             db::CandidateStatus::Kept, ""});
    }
  });
}

int breed(db::Database& db, std::int64_t sweep, const Space& space, const std::string& runs_root,
          const std::string& budget) {
  const auto counts = db.job_counts(sweep);
  auto count = [&](db::JobState s) { return counts.count(s) ? counts.at(s) : 0; };
  if (count(db::JobState::Pending) + count(db::JobState::Running) + count(db::JobState::Paused) > 0) return 0;
  const auto lineage = db.lineage(sweep);
  if (lineage.empty()) return 0;  // not an evolutionary sweep (or its population was not recorded)
  const std::int64_t generation = lineage.back().generation + 1;
  if (generation > space.evolution.generations) return 0;

  const auto pool = population(members(db, sweep), space.evolution);
  if (pool.empty()) return 0;
  std::set<std::string> seen;  // every function the sweep has screened, by fingerprint
  for (const auto& row : lineage) seen.insert(row.fingerprint);
  for (const auto& [spelling, fingerprint] : db.spellings(sweep)) seen.insert(fingerprint);

  Random random(space.evolution.seed, static_cast<std::uint64_t>(generation));
  std::vector<db::LineageRow> rows;
  std::vector<Screened> kept;
  const int wanted = space.evolution.children;
  for (int attempt = 0; static_cast<int>(kept.size()) < wanted && attempt < wanted * kAttemptsPerChild; ++attempt) {
    // Tournament: the fittest of `tournament` members drawn without replacement (ties: the newer).
    std::vector<std::size_t> order(pool.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto draws = std::min(order.size(), static_cast<std::size_t>(space.evolution.tournament));
    std::size_t best = 0;
    for (std::size_t i = 0; i < draws; ++i) {
      std::swap(order[i], order[i + random.below(order.size() - i)]);
      if (i == 0 || pool[order[i]].fitness >= pool[best].fitness) best = order[i];
    }
    const auto& parent = pool[best];
    auto mutation = mutate(parent.genome, space, random);
    if (!mutation) continue;
    db::LineageRow row;
    row.generation = generation;
    row.index = static_cast<std::int64_t>(rows.size());
    row.genome = to_json_text(mutation->child);
    row.parent = parent.fingerprint;
    row.mutation = mutation->description;
    functions::Expr expr;
    try {
      expr = build(mutation->child);
    } catch (const ConfigError& e) {
      continue;  // a transform that does not apply (e.g. rescale of an unbounded function): no child
    }
    auto screened = screen(expr, space);
    row.fingerprint = to_hex(screened.candidate.fingerprint);
    row.expression = screened.candidate.text;
    if (!seen.insert(row.fingerprint).second) {
      row.status = db::CandidateStatus::Duplicate;
      row.reason = "a function this sweep has seen before";
    } else if (!screened.pass) {
      row.status = db::CandidateStatus::Rejected;
      row.reason = screened.reasons;
    } else {
      row.status = db::CandidateStatus::Kept;
      kept.push_back(screened);
    }
    screened.status = row.status;
    rows.push_back(row);
    if (row.status != db::CandidateStatus::Duplicate) {
      db.upsert_candidate(candidate_row(screened));  // outside the transaction below: idempotent
    }
  }
  Space children_space = space;
  children_space.baselines.clear();  // the baselines trained with the initial population
  const auto planned = plan_jobs(children_space, kept, runs_root, budget);
  int added = 0;
  db.transaction([&] {
    for (const auto& row : rows) {
      db.add_lineage(sweep, row);
      if (row.status != db::CandidateStatus::Duplicate) db.link_candidate(sweep, row.fingerprint, row.status, row.expression);
    }
    for (const auto& p : planned) {
      if (db.add_job(sweep, p.row)) {
        ++added;
        jobs::prepare_run_dir(p.spec, p.row.run_dir);
      }
    }
  });
  return added;
}

}  // namespace fsearch::search
