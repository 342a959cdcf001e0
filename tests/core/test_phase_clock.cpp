// PhaseClock: exclusive time per phase, absorption by the non-step phases, reset, and no effect
// without a clock attached. Sleeps give lower bounds only; nothing here asserts a speed.
#include <gtest/gtest.h>

#include <thread>

#include "fsearch/core/phase_clock.h"

using namespace fsearch;

namespace {

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

TEST(PhaseClock, InnerScopesTakeTheirTimeFromTheOuter) {
  PhaseClock clock;
  const auto start = std::chrono::steady_clock::now();
  clock.attach();
  {
    PhaseScope step(Phase::Step);
    {
      PhaseScope attention(Phase::Attention);
      sleep_ms(3);
      {
        PhaseScope norm(Phase::Norm);
        sleep_ms(3);
      }
    }
  }
  clock.detach();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(clock.seconds(Phase::Attention), 0.003);
  EXPECT_GE(clock.seconds(Phase::Norm), 0.003);
  // Exclusive times never add up to more than the wall time (inclusive ones would count Norm's
  // 3 ms twice), and the phases add up to the total.
  EXPECT_LE(clock.total_seconds(), wall);
  double sum = 0;
  for (std::size_t p = 0; p < kPhaseCount; ++p) sum += clock.seconds(static_cast<Phase>(p));
  EXPECT_DOUBLE_EQ(sum, clock.total_seconds());
}

TEST(PhaseClock, EvaluationAbsorbsTheModulePhases) {
  PhaseClock clock;
  clock.attach(Phase::Setup);
  {
    PhaseScope forward(Phase::Norm);  // in setup (an init probe): counts as setup
    sleep_ms(2);
  }
  {
    PhaseScope step(Phase::Step);  // a training step opens anywhere
    {
      PhaseScope eval(Phase::Eval);
      PhaseScope norm(Phase::Norm);
      sleep_ms(2);
    }
  }
  {
    PhaseScope finish(Phase::Finish);
    PhaseScope mlp(Phase::Mlp);
    sleep_ms(2);
  }
  clock.detach();
  EXPECT_EQ(clock.seconds(Phase::Norm), 0.0);
  EXPECT_EQ(clock.seconds(Phase::Mlp), 0.0);
  EXPECT_GE(clock.seconds(Phase::Setup), 0.002);
  EXPECT_GE(clock.seconds(Phase::Eval), 0.002);
  EXPECT_GE(clock.seconds(Phase::Finish), 0.002);
}

TEST(PhaseClock, ResetZeroesAndDetachStopsCounting) {
  PhaseClock clock;
  clock.attach(Phase::Step);
  sleep_ms(2);
  clock.reset();
  EXPECT_EQ(clock.total_seconds(), 0.0);
  clock.detach();
  EXPECT_EQ(PhaseClock::current(), nullptr);
  const double total = clock.total_seconds();
  {
    PhaseScope loss(Phase::Loss);  // no clock attached: nothing happens
    sleep_ms(2);
  }
  EXPECT_EQ(clock.total_seconds(), total);
  EXPECT_EQ(clock.seconds(Phase::Loss), 0.0);
}

TEST(PhaseClock, EveryPhaseHasAName) {
  for (std::size_t p = 0; p < kPhaseCount; ++p) EXPECT_FALSE(phase_name(static_cast<Phase>(p)).empty());
  EXPECT_EQ(phase_name(Phase::Backward), "backward");
}
