// A metric knows its direction: accuracy up, FID down, and names round-trip.
#include "fsearch/core/metric.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fsearch/core/error.h"

namespace fsearch {
namespace {

TEST(Metric, DirectionAndNames) {
  EXPECT_TRUE(better(Metric::TestAcc, 0.83, 0.82));
  EXPECT_FALSE(better(Metric::TestAcc, 0.82, 0.83));
  EXPECT_TRUE(better(Metric::Fid, 20.1, 21.0));
  EXPECT_FALSE(better(Metric::Fid, 21.0, 20.1));
  EXPECT_FALSE(better(Metric::Fid, NAN, 21.0));
  EXPECT_FALSE(better(Metric::TestAcc, NAN, 0.5));
  for (auto m : {Metric::TestAcc, Metric::Fid}) EXPECT_EQ(parse_metric(to_string(m)), m);
  EXPECT_EQ(info(Metric::Fid).decimals, 2);
  EXPECT_THROW(parse_metric("accuracy"), ConfigError);
}

}  // namespace
}  // namespace fsearch
