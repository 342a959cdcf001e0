// Regularized evolution over expressions: genomes, each mutation, fitness and aging, and breeding a
// generation on a real database -- the same results breed the same children.
#include "fsearch/search/evolution.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/program.h"
#include "fsearch/search/plan.h"
#include "fsearch/jobs/job_spec.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::search {
namespace {

namespace fs = std::filesystem;

Space small_space() {
  Space space;
  space.primitives = {"erf", "tanh", "isru", "arctan"};
  space.transforms = {{functions::TransformKind::HShift, {0.1}, {}}, {functions::TransformKind::Clip, {2}, {}}};
  space.require = {};
  space.proxies = {std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml"};
  space.baselines = {"layernorm"};
  space.strategy = StrategyKind::Evolution;
  space.evolution.population = 3;
  space.evolution.tournament = 2;
  space.evolution.children = 2;
  space.evolution.generations = 3;
  return space;
}

// Only one mutation has a weight.
Space only(double EvolutionSpec::*weight) {
  auto space = small_space();
  auto& e = space.evolution;
  e.w_primitive = e.w_add = e.w_remove = e.w_perturb = e.w_compose = 0;
  e.*weight = 1;
  return space;
}

TEST(Evolution, GenomesRoundTripAndBuildTheirFunction) {
  Genome g{"erf(x)", {{functions::TransformKind::HShift, {0.5}, ""}, {functions::TransformKind::Compose, {}, "tanh"}}};
  auto back = genome_from_json(to_json_text(g));
  EXPECT_EQ(to_json_text(back), to_json_text(g));
  EXPECT_EQ(functions::make_candidate(build(g)).text, functions::make_candidate(build(back)).text);
  double x = 0, y = 0, dy = 0;
  functions::Program(build(g)).evaluate(&x, &y, &dy, 1);
  EXPECT_NEAR(y, std::erf(0.5), 1e-12);  // hshift(erf, 0.5) at tanh(0) = 0
  EXPECT_THROW(genome_from_json(R"({"base": "erf", "genes": [{"kind": "twist"}]})"), StorageError);
  EXPECT_THROW(genome_from_json("[1]"), StorageError);
}

TEST(Evolution, TheGeneratorIsSeededAndPortable) {
  Random a(7, 1), b(7, 1), c(7, 2);
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Random(7, 1).next(), c.next());
  EXPECT_EQ(Random(0, 0).next(), 0xE220A8397B1DCDAFULL);  // splitmix64 from state 0: its published first value
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(a.below(5), 5u);
    const double u = a.uniform();
    EXPECT_GE(u, 0);
    EXPECT_LT(u, 1);
  }
}

TEST(Evolution, EachMutationDoesWhatItsNameSays) {
  const Genome parent{"erf(x)", {{functions::TransformKind::HShift, {0.1}, ""}}};
  Random random(3, 0);
  for (int i = 0; i < 20; ++i) {
    auto m = mutate(parent, only(&EvolutionSpec::w_add), random);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->child.genes.size(), 2u);
    EXPECT_EQ(m->description.rfind("add ", 0), 0u) << m->description;

    m = mutate(parent, only(&EvolutionSpec::w_remove), random);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->child.genes.empty());
    EXPECT_EQ(m->description, "remove hshift 0.1");

    m = mutate(parent, only(&EvolutionSpec::w_perturb), random);
    if (m) {  // e^u may round back to 0.1
      ASSERT_EQ(m->child.genes.size(), 1u);
      const double p = m->child.genes[0].params[0];
      EXPECT_GT(p, 0.1 * std::exp(-0.5) - 1e-3);
      EXPECT_LT(p, 0.1 * std::exp(0.5) + 1e-3);
      EXPECT_NE(p, 0.1);
    }

    m = mutate(parent, only(&EvolutionSpec::w_compose), random);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->child.genes.back().kind, functions::TransformKind::Compose);
    EXPECT_EQ(m->description, "compose with " + m->child.genes.back().with);

    m = mutate(parent, only(&EvolutionSpec::w_primitive), random);
    if (m) {  // drawing erf itself is no mutation
      EXPECT_NE(m->child.base, "erf");
      EXPECT_EQ(m->child.genes.size(), 1u);  // the transforms stay
    }
  }
  // What cannot apply does not: nothing to remove, a full chain, no constant to perturb.
  EXPECT_FALSE(mutate(Genome{"erf", {}}, only(&EvolutionSpec::w_remove), random));
  EXPECT_FALSE(mutate(Genome{"erf", {}}, only(&EvolutionSpec::w_perturb), random));
  auto full = only(&EvolutionSpec::w_add);
  full.evolution.max_transforms = 1;
  EXPECT_FALSE(mutate(parent, full, random));
}

// The population ages: the newest `population` members breed.
TEST(Evolution, ThePopulationIsTheNewestMembers) {
  std::vector<Member> all;
  for (int i = 0; i < 5; ++i) all.push_back({"fp" + std::to_string(i), {}, i / 2, i % 2, 0});
  EvolutionSpec spec;
  spec.population = 3;
  auto pool = population(all, spec);
  ASSERT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool[0].fingerprint, "fp2");
  EXPECT_EQ(pool[2].fingerprint, "fp4");
}

// A database with the initial population trained (fixed accuracies), bred twice from copies: the
// same children, parents and mutations, and jobs for the kept children only.
class Breeding : public ::testing::Test {
 protected:
  testing::TempDir root{"evolution"};

  std::vector<db::LineageRow> bred(const std::string& name, const std::vector<double>& accuracies) {
    db::Database db((root / (name + ".db")).string());
    auto space = small_space();
    const auto sweep = db.ensure_sweep("evo", "evo.yaml", "smoke", 1);
    auto screened = expand(space);
    for (const auto& s : screened) {
      db.upsert_candidate(candidate_row(s));
      db.link_candidate(sweep, to_hex(s.candidate.fingerprint), s.status, s.candidate.text);
    }
    auto initial = initial_population(space, screened);
    EXPECT_EQ(initial.size(), 3u);
    record_initial_population(db, sweep, initial);
    const auto runs = (root / (name + "-runs")).string();
    EXPECT_EQ(breed(db, sweep, space, runs, "smoke"), 0);  // nothing trained yet: no children
    auto planned = plan_jobs(space, initial, runs, "smoke");
    std::size_t i = 0;
    for (const auto& p : planned) {
      db.add_job(sweep, p.row);
      db.mark_running(p.row.key, 1, 2);
      db::ResultRow r;
      r.key = p.row.key;
      r.status = "done";
      r.test_acc = p.row.fingerprint.empty() ? 0.9 : accuracies.at(i++);
      db.record_result(r, db::JobState::Done, 3);
    }
    added_ = breed(db, sweep, space, runs, "smoke");
    jobs_ = db.jobs(sweep);
    return db.lineage(sweep);
  }
  int added_ = 0;
  std::vector<db::JobRow> jobs_;
};

TEST_F(Breeding, TheSameResultsBreedTheSameChildren) {
  auto first = bred("a", {0.5, 0.7, 0.6});
  const int added = added_;
  auto second = bred("b", {0.5, 0.7, 0.6});
  ASSERT_EQ(first.size(), second.size());
  ASSERT_GT(first.size(), 3u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].fingerprint, second[i].fingerprint) << i;
    EXPECT_EQ(first[i].parent, second[i].parent) << i;
    EXPECT_EQ(first[i].mutation, second[i].mutation) << i;
    EXPECT_EQ(first[i].status, second[i].status) << i;
  }
  int kept = 0;
  for (const auto& row : first) {
    if (row.generation == 0) continue;
    EXPECT_EQ(row.generation, 1);
    EXPECT_FALSE(row.parent.empty());
    kept += row.status == db::CandidateStatus::Kept;
  }
  EXPECT_EQ(kept, 2);  // children per generation
  EXPECT_EQ(added, 2);  // one job each (one proxy, one seed, no baseline again)
  // Different results, different parents: the tournament follows fitness.
  auto other = bred("c", {0.9, 0.1, 0.1});
  bool differs = other.size() != first.size();
  for (std::size_t i = 3; !differs && i < first.size(); ++i) differs = other[i].parent != first[i].parent;
  EXPECT_TRUE(differs);
}

TEST_F(Breeding, AGenerationIsBredOnlyWhenTheLastHasFinished) {
  bred("d", {0.5, 0.7, 0.6});
  db::Database db((root / "d.db").string());
  const auto sweep = *db.sweep_id("evo");
  const auto before = db.lineage(sweep).size();
  EXPECT_EQ(breed(db, sweep, small_space(), (root / "d-runs").string(), "smoke"), 0);  // generation 1 pending
  EXPECT_EQ(db.lineage(sweep).size(), before);
}

}  // namespace
}  // namespace fsearch::search
