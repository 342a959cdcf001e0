#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/functions/parse.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/search/expand.h"
#include "fsearch/search/plan.h"
#include "fsearch/search/space.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::search {
namespace {

namespace fs = std::filesystem;

std::string write_space(const std::string& name, const std::string& text) {
  static const fsearch::testing::TempDir dir("space-tests");  // removed when the tests end
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

const std::string kProxy = std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml";

std::string error_of(const std::string& text) {
  auto file = write_space("bad.yaml", text);
  try {
    load_space(file);
  } catch (const ConfigError& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "no error";
}

TEST(Space, TheDefaultSpaceLoads) {
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml");
  EXPECT_EQ(space.name, "quick");
  EXPECT_EQ(space.require.size(), 4u);
  EXPECT_EQ(space.baselines, std::vector<std::string>{"layernorm"});
  EXPECT_TRUE(fs::exists(space.proxies.at(0)));
}

// A table file is a space with a table: section (docs/tables.md) that only the reports read.
// A space written anywhere, run from anywhere: without `proxies:` it trains the shipped vit-tiny,
// and a shipped proxy can be named instead of given by path.
TEST(Space, ShippedProxiesAreFoundByNameFromAnyDirectory) {
  const auto shipped = [](const std::string& name) {
    return fs::canonical(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + name + ".yaml");
  };
  auto space = load_space(write_space("no-proxies.yaml", "primitives: [erf]\n"));
  ASSERT_EQ(space.proxies.size(), 1u);
  EXPECT_EQ(fs::canonical(space.proxies[0]), shipped("vit-tiny"));
  space = load_space(write_space("named.yaml", "primitives: [erf]\nproxies: [dit-b, vit-small.yaml]\n"));
  ASSERT_EQ(space.proxies.size(), 2u);
  EXPECT_EQ(fs::canonical(space.proxies[0]), shipped("dit-b"));
  EXPECT_EQ(fs::canonical(space.proxies[1]), shipped("vit-small"));
  // A file beside the space file wins over a shipped proxy of the same name.
  write_space("dit-b", "model: {proxy: vit}\n");
  space = load_space(write_space("beside.yaml", "primitives: [erf]\nproxies: [dit-b]\n"));
  EXPECT_EQ(fs::path(space.proxies.at(0)).parent_path(), fs::path(write_space("x", "")).parent_path());
  const auto typo = error_of("primitives: [erf]\nproxies: [vit-tiy]\n");
  EXPECT_NE(typo.find("bad.yaml:2"), std::string::npos) << typo;
  EXPECT_NE(typo.find("proxy file 'vit-tiy' not found"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean vit-tiny"), std::string::npos) << typo;
  // A path into a folder is a path, never a shipped name.
  EXPECT_NE(error_of("primitives: [erf]\nproxies: [elsewhere/vit-tiny]\n").find("not found"), std::string::npos);
}

TEST(Space, EveryTableFileLoadsAsASpace) {
  int tables = 0;
  for (const auto& entry : fs::directory_iterator(std::string(FSEARCH_SOURCE_DIR) + "/configs/tables")) {
    auto space = load_space(entry.path().string());
    EXPECT_EQ(space.name, entry.path().stem().string());
    ++tables;
  }
  EXPECT_EQ(tables, 15);
}

// Every space and proxy file the repository ships outside configs/tables loads: the calibration
// rounds (configs/calibration/, spaces and the proxies they use) and the benchmarks' spaces
// (tools/bench/). The evolution benchmark's space once named a transform with a value it does not
// take and failed only when the benchmark was first run at a real budget.
TEST(Space, EveryShippedSpaceAndProxyFileLoads) {
  int spaces = 0, proxies = 0;
  for (const char* folder : {"/configs/calibration", "/tools/bench", "/configs/proxies"}) {
    for (const auto& entry : fs::directory_iterator(std::string(FSEARCH_SOURCE_DIR) + folder)) {
      if (entry.path().extension() != ".yaml") continue;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const bool proxy = text.rfind("model:", 0) == 0 || text.find("\nmodel:") != std::string::npos;
      SCOPED_TRACE(entry.path().string());
      if (proxy) {
        jobs::JobSpec spec;
        EXPECT_NO_THROW(jobs::read_proxy_file(entry.path().string(), spec));
        ++proxies;
      } else {
        EXPECT_NO_THROW(expand(load_space(entry.path().string())));
        ++spaces;
      }
    }
  }
  EXPECT_GE(spaces, 13);
  EXPECT_GE(proxies, 8);
}

TEST(Space, ErrorsNameFileLineAndField) {
  EXPECT_NE(
      error_of("primitives: [erf]\ndpeth: 2\nproxies: [" + kProxy + "]\n").find(":2:1: dpeth: unknown key"),
      std::string::npos);
  EXPECT_NE(error_of("primitives: [erf]\ndpeth: 2\nproxies: [" + kProxy + "]\n").find("did you mean depth"),
            std::string::npos);
  auto bad_expr = error_of("primitives:\n  - erf\n  - tahn(x)\n");
  EXPECT_NE(bad_expr.find(":3:5: primitives[1]: in expression \"tahn(x)\" at column 1"), std::string::npos)
      << bad_expr;
  EXPECT_NE(bad_expr.find("did you mean tanh"), std::string::npos) << bad_expr;
  auto bad_kind = error_of("primitives: [erf]\ntransforms:\n  - {kind: hshfit, values: [1]}\n");
  EXPECT_NE(bad_kind.find(":3:5: transforms[0]: unknown transform 'hshfit'"), std::string::npos) << bad_kind;
  EXPECT_NE(bad_kind.find("did you mean hshift"), std::string::npos) << bad_kind;
  EXPECT_NE(error_of("primitives: [erf]\ntransforms: [hshift]\n").find("hshift needs values"),
            std::string::npos);
  EXPECT_NE(error_of("primitives: [erf]\ndepth: many\n").find(":2:8: depth: expected an integer, got 'many'"),
            std::string::npos);
  EXPECT_NE(
      error_of("primitives: [erf]\nproxies: [nowhere.yaml]\n").find("proxy file 'nowhere.yaml' not found"),
      std::string::npos);
  EXPECT_NE(error_of("primitives: [erf]\nrequire: [bounded]\n").find("unknown property 'bounded'"),
            std::string::npos);
  EXPECT_NE(error_of("primitives: [erf]\nproxies: [" + kProxy + "]\nlayer: {shift: [both]}\n")
                .find("unknown shift mode 'both'"),
            std::string::npos);
  const std::string by_function = "primitives: [erf]\nproxies: [" + kProxy + "]\nlayer:\n  by_function:\n";
  auto bad_function = error_of(by_function + "    \"tahn(x)\": {shift: [none]}\n");
  EXPECT_NE(bad_function.find(":5:16: layer.by_function.tahn(x): in expression \"tahn(x)\""), std::string::npos)
      << bad_function;
  EXPECT_NE(bad_function.find("did you mean tanh"), std::string::npos) << bad_function;
  auto bad_key = error_of(by_function + "    erf: {shfit: [none]}\n");
  EXPECT_NE(bad_key.find(":5:11: layer.by_function.erf.shfit: unknown key"), std::string::npos) << bad_key;
  EXPECT_NE(bad_key.find("did you mean shift"), std::string::npos) << bad_key;
  auto bad_shift = error_of(by_function + "    erf: {shift: [both]}\n");
  EXPECT_NE(bad_shift.find(":5:18: layer.by_function.erf.shift: unknown shift mode 'both'"), std::string::npos)
      << bad_shift;
  auto twice = error_of(by_function + "    erf: {shift: [none]}\n    \"-(-erf(x))\": {shift: [scalar]}\n");
  EXPECT_NE(twice.find(":6:19: layer.by_function.-(-erf(x)): the same function as erf"), std::string::npos) << twice;
}

// Values that used to pass silently (issue: ignored, stored wrong, or failing later elsewhere) are
// errors naming the file, line and field.
TEST(Space, BadValuesAreErrorsAtTheirLine) {
  const std::string head = "primitives: [erf]\nproxies: [" + kProxy + "]\n";
  auto e = error_of(head + "budget: {epochs: -3}\n");
  EXPECT_NE(e.find(":3:18: budget.epochs: must be positive (got -3)"), std::string::npos) << e;
  e = error_of(head + "budget: {steps: 0}\n");
  EXPECT_NE(e.find("budget.steps: must be positive (got 0)"), std::string::npos) << e;
  e = error_of(head + "budget: {name: mine, steps: 100}\n");
  EXPECT_NE(e.find(":3:16: budget.name: 'mine' is not a named budget"), std::string::npos) << e;
  // A named budget fixes its own length: a different one beside it would be ignored, so it is refused.
  e = error_of(head + "budget: {name: smoke, steps: 60}\n");
  EXPECT_NE(e.find(":3:30: budget.steps: the named budget smoke trains 30 steps"), std::string::npos) << e;
  e = error_of(head + "budget: {name: quick, epochs: 3}\n");
  EXPECT_NE(e.find("budget.epochs: the named budget quick trains 1 epoch(s)"), std::string::npos) << e;
  EXPECT_EQ(error_of(head + "budget: {name: quick, epochs: 1}\n"), "no error");  // the calibration spaces' form
  e = error_of(head + "seeds: [0, -1]\n");
  EXPECT_NE(e.find(":3:8: seeds: -1 is not a seed"), std::string::npos) << e;
  for (const char* lr : {".inf", ".nan", "-0.01", "0"}) {
    e = error_of(head + "lrs: [" + lr + "]\n");
    EXPECT_NE(e.find(":3:6: lrs: "), std::string::npos) << lr << ": " << e;
    EXPECT_NE(e.find("is not a learning rate"), std::string::npos) << lr << ": " << e;
  }
  e = error_of(head + "layer: {alpha_init: [.nan]}\n");
  EXPECT_NE(e.find("layer.alpha_init: nan is not an initial alpha"), std::string::npos) << e;
  e = error_of(head + "max_attempts: 0\n");
  EXPECT_NE(e.find("max_attempts: must be at least 1"), std::string::npos) << e;
  // A misspelt key is named, not taken for an empty space.
  e = error_of("primitivs: [erf]\nproxies: [" + kProxy + "]\n");
  EXPECT_NE(e.find(":1:1: primitivs: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean primitives"), std::string::npos) << e;
  EXPECT_NE(error_of("proxies: [" + kProxy + "]\n").find("no functions to search"), std::string::npos);
  // A sweep name is a folder name: no way out of --runs.
  for (const char* name : {"../../x", "/tmp/x", "a b", ".hidden"}) {
    e = error_of(std::string("name: \"") + name + "\"\n" + head);
    EXPECT_NE(e.find(":1:7: name: '" + std::string(name) + "' is not a sweep name"), std::string::npos) << e;
  }
}

TEST(Space, StrategyAndEarlyRejectionAreReadAndChecked) {
  const std::string head = "primitives: [erf]\nproxies: [" + kProxy + "]\n";
  auto file = write_space("halving.yaml", head +
                                              "strategy: halving\nhalving: {eta: 2, min_fraction: 0.25, cooldown: 0.1}\n"
                                              "early_rejection: {probe: 0.2, min_loss_drop: 0.05}\n");
  auto space = load_space(file);
  EXPECT_EQ(space.strategy, StrategyKind::Halving);
  EXPECT_DOUBLE_EQ(space.halving.eta, 2);
  EXPECT_DOUBLE_EQ(space.halving.min_fraction, 0.25);
  EXPECT_TRUE(space.rejection.enabled);
  EXPECT_DOUBLE_EQ(space.rejection.probe, 0.2);
  EXPECT_DOUBLE_EQ(space.rejection.min_loss_drop, 0.05);
  EXPECT_DOUBLE_EQ(space.rejection.min_accuracy_gain, 0.01);
  // Planned jobs carry the controls: the first rung and the probe; the key does not change.
  auto planned = plan_jobs(space, expand(space), "/tmp/runs", "smoke");
  ASSERT_FALSE(planned.empty());
  EXPECT_DOUBLE_EQ(planned[0].spec.search.pause_at, 0.25);
  EXPECT_DOUBLE_EQ(planned[0].spec.search.cooldown, 0.1);
  EXPECT_TRUE(planned[0].spec.search.reject);
  EXPECT_DOUBLE_EQ(planned[0].spec.search.probe, 0.2);
  auto grid = load_space(write_space("grid.yaml", head + "early_rejection: false\n"));
  EXPECT_EQ(grid.strategy, StrategyKind::Grid);
  EXPECT_FALSE(grid.rejection.enabled);
  auto grid_jobs = plan_jobs(grid, expand(grid), "/tmp/runs", "smoke");
  EXPECT_DOUBLE_EQ(grid_jobs[0].spec.search.pause_at, 0);
  EXPECT_DOUBLE_EQ(grid_jobs[0].spec.search.cooldown, 0);
  EXPECT_EQ(grid_jobs[0].row.key, planned[0].row.key);

  auto e = error_of(head + "strategy: halfing\n");
  EXPECT_NE(e.find(":3:11: strategy: unknown strategy 'halfing'"), std::string::npos) << e;
  e = error_of(head + "halving: {eta: 1}\n");
  EXPECT_NE(e.find("halving.eta: must be 2 to 16 (got 1)"), std::string::npos) << e;
  e = error_of(head + "halving: {min_fraction: 1.5}\n");
  EXPECT_NE(e.find("halving.min_fraction: must be between 0 and 1 (got 1.5)"), std::string::npos) << e;
  e = error_of(head + "halving: {cooldown: 0.8}\n");
  EXPECT_NE(e.find("halving.cooldown: must be between 0 and 0.5 (got 0.8)"), std::string::npos) << e;
  e = error_of(head + "early_rejection: {probe: 0}\n");
  EXPECT_NE(e.find("early_rejection.probe: must be in (0, 1) (got 0)"), std::string::npos) << e;
  e = error_of(head + "early_rejection: {prob: 0.1}\n");
  EXPECT_NE(e.find("early_rejection.prob: unknown key"), std::string::npos) << e;
  e = error_of(head + "early_rejection: maybe\n");
  EXPECT_NE(e.find("early_rejection"), std::string::npos) << e;
}

TEST(Expand, CountsCandidatesWithoutMakingThem) {
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml");
  EXPECT_EQ(count_candidates(space), static_cast<double>(generate(space).size()));  // 28
  // The probe's space that died with bad_alloc: 3 transforms x 100 values, depth 3, 7 primitives.
  std::string values;
  for (int i = 1; i <= 100; ++i) values += (i > 1 ? ", " : "") + std::to_string(i * 0.01);
  auto file = write_space("huge.yaml",
                          "name: huge\nprimitives: [erf, tanh, arctan, isru, arcsinh, logsign, linear]\n"
                          "transforms:\n  - {kind: hshift, values: [" +
                              values +
                              "]}\n"
                              "  - {kind: vshift, values: [" +
                              values +
                              "]}\n"
                              "  - {kind: flat, values: [" +
                              values + "]}\ndepth: 3\nproxies: [" + kProxy + "]\n");
  // Per primitive: 1 + 3*100 * (1 + 2*100 * (1 + 2*100)) chains.
  EXPECT_EQ(count_candidates(load_space(file)), 7.0 * (1 + 300.0 * (1 + 200.0 * (1 + 200.0))));
}

// compose and concat take their second function from `with`: one candidate per entry and value.
TEST(Expand, TwoFunctionTransformsTakeTheirSecondFunctionFromWith) {
  auto file = write_space("with.yaml",
                          "name: with\nprimitives: [erf, tanh]\ninclude_base: false\nrequire: []\n"
                          "transforms:\n  - {kind: compose, with: [arcsinh, \"x^3\"]}\n"
                          "  - {kind: concat, with: [isru], values: [0, 0.5]}\n"
                          "  - {kind: inclip, values: [2]}\n"
                          "  - {kind: rotate, values: [0.3, 0.7]}\nproxies: [" +
                              kProxy + "]\n");
  auto space = load_space(file);
  ASSERT_EQ(space.transforms.size(), 4u);
  EXPECT_EQ(space.transforms[0].with, (std::vector<std::string>{"arcsinh", "x^3"}));
  auto generated = generate(space);
  // The count is an upper bound: it includes the two turns by 0.7 that generation skips (below).
  EXPECT_EQ(count_candidates(space), static_cast<double>(generated.size()) + 2);
  std::set<std::string> texts;
  for (const auto& e : generated) texts.insert(functions::to_text(e));
  // rotate by 0.7 folds both graphs over (tan 0.7 times a slope of 1 or more exceeds 0.8): skipped.
  EXPECT_EQ(texts.size(), 2u * (2 + 2 + 1 + 1));
  for (const char* text : {"compose(erf, arcsinh)", "compose(tanh, x^3)", "concat(erf, isru, 0.5)",
                           "concat(tanh, isru, 0)", "inclip(erf, 2)", "rotate(tanh, 0.3)"}) {
    EXPECT_EQ(texts.count(text), 1u) << text;
  }
  EXPECT_NE(error_of("name: w\nprimitives: [erf]\ntransforms: [compose]\n")
                .find("transforms[0]: compose needs with: [g, ...]"),
            std::string::npos);
  EXPECT_NE(error_of("name: w\nprimitives: [erf]\ntransforms:\n  - {kind: flat, values: [1], with: [tanh]}\n")
                .find("flat takes one function: no with"),
            std::string::npos);
  const auto bad_g = error_of("name: w\nprimitives: [erf]\ntransforms:\n  - {kind: compose, with: [tahn]}\n");
  EXPECT_NE(bad_g.find("bad.yaml:4:28: transforms[0].with[0]: "), std::string::npos) << bad_g;
  EXPECT_NE(bad_g.find("did you mean tanh"), std::string::npos) << bad_g;
}

TEST(Expand, ScreensAndMergesDuplicates) {
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml");
  auto screened = expand(space);
  ASSERT_EQ(screened.size(), 28u);  // 7 primitives x (itself + 3 transforms)
  std::map<std::string, std::string> status;
  for (const auto& s : screened) status[s.candidate.text] = db::to_string(s.status);
  EXPECT_EQ(status["erf(x)"], "kept");
  EXPECT_EQ(status["clip(erf, 1)"], "duplicate");  // erf never leaves [-1, 1]
  EXPECT_EQ(status["clip(arcsinh, 1)"], "kept");
  EXPECT_EQ(status["arcsinh(x)"], "rejected");
  EXPECT_EQ(status["hshift(tanh, 0.5)"], "rejected");
  EXPECT_EQ(status["flat(erf, 0.5)"], "rejected");
  for (const auto& s : screened) {
    if (s.candidate.text == "flat(erf, 0.5)") {
      EXPECT_NE(s.reasons.find("center-sensitivity:"), std::string::npos);
    }
    if (s.candidate.text == "linear(x)") {
      EXPECT_NE(s.reasons.find("boundedness: linear or faster"), std::string::npos);
    }
  }
}

// Even a space that requires no property (the paper's property study) does not train a function
// that is NaN or infinite somewhere: it is rejected with the point named.
TEST(Expand, NonFiniteCandidatesAreRejectedWhateverTheSpaceRequires) {
  auto file = write_space("finite.yaml",
                          "name: finite\nprimitives: [erf, \"x/0\", \"clip(x, 0/0, 1)\"]\nrequire: []\n"
                          "proxies: [" +
                              kProxy + "]\n");
  auto screened = expand(load_space(file));
  ASSERT_EQ(screened.size(), 3u);
  EXPECT_EQ(screened[0].status, db::CandidateStatus::Kept);
  for (std::size_t i : {1u, 2u}) {
    EXPECT_EQ(screened[i].status, db::CandidateStatus::Rejected) << screened[i].candidate.text;
    EXPECT_NE(screened[i].reasons.find("finite: f is not finite at x = "), std::string::npos)
        << screened[i].reasons;
  }
}

// Table 13's space asks every job for its eval-mode training loss: the jobs say so, and they are
// other jobs than the same models trained without the measurement (whose results lack it).
TEST(Plan, EvalTrainLossReachesTheJobsAndTheirKeys) {
  auto table13 = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table13.yaml");
  EXPECT_TRUE(table13.eval_train_loss);
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml");
  EXPECT_FALSE(space.eval_train_loss);
  auto screened = expand(space);
  auto without = plan_jobs(space, screened, "/tmp/runs", "smoke");
  space.eval_train_loss = true;
  auto with = plan_jobs(space, screened, "/tmp/runs", "smoke");
  ASSERT_EQ(with.size(), without.size());
  for (std::size_t i = 0; i < with.size(); ++i) {
    EXPECT_TRUE(with[i].spec.runtime.eval_train_loss);
    EXPECT_FALSE(without[i].spec.runtime.eval_train_loss);
    EXPECT_NE(with[i].row.key, without[i].row.key);
  }
}

// A DiT job measures its eval-mode training loss always, so the flag is not in its key: Table 13's
// DiT cells are the jobs Tables 7 and 14 train. A classifier's stays keyed (a whole extra pass).
TEST(Plan, EvalTrainLossKeysClassifierJobsOnly) {
  for (const auto* name : {"vit-tiny", "dit-b"}) {
    jobs::JobSpec spec;
    jobs::read_proxy_file(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + name + ".yaml", spec);
    spec.norm.function = "erf(x)";
    const auto without = jobs::job_key(spec);
    spec.runtime.eval_train_loss = true;
    EXPECT_EQ(jobs::job_key(spec) == without, std::string(name) == "dit-b") << name;
  }
}

// layer.by_function: a function (by fingerprint, whatever its spelling) trains with its own layer
// options, the others with the layer's.
TEST(Plan, ByFunctionGivesAFunctionItsOwnLayerOptions) {
  auto file = write_space("by-function.yaml", "primitives: [erf, tanh, arctan]\nrequire: []\nproxies: [" +
                                                  kProxy +
                                                  "]\nlayer:\n  shift: [none, scalar]\n  by_function:\n"
                                                  "    erf: {shift: [scalar]}\n"
                                                  "    \"-(-tanh(x))\": {shift: [none], alpha_init: [1]}\n");
  auto space = load_space(file);
  auto screened = expand(space);
  check_by_function(space, screened);
  std::multiset<std::string> cells;
  for (const auto& job : plan_jobs(space, screened, "/tmp/runs", "smoke"))
    cells.insert(job.row.label + " " + job.row.shift + " " + std::to_string(job.row.alpha_init).substr(0, 3));
  EXPECT_EQ(cells, (std::multiset<std::string>{"erf(x) scalar 0.5", "tanh(x) none 1.0", "arctan(x) none 0.5",
                                               "arctan(x) scalar 0.5"}));
}

// Table 13 trains the three cells it reads on each proxy: LayerNorm, Derf (erf with s), DyT (tanh
// without), and no erf without s or tanh with s.
TEST(Plan, Table13PlansOnlyTheCellsItReads) {
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table13.yaml");
  auto screened = expand(space);
  check_by_function(space, screened);
  std::map<std::string, std::set<std::string>> cells;  // proxy -> cells
  for (const auto& job : plan_jobs(space, screened, "/tmp/runs", "smoke"))
    cells[job.row.proxy].insert(job.row.label + (job.row.shift.empty() ? "" : " " + job.row.shift));
  ASSERT_EQ(cells.size(), 4u);
  for (const auto& [proxy, set] : cells)
    EXPECT_EQ(set, (std::set<std::string>{"layernorm", "erf(x) scalar", "tanh(x) none"})) << proxy;
}

// An entry of by_function that is no kept candidate would silently do nothing: an error at its line.
TEST(Plan, AByFunctionEntryOutsideTheSpaceIsAnErrorAtItsLine) {
  auto error_of_plan = [](const std::string& text) {
    auto space = load_space(write_space("by-function-bad.yaml", text));
    try {
      check_by_function(space, expand(space));
    } catch (const ConfigError& e) {
      return std::string(e.what()) + " | " + e.hint();
    }
    return std::string("no error");
  };
  const std::string head = "primitives: [erf, linear]\nproxies: [" + kProxy + "]\nlayer:\n  by_function:\n";
  auto absent = error_of_plan(head + "    tanh: {shift: [none]}\n");
  EXPECT_NE(absent.find(":5:11: layer.by_function.tanh: tanh is not a function of this space (its candidates: "
                        "erf(x))"),
            std::string::npos)
      << absent;
  auto rejected = error_of_plan(head + "    linear: {shift: [none]}\n");  // unbounded: screened out
  EXPECT_NE(rejected.find(":5:13: layer.by_function.linear: linear is screened out of this space (bounded"),
            std::string::npos)
      << rejected;
  EXPECT_EQ(error_of_plan(head + "    erf: {shift: [none]}\n"), "no error");
}

TEST(Plan, SameSpaceSameKeysAndEditsAddOnlyNewJobs) {
  auto space = load_space(std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml");
  auto screened = expand(space);
  auto first = plan_jobs(space, screened, "/tmp/runs", "smoke");
  auto again = plan_jobs(space, screened, "/tmp/runs", "smoke");
  ASSERT_EQ(first.size(), 8u);  // 7 kept + the LayerNorm baseline
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].row.key, again[i].row.key);
  space.seeds = {0, 1};
  auto edited = plan_jobs(space, screened, "/tmp/runs", "smoke");
  std::set<std::string> old_keys;
  for (const auto& j : first) old_keys.insert(j.row.key);
  int fresh = 0;
  for (const auto& j : edited) fresh += !old_keys.count(j.row.key);
  EXPECT_EQ(edited.size(), 16u);
  EXPECT_EQ(fresh, 8);  // only the seed-1 jobs are new
  EXPECT_EQ(first[0].spec.train.budget, "smoke");
}

}  // namespace
}  // namespace fsearch::search
