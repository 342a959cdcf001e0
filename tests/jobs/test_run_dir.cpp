// What `fsearch status` reads from a running job's directory: how far it has come.
#include <gtest/gtest.h>

#include <fstream>

#include "fsearch/jobs/run_dir.h"
#include "temp_dir.h"

namespace {

using fsearch::jobs::read_progress;
using fsearch::jobs::RunDir;

RunDir run_with_events(const std::string& name, const std::string& events) {
  static const fsearch::testing::TempDir dir("run-dir-tests");
  RunDir run{dir / name};
  std::filesystem::create_directories(run.root);
  std::ofstream(run.events()) << events;
  return run;
}

TEST(RunProgress, TheLastStepLoggedOfTheTotalItsStartAnnounced) {
  auto run = run_with_events("training", R"({"key":"k","step":0,"total_steps":1404,"type":"start"}
{"loss":0.2,"step":50,"type":"train"}
{"loss":0.1,"step":100,"type":"train"}
)");
  auto p = read_progress(run);
  EXPECT_EQ(p.step, 100);
  EXPECT_EQ(p.total_steps, 1404);
  EXPECT_EQ(p.start_step, 0);
  EXPECT_TRUE(p.known());
  EXPECT_FALSE(p.evaluating());
}

// A resumed run starts again at its checkpoint's step (its later lines were dropped); a line a
// kill cut short is skipped; the last full step counts.
TEST(RunProgress, AResumedRunAndALineCutShort) {
  auto run = run_with_events("resumed", R"({"step":0,"total_steps":300,"type":"start"}
{"step":50,"type":"train"}
{"step":50,"total_steps":300,"type":"start"}
{"step":100,"type":"train"}
{"step":150,"ty)");
  auto p = read_progress(run);
  EXPECT_EQ(p.step, 100);
  EXPECT_EQ(p.total_steps, 300);
  EXPECT_EQ(p.start_step, 50);
  EXPECT_DOUBLE_EQ(p.share_left(), 2.0 / 3);  // 200 of 300 steps still to train
}

// Every step trained and no result yet: the final evaluation (a DiT job's sampling) is running.
TEST(RunProgress, AllStepsTrainedMeansEvaluating) {
  auto run = run_with_events("sampling", R"({"step":0,"total_steps":200,"type":"start"}
{"step":200,"type":"train"}
)");
  EXPECT_TRUE(read_progress(run).evaluating());
  EXPECT_EQ(read_progress(run).share_left(), 0);
  auto nothing = read_progress(RunDir{run.root / "absent"});
  EXPECT_FALSE(nothing.known());
  EXPECT_FALSE(nothing.evaluating());
  EXPECT_EQ(nothing.share_left(), 1);  // nothing known: the whole job is left
}

}  // namespace
