// End-to-end: the real binary, its output and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.h"

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
  EXPECT_NE(r.out.find("eval"), std::string::npos);
  EXPECT_NE(r.out.find("functions"), std::string::npos);
  EXPECT_NE(r.out.find("--threads"), std::string::npos);
}

TEST(Cli, NoSubcommandIsAUsageError) {
  auto r = run_fsearch("");
  EXPECT_NE(r.exit_code, 0);
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
  EXPECT_EQ(j["transforms"].size(), 10u);
  EXPECT_EQ(j["functions"][0]["name"], "erf");
}

}  // namespace
}  // namespace fsearch::testing
