// Where a training step's time goes. A PhaseClock attached to a thread accumulates that thread's
// wall time per phase (data, each module kind's forward, backward, optimizer, logging, ...). Code
// marks its phases with PhaseScope, which costs one thread-local read when no clock is attached, so
// the marks stay in the trainer for good and `bench-train` reads them.
//
// Scopes nest and times are exclusive: time inside an inner scope counts for the inner phase only,
// so the phases add up to the wall time since attach (or the last reset). The phases that are not
// part of a training step's own work (setup, eval, log, finish) absorb what runs inside them: an
// evaluation's forward pass counts as eval, not as attention or norm. Only Step and Finish scopes
// open inside them (the training loop and what follows it run within setup's scope). On the CPU, torch ops
// run synchronously on the calling thread (their intra-op threads join before an op returns), so a phase's
// time is its ops' time. On a GPU, kernels run asynchronously: the times then say where the host waited, not
// where the device worked.
//
// A clock belongs to one thread: attach, scopes and reset on that thread; read it after detach.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace fsearch {

enum class Phase : int {
  Setup,       // before the first step: data set, model, optimizer, checkpoint loading
  Step,        // inside a step but outside every other phase (residual adds, casts, the loop itself)
  Data,        // assembling a batch and moving it to the device
  Embed,       // patch, position, timestep and label embeddings
  Norm,        // every normalization layer (LayerNorm, point-wise, ...)
  Attention,   // qkv, attention, output projection
  Mlp,         // fc1, activation, fc2
  Modulation,  // DiT: adaLN modulation from the condition
  Head,        // final pooling and classifier / output projection
  Loss,        // loss from the model's output (and a diffusion step's noising)
  Backward,    // autograd backward, all modules
  Clip,        // gradient norm (and clipping)
  Optimizer,   // zero_grad and AdamW
  Ema,         // EMA weight update
  Log,         // train events, progress, diagnostics probes
  Eval,        // periodic and early-rejection evaluation
  Checkpoint,  // saving checkpoints
  Finish,      // after the last step: final diagnostics, test evaluation, sampling and FID
};
inline constexpr std::size_t kPhaseCount = static_cast<std::size_t>(Phase::Finish) + 1;

std::string_view phase_name(Phase phase);

class PhaseClock {
 public:
  using Clock = std::chrono::steady_clock;

  // This thread's phases from now on accumulate here, starting in `phase`.
  void attach(Phase phase = Phase::Setup);
  void detach();
  // Zeroes every phase (e.g. after warm-up steps); the current phase continues.
  void reset();

  double seconds(Phase phase) const { return seconds_[static_cast<std::size_t>(phase)]; }
  double total_seconds() const;

  // The clock attached to the calling thread, or nullptr.
  static PhaseClock* current();

  // Charges the time since the last switch to the current phase and makes `phase` current;
  // returns the phase it replaced. PhaseScope calls it.
  Phase switch_to(Phase phase);
  // Whether a scope of `phase` opened now would be absorbed by the current phase.
  bool absorbs(Phase phase) const;

 private:
  std::array<double, kPhaseCount> seconds_{};
  Phase current_ = Phase::Setup;
  Clock::time_point since_{};
};

// Marks the enclosing block as `phase` on the calling thread's clock, if one is attached.
class PhaseScope {
 public:
  explicit PhaseScope(Phase phase) : clock_(PhaseClock::current()) {
    if (clock_ && clock_->absorbs(phase)) clock_ = nullptr;
    if (clock_) parent_ = clock_->switch_to(phase);
  }
  ~PhaseScope() {
    if (clock_) clock_->switch_to(parent_);
  }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  PhaseClock* clock_;
  Phase parent_ = Phase::Step;
};

}  // namespace fsearch
