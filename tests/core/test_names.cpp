#include <gtest/gtest.h>

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"

namespace fsearch {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutions) {
  EXPECT_EQ(edit_distance("erf", "erf"), 0u);
  EXPECT_EQ(edit_distance("erff", "erf"), 1u);
  EXPECT_EQ(edit_distance("tahn", "tanh"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(NearestNames, SuggestsCloseNamesNearestFirst) {
  std::vector<std::string> known = {"erf", "tanh", "arctan", "arcsinh", "atan"};
  auto names = nearest_names("arctn", known);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "arctan");
  EXPECT_TRUE(nearest_names("zzzzzzzz", known).empty());
}

TEST(NearestNames, PrefixCountsAsCompletion) {
  auto names = nearest_names("arcs", {"arcsinh", "erf"});
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], "arcsinh");
}

TEST(DidYouMean, FormatsOrIsEmpty) {
  EXPECT_EQ(did_you_mean("tanhh", {"tanh", "erf"}), "did you mean tanh?");
  EXPECT_EQ(did_you_mean("qqqqqq", {"tanh", "erf"}), "");
}

TEST(JoinNames, InOrderWithCommas) {
  EXPECT_EQ(join_names({"vit-tiny", "dit-b", "dit-l"}), "vit-tiny, dit-b, dit-l");
  EXPECT_EQ(join_names({"erf"}), "erf");
  EXPECT_EQ(join_names({}), "");
}

TEST(Error, FormatIncludesHint) {
  ConfigError error("bad thing", "do this");
  EXPECT_EQ(format_error(error), "error: bad thing\nhint: do this");
  EXPECT_EQ(format_error(ConfigError("plain")), "error: plain");
}

}  // namespace
}  // namespace fsearch
