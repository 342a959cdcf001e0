// Reading a run's events.jsonl into curve points, as the schedulers do while a worker writes it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "ingest.h"

namespace fsearch::search::detail {
namespace {

namespace fs = std::filesystem;

TEST(ReadEvents, TrainAndClassifierEvalPointsOnlyCompleteLinesAndNoFidOnlyPoint) {
  const fs::path file =
      fs::temp_directory_path() / ("fsearch-events-" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(file);
    out << R"({"type":"start","step":0})"
        << "\n"
        << R"({"type":"train","step":50,"loss":2.1,"lr":0.001,"grad_norm":0.5})"
        << "\n"
        << R"({"type":"eval","step":50,"test_acc":0.4,"test_loss":1.7})"
        << "\n"
        << R"({"type":"eval","step":60,"fid":30.4,"fid_features":"cnn:x"})"
        << "\n"                                  // the DiT's
        << R"({"type":"train","step":100,"lo)";  // still being written
  }
  std::uintmax_t offset = 0;
  auto points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].kind, "train");
  EXPECT_EQ(points[0].step, 50);
  EXPECT_DOUBLE_EQ(points[0].loss, 2.1);
  EXPECT_DOUBLE_EQ(points[0].grad_norm, 0.5);
  EXPECT_EQ(points[1].kind, "eval");
  EXPECT_DOUBLE_EQ(points[1].test_acc, 0.4);
  EXPECT_DOUBLE_EQ(points[1].loss, 1.7);

  // The rest of the partial line arrives: the next read starts where the last stopped.
  std::ofstream(file, std::ios::app) << R"(ss":1.9})"
                                     << "\n";
  points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 100);
  EXPECT_DOUBLE_EQ(points[0].loss, 1.9);
  EXPECT_TRUE(read_events("k", file, offset).empty());

  // A trainer that resumed rewrote the file shorter: read from the start again.
  std::ofstream(file) << R"({"type":"train","step":10,"loss":2.2})"
                      << "\n";
  points = read_events("k", file, offset);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 10);
  fs::remove(file);
}

}  // namespace
}  // namespace fsearch::search::detail
