// DDPM (Ho et al.) as the DiT proxy trains it: a linear beta schedule over T steps, the forward
// process q(x_t | x_0), the epsilon-prediction MSE loss, and a deterministic DDIM sampler (eta = 0)
// over a subsequence of the T steps. Images live in [-1, 1].
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {

// The model as the diffusion sees it: (x_t, t, y) -> predicted noise, all on one device.
using NoiseModel =
    std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y)>;

// Classifier-free guidance: uncond + scale (cond - uncond), the unconditional prediction taken with
// `null_label`, both in one batch. Scale 1 is the conditional model itself.
NoiseModel guided(NoiseModel model, double scale, std::int64_t null_label);

class GaussianDiffusion {
 public:
  explicit GaussianDiffusion(const DiffusionSpec& spec);

  int timesteps() const { return static_cast<int>(alphas_cumprod_.size()); }
  // alpha-bar_t = prod_{s <= t} (1 - beta_s), in double precision.
  const std::vector<double>& alphas_cumprod() const { return alphas_cumprod_; }

  // x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise. x0, noise: (B, C, H, W); t: (B) int64.
  torch::Tensor q_sample(const torch::Tensor& x0, const torch::Tensor& t, const torch::Tensor& noise) const;

  // The training loss on x0 with the given timesteps and noise: mean((model(x_t, t, y) - noise)^2).
  torch::Tensor loss(const NoiseModel& model, const torch::Tensor& x0, const torch::Tensor& t,
                     const torch::Tensor& noise, const torch::Tensor& y) const;

  // The loss at each of `timesteps` over the images x0 with labels y, one noise draw per image shared
  // by every timestep: where along the chain the model predicts the noise well. Small t is what the
  // last sampling steps depend on (fine detail), large t the layout. Evaluated in chunks of 256.
  std::vector<double> loss_at(const NoiseModel& model, const torch::Tensor& x0, const torch::Tensor& y,
                              const torch::Tensor& noise, const std::vector<std::int64_t>& timesteps) const;

  // The DDIM timesteps for `steps` sampling steps, descending, e.g. 1000 steps in 50: 980, 960, ..., 0.
  std::vector<std::int64_t> sampling_timesteps(int steps) const;

  // DDIM from x_T = `noise` to x_0, for labels `y`; predicted x0 is clipped to [-1, 1] at every step.
  // `guidance` > 1 applies classifier-free guidance with `null_label`. `eta` 0 is deterministic
  // DDIM; eta 1 adds DDPM's posterior noise at every step (ancestral sampling on the respaced
  // schedule), drawn on the CPU from torch's current generator, so a seed fixes the result.
  torch::Tensor ddim_sample(const NoiseModel& model, const torch::Tensor& noise, const torch::Tensor& y,
                            int steps, double guidance = 1.0, std::int64_t null_label = -1,
                            double eta = 0) const;

 private:
  std::vector<double> alphas_cumprod_;
};

// Images in [-1, 1] as float -> uint8 pixels (round to nearest), and back.
torch::Tensor to_pixels(const torch::Tensor& images);
torch::Tensor from_pixels(const torch::Tensor& pixels);

}  // namespace fsearch::trainers
