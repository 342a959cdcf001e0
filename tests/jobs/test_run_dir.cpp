// What `fsearch status` reads from a running job's directory: how far it has come; and how a
// result's diagnostics read to people.
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

// The share of inputs past a hump is said only where some input was; the flat-zone share always.
TEST(ExplainDiagnostics, SaysTheSharePastAHumpOnlyWhereThereIsOne) {
  const auto past = nlohmann::json::parse(
      R"({"final": {"frac_dead_max": 0.001, "frac_dead_mean": 0.0005, "frac_reversed_max": 0.512,)"
      R"( "x_std_max": 4.55, "attn_logit_max": 19.97}})");
  EXPECT_EQ(fsearch::jobs::explain_diagnostics(past),
            "after training: up to 0.1% of a norm's inputs in a flat or saturated zone (mean 0.1%), up to 51.2% "
            "past a hump (f' against the way f rises), input std up to 4.55, attention logits up to 20.0");
  const auto monotone = nlohmann::json::parse(
      R"({"init": {"frac_dead_max": 1.0, "frac_dead_mean": 1.0, "frac_reversed_max": 0.0, "x_std_max": 0.52}})");
  EXPECT_EQ(fsearch::jobs::explain_diagnostics(monotone),
            "at init: up to 100.0% of a norm's inputs in a flat or saturated zone (mean 100.0%), input std up to 0.52");
}

}  // namespace
