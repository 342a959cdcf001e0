#include "fsearch/core/phase_clock.h"

#include <numeric>

namespace fsearch {
namespace {

thread_local PhaseClock* attached = nullptr;

constexpr std::array<std::string_view, kPhaseCount> kNames = {
    "setup", "step (rest)", "data", "embed",     "norm", "attention", "mlp",  "modulation", "head",
    "loss",  "backward",    "clip", "optimizer", "ema",  "log",       "eval", "checkpoint", "finish"};

}  // namespace

std::string_view phase_name(Phase phase) {
  return kNames[static_cast<std::size_t>(phase)];
}

void PhaseClock::attach(Phase phase) {
  attached = this;
  current_ = phase;
  since_ = Clock::now();
}

void PhaseClock::detach() {
  switch_to(current_);
  if (attached == this) attached = nullptr;
}

void PhaseClock::reset() {
  seconds_.fill(0);
  since_ = Clock::now();
}

double PhaseClock::total_seconds() const {
  return std::accumulate(seconds_.begin(), seconds_.end(), 0.0);
}

PhaseClock* PhaseClock::current() {
  return attached;
}

bool PhaseClock::absorbs(Phase phase) const {
  switch (current_) {
    case Phase::Setup:
    case Phase::Eval:
    case Phase::Log:
    case Phase::Finish: return phase != Phase::Step && phase != Phase::Finish;
    default: return false;
  }
}

Phase PhaseClock::switch_to(Phase phase) {
  const auto now = Clock::now();
  seconds_[static_cast<std::size_t>(current_)] += std::chrono::duration<double>(now - since_).count();
  since_ = now;
  const Phase previous = current_;
  current_ = phase;
  return previous;
}

}  // namespace fsearch
