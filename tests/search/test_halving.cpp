// Successive halving (ASHA): the rungs, the promotion decisions on fixtures, and their application
// to a real database and run directories.
#include "fsearch/search/halving.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"
#include "temp_dir.h"

namespace fsearch::search {
namespace {

namespace fs = std::filesystem;

db::RungRow at(const std::string& key, double fraction, double score, std::int64_t total = 900) {
  return {key, static_cast<std::int64_t>(std::llround(fraction * total)), fraction, score, "test_acc", 0};
}

// A job of the sweep: its own arm unless `label` (the candidate) is shared with other seeds.
db::JobRow job(const std::string& key, db::JobState state = db::JobState::Paused, const std::string& label = "",
               std::int64_t seed = 0) {
  db::JobRow row;
  row.key = key;
  row.label = label.empty() ? key : label;
  row.proxy = "vit-tiny";
  row.seed = seed;
  row.state = state;
  return row;
}

std::vector<db::JobRow> paused_jobs(const std::vector<std::string>& keys) {
  std::vector<db::JobRow> out;
  for (const auto& k : keys) out.push_back(job(k));
  return out;
}

std::vector<std::string> keys(const std::vector<Promotion>& promotions) {
  std::vector<std::string> out;
  for (const auto& p : promotions) out.push_back(p.key);
  return out;
}

TEST(Halving, RungsGrowByEtaUpToTheWholeBudget) {
  auto r = rung_fractions({3, 1.0 / 9});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0], 1.0 / 9);
  EXPECT_DOUBLE_EQ(r[1], 1.0 / 3);
  EXPECT_DOUBLE_EQ(r[2], 1);
  EXPECT_EQ(rung_fractions({2, 0.25}), (std::vector<double>{0.25, 0.5, 1}));
  EXPECT_EQ(rung_fractions({3, 0.34}), (std::vector<double>{0.34, 1}));  // 1.02: the last rung is the budget
  // A rung 0.111 of the budget is recorded as its step over the total, e.g. 100 of 901 steps.
  EXPECT_EQ(rung_of(r, 100.0 / 901), 0);
  EXPECT_EQ(rung_of(r, 0.05), -1);
  EXPECT_EQ(rung_of(r, 1.0 / 3), 1);
}

TEST(Halving, TopThirdOfARungIsPromotedAsSoonAsItIsKnown) {
  const HalvingSpec spec{3, 1.0 / 9};
  auto jobs = paused_jobs({"a", "b", "c", "d", "e", "f"});
  // Two results: floor(2 / 3) = 0, nobody yet (asynchronous: no waiting for the whole rung).
  std::vector<db::RungRow> rungs = {at("a", 1.0 / 9, 0.50), at("b", 1.0 / 9, 0.60)};
  EXPECT_TRUE(halving_decisions(spec, jobs, rungs, {}).empty());
  // A third: the best of the three continues to the next rung.
  rungs.push_back(at("c", 1.0 / 9, 0.40));
  auto d = halving_decisions(spec, jobs, rungs, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].key, "b");
  EXPECT_EQ(d[0].from_step, 100);
  EXPECT_EQ(d[0].to_rung, 1);
  EXPECT_DOUBLE_EQ(d[0].to_fraction, 1.0 / 3);
  EXPECT_NE(d[0].reason.find("rank 1 of 3 at rung 0"), std::string::npos) << d[0].reason;
  // Once promoted it is not promoted again; six results make a quota of two: a (0.50) is second.
  std::set<std::pair<std::string, std::int64_t>> promoted = {{"b", 100}};
  jobs[1].state = db::JobState::Running;
  rungs.push_back(at("d", 1.0 / 9, 0.10));
  rungs.push_back(at("e", 1.0 / 9, 0.20));
  rungs.push_back(at("f", 1.0 / 9, 0.30));
  EXPECT_EQ(keys(halving_decisions(spec, jobs, rungs, promoted)), (std::vector<std::string>{"a"}));
}

// The quota bounds a rung's top, not its promotions: an arm that arrives after a promotion and ranks
// above it is promoted too (ASHA's behaviour; with eta 3 four arms can send two on).
TEST(Halving, ALateArmAboveThePromotedOneIsPromotedToo) {
  const HalvingSpec spec{3, 1.0 / 9};
  auto jobs = paused_jobs({"a", "b", "c", "d"});
  std::vector<db::RungRow> rungs = {at("a", 1.0 / 9, 0.50), at("b", 1.0 / 9, 0.60), at("c", 1.0 / 9, 0.40)};
  EXPECT_EQ(keys(halving_decisions(spec, jobs, rungs, {})), (std::vector<std::string>{"b"}));
  const std::set<std::pair<std::string, std::int64_t>> promoted = {{"b", 100}};
  jobs[1].state = db::JobState::Running;
  rungs.push_back(at("d", 1.0 / 9, 0.55));  // below b: floor(4 / 3) = 1 is taken
  EXPECT_TRUE(halving_decisions(spec, jobs, rungs, promoted).empty());
  rungs.back().score = 0.70;  // above b: d is now the rung's top one
  auto d = halving_decisions(spec, jobs, rungs, promoted);
  ASSERT_EQ(keys(d), (std::vector<std::string>{"d"}));
  EXPECT_NE(d[0].reason.find("rank 1 of 4 at rung 0"), std::string::npos) << d[0].reason;
}

TEST(Halving, JobsWithoutAScoreOrNotPausedAreNeverPromoted) {
  const HalvingSpec spec{3, 1.0 / 9};
  std::vector<db::RungRow> rungs = {at("a", 1.0 / 9, NAN), at("b", 1.0 / 9, NAN), at("c", 1.0 / 9, NAN)};
  EXPECT_TRUE(halving_decisions(spec, paused_jobs({"a", "b", "c"}), rungs, {}).empty());
  rungs = {at("a", 1.0 / 9, 0.9), at("b", 1.0 / 9, 0.5), at("c", 1.0 / 9, 0.1)};
  auto jobs = paused_jobs({"a", "b", "c"});
  jobs[0].state = db::JobState::Running;  // a is running (or finished)
  EXPECT_TRUE(halving_decisions(spec, jobs, rungs, {}).empty());
}

TEST(Halving, TheSecondRungPromotesToTheFullBudget) {
  const HalvingSpec spec{3, 1.0 / 9};
  std::vector<db::RungRow> rungs;
  for (std::string k : {"a", "b", "c"}) rungs.push_back(at(k, 1.0 / 9, 0.5));
  rungs.push_back(at("a", 1.0 / 3, 0.7));
  rungs.push_back(at("b", 1.0 / 3, 0.8));
  rungs.push_back(at("c", 1.0 / 3, 0.6));
  std::set<std::pair<std::string, std::int64_t>> promoted = {{"a", 100}, {"b", 100}, {"c", 100}};
  auto d = halving_decisions(spec, paused_jobs({"a", "b", "c"}), rungs, promoted);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].key, "b");
  EXPECT_EQ(d[0].to_rung, 2);
  EXPECT_DOUBLE_EQ(d[0].to_fraction, 1);
  // Results at the last rung (the whole budget) promote nothing further.
  rungs = {at("a", 1, 0.9), at("b", 1, 0.8), at("c", 1, 0.7)};
  EXPECT_TRUE(halving_decisions(spec, paused_jobs({"a", "b", "c"}), rungs, {}).empty());
}

TEST(Halving, DecisionsDependOnTheResultsNotOnTheirOrder) {
  const HalvingSpec spec{3, 1.0 / 9};
  std::vector<db::RungRow> rungs;
  std::vector<db::JobRow> jobs;
  for (int i = 0; i < 27; ++i) {
    const std::string key = "job" + std::to_string(i);
    rungs.push_back(at(key, 1.0 / 9, (i * 7 % 27) / 27.0 + (i % 5 == 0 ? 0.0 : 0.001)));
    jobs.push_back(job(key));
  }
  rungs.push_back(at("tie1", 1.0 / 9, 0.99));  // ties are broken by key
  rungs.push_back(at("tie0", 1.0 / 9, 0.99));
  jobs.push_back(job("tie0"));
  jobs.push_back(job("tie1"));
  const auto expected = keys(halving_decisions(spec, jobs, rungs, {}));
  EXPECT_EQ(expected.size(), 29u / 3);
  EXPECT_EQ(expected[0], "tie0");
  std::mt19937 shuffle(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(rungs.begin(), rungs.end(), shuffle);
    std::shuffle(jobs.begin(), jobs.end(), shuffle);
    EXPECT_EQ(keys(halving_decisions(spec, jobs, rungs, {})), expected);
  }
}

// With several seeds, halving ranks a candidate by its mean over them and promotes its seeds
// together: one lucky seed does not carry a candidate, nor does one unlucky seed sink it.
TEST(Halving, SeedsOfACandidateArePromotedTogetherOnTheirMean) {
  const HalvingSpec spec{3, 1.0 / 9};
  std::vector<db::JobRow> jobs;
  std::vector<db::RungRow> rungs;
  const std::map<std::string, std::vector<double>> scores = {
      {"A", {0.9, 0.1, 0.2}}, {"B", {0.5, 0.5, 0.5}}, {"C", {0.3, 0.3, 0.3}}};
  for (const auto& [arm, per_seed] : scores) {
    for (int seed = 0; seed < 3; ++seed) {
      const std::string key = arm + std::to_string(seed);
      jobs.push_back(job(key, db::JobState::Paused, arm, seed));
      rungs.push_back(at(key, 1.0 / 9, per_seed[static_cast<std::size_t>(seed)]));
    }
  }
  auto d = halving_decisions(spec, jobs, rungs, {});
  EXPECT_EQ(keys(d), (std::vector<std::string>{"B0", "B1", "B2"}));  // A has the best seed, B the best mean
  ASSERT_FALSE(d.empty());
  EXPECT_NE(d[0].reason.find("rank 1 of 3 at rung 0"), std::string::npos) << d[0].reason;
  EXPECT_NE(d[0].reason.find("test_acc 0.5, mean of 3 seeds"), std::string::npos) << d[0].reason;

  // An arm is ranked once none of its seeds is still on its way to the rung: with B's last seed
  // still training, only A and C have reached it (n = 2, nobody yet).
  auto waiting = jobs;
  waiting[5].state = db::JobState::Running;
  auto partial = rungs;
  partial.erase(partial.begin() + 5);
  EXPECT_TRUE(halving_decisions(spec, waiting, partial, {}).empty());
  // A seed that diverged before the rung leaves its arm without a score: B is never promoted, and
  // A (0.4) now leads C (0.3).
  waiting[5].state = db::JobState::Diverged;
  EXPECT_EQ(keys(halving_decisions(spec, waiting, partial, {})), (std::vector<std::string>{"A0", "A1", "A2"}));
}

// apply_strategy on a real database and run directories: the paused job's job.json moves its
// pause to the next rung, its paused result is set aside, and the decision is recorded.
TEST(Halving, PromotionRewritesTheJobAndRecordsTheDecision) {
  const testing::TempDir root("halving");
  db::Database db((root / "h.db").string());
  Space space;
  space.strategy = StrategyKind::Halving;
  const auto sweep = db.ensure_sweep("h", "h.yaml", "default", 1);
  jobs::JobSpec spec;
  spec.norm = functions::norm_preset("layernorm");
  spec.search.pause_at = 1.0 / 9;
  for (int seed = 0; seed < 3; ++seed) {
    spec.seed = static_cast<std::uint64_t>(seed);
    db::JobRow row;
    row.key = jobs::job_key(spec);
    row.label = std::vector<std::string>{"erf(x)", "tanh(x)", "arctan(x)"}[static_cast<std::size_t>(seed)];
    row.proxy = "vit-tiny";
    row.spec_json = "{}";
    row.run_dir = (root / row.key).string();
    jobs::prepare_run_dir(spec, row.run_dir);
    db.add_job(sweep, row);
    db.mark_running(row.key, 1, 2);
    std::ofstream(jobs::RunDir{row.run_dir}.result()) << R"({"status": "paused", "steps": 100})";
    db.record_rung({row.key, 100, 1.0 / 9, 0.5 + 0.1 * seed, "test_acc", 0}, 3 + seed);
  }
  EXPECT_EQ(apply_strategy(db, sweep, space, 10), 1);
  EXPECT_EQ(apply_strategy(db, sweep, space, 11), 0);  // decided once
  auto pending = db.jobs(sweep, db::JobState::Pending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].priority, 1);
  const auto promoted = jobs::read_job_file(jobs::RunDir{pending[0].run_dir}.job().string());
  EXPECT_EQ(promoted.seed, 2u);  // the best score
  EXPECT_DOUBLE_EQ(promoted.search.pause_at, 1.0 / 3);
  EXPECT_EQ(jobs::job_key(promoted), pending[0].key);  // same job, same key
  EXPECT_FALSE(fs::exists(jobs::RunDir{pending[0].run_dir}.result()));
  EXPECT_TRUE(fs::exists(fs::path(pending[0].run_dir) / "rung-100.json"));
  ASSERT_EQ(db.promotions(sweep).size(), 1u);
  EXPECT_DOUBLE_EQ(db.promotions(sweep)[0].decided_at, 10);

  // A grid sweep over the same jobs continues the others to their full budget.
  space.strategy = StrategyKind::Grid;
  EXPECT_EQ(apply_strategy(db, sweep, space, 12), 2);
  for (const auto& job : db.jobs(sweep, db::JobState::Pending)) {
    if (job.key == pending[0].key) continue;
    EXPECT_DOUBLE_EQ(jobs::read_job_file(jobs::RunDir{job.run_dir}.job().string()).search.pause_at, 0);
  }
}

}  // namespace
}  // namespace fsearch::search
