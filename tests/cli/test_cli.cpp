// End-to-end: the real binary, its output and exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

TEST(Cli, VersionReportsLibTorchAndCuda) {
  auto r = run_fsearch("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fsearch 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("commit "), std::string::npos);
  EXPECT_NE(r.out.find("LibTorch " TORCH_VERSION_STRING), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CUDA: "), std::string::npos);
}

TEST(Cli, HelpListsOnlyRealSubcommands) {
  auto r = run_fsearch("--help");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--threads"), std::string::npos);
  // The subcommand list: lines indented by two spaces whose first word starts at column 3.
  const auto section = r.out.find("Subcommands:");
  ASSERT_NE(section, std::string::npos) << r.out;
  std::istringstream lines(r.out.substr(section));
  std::set<std::string> listed;
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > 2 && line.rfind("  ", 0) == 0 && line[2] != ' ')
      listed.insert(line.substr(2, line.find(' ', 2) - 2));
  }
  EXPECT_EQ(listed, (std::set<std::string>{"functions", "eval", "property", "fit", "train", "run", "status",
                                           "export", "report", "fid", "sample", "cancel", "worker"}))
      << r.out;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  auto r = run_fsearch("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("A subcommand is required"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Cli, OptionErrorsExitTwoLikeEveryOtherBadInput) {
  // Caught by the option parser (CLI11's own codes are 105-114), each named in the message.
  for (const auto& [args, named] : std::vector<std::pair<std::string, std::string>>{
           {"sample --run x --eta 2", "--eta"},
           {"run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/space.yaml --workerz 2", "--workerz"},
           {"run --space no-such-space.yaml", "no-such-space.yaml"},
           {"eval 'erf(x)' --at", "--at"},
           {"status extra-argument", "extra-argument"}}) {
    auto r = run_fsearch(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(named), std::string::npos) << args << "\n" << r.err;
  }
  EXPECT_EQ(run_fsearch("--help").exit_code, 0);
  EXPECT_EQ(run_fsearch("run --help").exit_code, 0);
}

// A number out of its range is refused before any work, with the option, the value and the range;
// none is taken silently for the default (a negative --steps trained the proxy's epochs, a negative
// --workers ran one per core).
TEST(Cli, NumbersOutOfRangeAreRefusedNamingTheOption) {
  // Where a command takes a database, one that cannot be made: nothing may be recorded either.
  const std::string space = " --space " + std::string(FSEARCH_SOURCE_DIR) +
                            "/configs/space.yaml --plan-only --db /nonexistent/never-made.db";
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"train --proxy vit-tiny --steps -3", "--steps: '-3' is not a whole number >= 0"},
           {"train --proxy vit-tiny --lr 0", "--lr: '0' is not a number > 0"},
           {"train --proxy vit-tiny --epochs -1", "--epochs: '-1' is not a number > 0"},
           {"train --proxy vit-tiny --batch-size 0", "--batch-size: '0' is not a whole number >= 1"},
           {"train --proxy vit-tiny --seed -1", "--seed: '-1' is not a whole number >= 0"},
           {"train --proxy vit-tiny --alpha-init -0.5", "--alpha-init: '-0.5' is not a number >= 0"},
           {"fid --fake test --noise -1", "--noise: '-1' is not a number >= 0"},
           {"fid --fake test --limit -5", "--limit: '-5' is not a whole number >= 0"},
           {"sample --run x --steps 0", "--steps: '0' is not a whole number >= 1"},
           {"status --best -2 --db /nonexistent/never-made.db", "--best: '-2' is not a whole number >= 0"},
           {"run" + space + " --workers -1", "--workers: '-1' is not a whole number >= 0"},
           {"run" + space + " --threads-per-worker x", "--threads-per-worker: 'x' is not a whole number >= 0"},
           {"run" + space + " --poll 0", "--poll: '0' is not a number > 0"},
           {"run" + space + " --max-timeouts 0", "--max-timeouts: '0' is not a whole number >= 1"},
           {"run" + space + " --max-candidates nan", "--max-candidates: 'nan' is not a number > 0"}}) {
    auto r = run_fsearch(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
  }
}

TEST(Cli, EvalJson) {
  auto r = run_fsearch("eval --at=-2,0,0.5 --json -- '-(-erf(x))'");  // -- : it starts with '-'
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["expression"], "-(-erf(x))");
  auto erf = nlohmann::json::parse(run_fsearch("eval 'erf(x)' --at=0 --json").out);
  EXPECT_EQ(j["fingerprint"], erf["fingerprint"]);  // two spellings, one function
  ASSERT_EQ(j["points"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["points"][0]["x"].get<double>(), -2.0);
  EXPECT_NEAR(j["points"][0]["y"].get<double>(), -0.9953222650189527, 1e-15);
  EXPECT_NEAR(j["points"][1]["dy"].get<double>(), 1.1283791670955126, 1e-15);
}

TEST(Cli, ExpressionsMayStartWithMinus) {
  auto r = run_fsearch("eval '-erf(x)' --at 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["expression"], "-erf(x)");
  EXPECT_NEAR(j["points"][0]["y"].get<double>(), -0.8427007929497149, 1e-15);
  // A negative number stays a value, not an expression.
  r = run_fsearch("eval 'erf(x)' --at -1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out)["points"][0]["x"].get<double>(), -1.0);
  r = run_fsearch("property --function '-tanh(x) * 2' --test boundedness --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Cli, EvalTable) {
  auto r = run_fsearch("eval 'flat(erf, 0.5)' --at 1.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("expression   flat(erf, 0.5)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0.842700792949715"), std::string::npos) << r.out;  // erf(1)
}

TEST(Cli, BadExpressionNamesTheColumnAndExitsNonZero) {
  auto r = run_fsearch("eval '2 * tahn(x)'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("column 5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean tanh"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, BadPointListNamesTheItem) {
  auto r = run_fsearch("eval 'erf(x)' --at 1,zz");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'zz' is not a number (item 2"), std::string::npos) << r.err;
}

TEST(Cli, FunctionsListsTheCatalogAndTransforms) {
  auto r = run_fsearch("functions --json");
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["functions"].size(), 27u);
  ASSERT_EQ(j["transforms"].size(), 14u);
  EXPECT_EQ(j["functions"][0]["name"], "erf");
  EXPECT_EQ(j["transforms"][11]["name"], "compose");
  EXPECT_EQ(j["transforms"][11]["functions"], 2);
  EXPECT_EQ(j["transforms"][0]["functions"], 1);
  auto text = run_fsearch("functions");
  EXPECT_NE(text.out.find("concat(f, g, c)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("inclip(f, lambda)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("rotate(f, theta)"), std::string::npos) << text.out;
}


TEST(CliProperty, CatalogJsonHasEveryFunctionWithMeasurements) {
  auto r = run_fsearch("property --test all --catalog --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 27u);
  EXPECT_EQ(j[0]["expression"], "erf(x)");
  EXPECT_TRUE(j[0]["pass_all"].get<bool>());
  EXPECT_EQ(j[0]["tests"]["boundedness"]["measures"]["growth"], "bounded");
  EXPECT_NEAR(j[0]["tests"]["center-sensitivity"]["measures"]["slope_at_0"].get<double>(), 1.1283791, 1e-6);
  for (const auto& row : j) {
    if (row["expression"] == "dampx(x)") {
      EXPECT_FALSE(row["tests"]["monotonicity"]["pass"].get<bool>());
    }
  }
}

TEST(CliProperty, TableForOneTestAndExitZeroOnFailingVerdicts) {
  auto r = run_fsearch("property --test boundedness -f 'linear(x)' -f 'erf(x)'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("function"), std::string::npos);
  EXPECT_NE(r.out.find("FAIL linear or faster"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pass [-1, 1]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("all four"), std::string::npos);  // one test, no summary column
}

TEST(CliProperty, BadInputsExitNonZeroWithAMessage) {
  auto bad_expr = run_fsearch("property -f 'erf(x'");
  EXPECT_EQ(bad_expr.exit_code, 2);
  EXPECT_NE(bad_expr.err.find("missing ')'"), std::string::npos) << bad_expr.err;
  auto bad_test = run_fsearch("property --test bounded --catalog");
  EXPECT_EQ(bad_test.exit_code, 2);
  EXPECT_NE(bad_test.err.find("unknown property 'bounded'"), std::string::npos) << bad_test.err;
  auto nothing = run_fsearch("property");
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("--catalog"), std::string::npos);
  auto bad_set = run_fsearch("property --catalog --set nosuch=1");
  EXPECT_EQ(bad_set.exit_code, 2);
  EXPECT_NE(bad_set.err.find("unknown threshold 'nosuch'"), std::string::npos) << bad_set.err;
}

TEST(CliProperty, SpaceFileScreensEveryGeneratedCandidate) {
  auto r = run_fsearch("property --test all --json --space " + std::string(FSEARCH_SOURCE_DIR) +
                       "/configs/space.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.size(), 28u);  // 7 primitives x (as is + 3 transforms)
  int pass = 0;
  for (const auto& row : j) pass += row["pass_all"].get<bool>();
  EXPECT_EQ(pass, 11);  // 7 distinct kept functions + 4 clip(f, 1) spellings of bounded ones
  auto missing = run_fsearch("property --space /nonexistent/space.yaml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot read /nonexistent/space.yaml"), std::string::npos) << missing.err;
}

// A table file of one's own with a typo: the file, line and field, before any database is read.
TEST(CliReport, ATyposLineInAnOwnTableFile) {
  TempDir dir("cli-own-table");
  std::ofstream(dir / "mine.yaml") << "name: mine\n"
                                      "table:\n"
                                      "  number: 101\n"
                                      "  title: Mine\n"
                                      "  columns: [top-1]\n"
                                      "  rows:\n"
                                      "    - {label: erf, function: \"erf(x)\", paper: 82.6}\n"
                                      "  findings:\n"
                                      "    - {name: erf, as_paper: all}\n"
                                      "    - {name: bad, better: [erf, top1], than: [erf, top-1]}\n";
  auto r =
      run_fsearch("report --table " + (dir / "mine.yaml").string() + " --db " + (dir / "none.db").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mine.yaml:10:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("table.findings[1].better[1]: no column title 'top1'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("top-1"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
  auto taken =
      run_fsearch("report --table " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table5.yaml");
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_NE(taken.err.find("table number 5 is already configs/tables/table5.yaml's"), std::string::npos)
      << taken.err;
}

TEST(CliFit, Eq11) {
  auto r = run_fsearch("fit --target erf --family 'tanh(eps * x)' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["value"].get<double>(), 1.205, 2e-3);
}

}  // namespace
}  // namespace fsearch::testing
