// The DiT proxy's model and diffusion: shapes, adaLN-Zero per norm kind, the DDPM schedule, and a
// DDIM sampler that recovers x0 exactly from an oracle noise predictor.
#include <gtest/gtest.h>

#include <cmath>

#include "fsearch/functions/norm_spec.h"
#include "fsearch/trainers/diffusion.h"
#include "fsearch/trainers/dit.h"
#include "tiny_job.h"

namespace fsearch::trainers {
namespace {

using testing::small_dit;

TEST(DiT, PredictsNoiseOfTheImageShape) {
  torch::manual_seed(0);
  DiT model(small_dit(), functions::norm_preset("derf"));
  auto x = torch::randn({5, 1, 8, 8});
  auto out =
      model->forward(x, torch::tensor({0, 10, 500, 999, 3}), torch::tensor({0, 1, 2, 3, 1}));  // 3 = null
  EXPECT_EQ(out.sizes(), x.sizes());
}

TEST(DiT, ModulationStartsAtZeroForLayerNormOnly) {
  torch::manual_seed(0);
  DiT layernorm(small_dit(), functions::norm_preset("layernorm"));
  DiT derf(small_dit(), functions::norm_preset("derf"));
  EXPECT_TRUE(layernorm->zero_init_modulation());
  EXPECT_FALSE(derf->zero_init_modulation());
  for (const auto& item : layernorm->named_parameters()) {
    if (item.key().find("modulation") != std::string::npos) {
      EXPECT_EQ(item.value().abs().max().item<double>(), 0.0) << item.key();
    }
  }
  double largest = 0;
  for (const auto& item : derf->named_parameters()) {
    if (item.key().find("modulation.weight") != std::string::npos) {
      largest = std::max(largest, item.value().abs().max().item<double>());
    }
  }
  EXPECT_GT(largest, 0.01);
}

// The calibration lever: adaLN-Zero for a point-wise norm, or xavier for LayerNorm; keyed apart
// from the paper's default (which keeps its old keys).
TEST(DiT, ModulationInitCanBeSetForEveryNorm) {
  auto model = small_dit();
  model.modulation_init = "zero";
  EXPECT_TRUE(DiT(model, functions::norm_preset("derf"))->zero_init_modulation());
  model.modulation_init = "xavier";
  EXPECT_FALSE(DiT(model, functions::norm_preset("layernorm"))->zero_init_modulation());
  jobs::JobSpec a;
  a.model = small_dit();
  a.norm = functions::norm_preset("derf");
  jobs::JobSpec b = a;
  b.model.modulation_init = "zero";
  EXPECT_NE(jobs::job_key(a), jobs::job_key(b));
  b.model.modulation_init = "auto";
  EXPECT_EQ(jobs::job_key(a), jobs::job_key(b));
}

TEST(DiT, NormsCarryNoAffineParametersOfTheirOwn) {
  DiT derf(small_dit(), functions::norm_preset("derf"));
  int alphas = 0;
  for (const auto& item : derf->named_parameters()) {
    const auto& name = item.key();
    EXPECT_EQ(name.find("gamma"), std::string::npos) << name;
    EXPECT_EQ(name.find("beta"), std::string::npos) << name;
    alphas += name.find("alpha") != std::string::npos;
  }
  EXPECT_EQ(alphas, 2 * 2 + 1);  // two per block and the final norm keep their alpha
  DiT layernorm(small_dit(), functions::norm_preset("layernorm"));
  for (const auto& item : layernorm->named_parameters()) {
    EXPECT_EQ(item.key().find("norm"), std::string::npos) << item.key();
  }
}

TEST(DiT, ZeroInitializedBlocksAreIdentities) {
  torch::manual_seed(0);
  DiTBlock block(small_dit(), functions::norm_preset("layernorm"));
  torch::NoGradGuard no_grad;
  block->modulation->weight.zero_();
  block->modulation->bias.zero_();
  auto x = torch::randn({2, 16, 32});
  EXPECT_TRUE(torch::allclose(block->forward(x, torch::randn({2, 32})), x));
}

TEST(DiT, TrainingStepsReduceTheDiffusionLoss) {
  torch::manual_seed(0);
  auto model_spec = small_dit();
  DiT model(model_spec, functions::norm_preset("derf"));
  DiffusionSpec d;
  GaussianDiffusion diffusion(d);
  // One fixed batch of structured images: the model must learn to denoise it.
  auto x0 = torch::zeros({16, 1, 8, 8});
  x0.narrow(3, 0, 4).fill_(0.8);
  x0.narrow(3, 4, 4).fill_(-0.8);
  auto y = torch::zeros({16}, torch::kInt64);
  auto t = torch::randint(0, d.timesteps, {16}, torch::kInt64);
  auto noise = torch::randn(x0.sizes());
  auto fn = [&](const torch::Tensor& x, const torch::Tensor& tt, const torch::Tensor& yy) {
    return model->forward(x, tt, yy);
  };
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(2e-3).weight_decay(0));
  const double first = diffusion.loss(fn, x0, t, noise, y).item<double>();
  for (int i = 0; i < 60; ++i) {
    auto loss = diffusion.loss(fn, x0, t, noise, y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  EXPECT_LT(diffusion.loss(fn, x0, t, noise, y).item<double>(), 0.5 * first);
}

TEST(Diffusion, LinearScheduleAndForwardProcess) {
  DiffusionSpec d;
  GaussianDiffusion diffusion(d);
  const auto& abar = diffusion.alphas_cumprod();
  ASSERT_EQ(abar.size(), 1000u);
  EXPECT_DOUBLE_EQ(abar[0], 1 - 1e-4);
  EXPECT_NEAR(abar[1], (1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999)), 1e-15);
  EXPECT_LT(abar.back(), 1e-4);  // x_T is almost pure noise
  auto x0 = torch::full({1, 1, 2, 2}, 0.5), noise = torch::full({1, 1, 2, 2}, -1.0);
  auto xt = diffusion.q_sample(x0, torch::tensor({500}), noise);
  EXPECT_NEAR(xt[0][0][0][0].item<double>(), std::sqrt(abar[500]) * 0.5 - std::sqrt(1 - abar[500]), 1e-6);
}

TEST(Diffusion, SamplingTimestepsAreEvenlySpacedAndDescending) {
  GaussianDiffusion diffusion(DiffusionSpec{});
  auto ts = diffusion.sampling_timesteps(50);
  ASSERT_EQ(ts.size(), 50u);
  EXPECT_EQ(ts.front(), 980);
  EXPECT_EQ(ts.back(), 0);
  for (std::size_t i = 1; i < ts.size(); ++i) EXPECT_EQ(ts[i - 1] - ts[i], 20);
}

// A model that knows x0 and so predicts the exact noise of any x_t.
NoiseModel oracle_for(const GaussianDiffusion& diffusion, const torch::Tensor& x0) {
  return [&diffusion, x0](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor&) {
    const double a = diffusion.alphas_cumprod()[t[0].item<std::int64_t>()];
    return (x - std::sqrt(a) * x0) / std::sqrt(1 - a);
  };
}

TEST(Diffusion, DdimWithAnOracleRecoversTheImage) {
  // With the oracle's exact noise, deterministic DDIM lands on x0.
  GaussianDiffusion diffusion(DiffusionSpec{});
  torch::manual_seed(3);
  auto x0 = torch::rand({4, 1, 6, 6}) * 1.8 - 0.9;
  auto oracle = oracle_for(diffusion, x0);
  auto out = diffusion.ddim_sample(oracle, torch::randn({4, 1, 6, 6}), torch::zeros({4}, torch::kInt64), 25);
  EXPECT_LT((out - x0).abs().max().item<double>(), 1e-4);
  EXPECT_TRUE(torch::equal(to_pixels(from_pixels(to_pixels(x0))), to_pixels(x0)));
}

TEST(Diffusion, LossAtEachTimestepMeasuresThePredictionAtThatTimestep) {
  GaussianDiffusion diffusion(DiffusionSpec{});
  const std::vector<std::int64_t> ts = {0, 10, 300, 999};
  torch::manual_seed(5);
  // 300 images: more than one chunk of 256.
  auto x0 = torch::rand({300, 1, 4, 4}) * 2 - 1, noise = torch::randn({300, 1, 4, 4});
  auto y = torch::zeros({300}, torch::kInt64);
  // The oracle predicts the noise exactly at every timestep (small batch: it knows all of x0).
  auto small = x0.slice(0, 0, 8), small_noise = noise.slice(0, 0, 8);
  for (double loss : diffusion.loss_at(oracle_for(diffusion, small), small, y.slice(0, 0, 8), small_noise, ts))
    EXPECT_LT(loss, 1e-6);
  // A model that predicts zero misses by the noise itself: the same loss at every timestep.
  auto zero = [](const torch::Tensor& x, const torch::Tensor&, const torch::Tensor&) { return torch::zeros_like(x); };
  const double noise_power = noise.pow(2).mean().item<double>();
  for (double loss : diffusion.loss_at(zero, x0, y, noise, ts)) EXPECT_NEAR(loss, noise_power, 1e-6);
  // A model that returns x_t: right at pure noise, wrong where x_t is mostly the image.
  auto identity = [](const torch::Tensor& x, const torch::Tensor&, const torch::Tensor&) { return x; };
  auto losses = diffusion.loss_at(identity, x0, y, noise, ts);
  ASSERT_EQ(losses.size(), ts.size());
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const double a = diffusion.alphas_cumprod()[ts[i]];
    const double expected = (std::sqrt(a) * x0 + (std::sqrt(1 - a) - 1) * noise).pow(2).mean().item<double>();
    EXPECT_NEAR(losses[i], expected, 1e-5 * std::max(1.0, expected)) << "t " << ts[i];
  }
  EXPECT_GT(losses.front(), 10 * losses.back());
}

TEST(Diffusion, AncestralSamplingWithAnOracleAlsoRecoversTheImageAndIsSeeded) {
  // With eta 1 every step adds noise, yet an oracle's x0 is exact and the last step adds none.
  GaussianDiffusion diffusion(DiffusionSpec{});
  torch::manual_seed(5);
  auto x0 = torch::rand({3, 1, 5, 5}) * 1.8 - 0.9;
  auto oracle = oracle_for(diffusion, x0);
  auto labels = torch::zeros({3}, torch::kInt64);
  auto noise = torch::randn({3, 1, 5, 5});
  auto out = diffusion.ddim_sample(oracle, noise, labels, 20, 1.0, -1, 1.0);
  EXPECT_LT((out - x0).abs().max().item<double>(), 1e-4);

  // A model that is not an oracle: eta 1 differs from eta 0, and the same seed repeats it exactly.
  NoiseModel zero = [](const torch::Tensor& x, const torch::Tensor&, const torch::Tensor&) {
    return torch::zeros_like(x);
  };
  auto run = [&](double eta) {
    torch::manual_seed(11);
    return diffusion.ddim_sample(zero, noise * 0.1, labels, 10, 1.0, -1, eta);
  };
  auto a = run(1.0), b = run(1.0), deterministic = run(0.0);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_GT((a - deterministic).abs().max().item<double>(), 1e-3);
}

TEST(Diffusion, GuidanceMixesConditionalAndUnconditionalPredictions) {
  GaussianDiffusion diffusion(DiffusionSpec{});
  // The prediction depends on the label only; with guidance w, eps = u + w (c - u).
  std::vector<double> seen;
  NoiseModel model = [&](const torch::Tensor& x, const torch::Tensor&, const torch::Tensor& y) {
    return torch::zeros_like(x) + y.to(torch::kFloat).view({-1, 1, 1, 1}) * 0.01;
  };
  auto noise = torch::zeros({2, 1, 2, 2});
  auto plain = diffusion.ddim_sample(model, noise, torch::tensor({1, 1}), 1, 1.0, 5);
  auto guided = diffusion.ddim_sample(model, noise, torch::tensor({1, 1}), 1, 3.0, 5);
  // One DDIM step from t = 0 returns x0 = (x - sqrt(1 - abar) eps) / sqrt(abar), clipped.
  const double a = diffusion.alphas_cumprod()[0];
  const double eps_plain = 0.01, eps_guided = 0.05 + 3.0 * (0.01 - 0.05);
  EXPECT_NEAR(plain[0][0][0][0].item<double>(), -std::sqrt(1 - a) * eps_plain / std::sqrt(a), 1e-6);
  EXPECT_NEAR(guided[0][0][0][0].item<double>(), -std::sqrt(1 - a) * eps_guided / std::sqrt(a), 1e-6);
  // The same mix as a model of its own (what the loss-by-timestep diagnostic scores).
  auto t = torch::zeros({2}, torch::kInt64);
  auto mixed = trainers::guided(model, 3.0, 5)(noise, t, torch::tensor({1, 2}));
  EXPECT_NEAR(mixed[0][0][0][0].item<double>(), eps_guided, 1e-7);
  EXPECT_NEAR(mixed[1][0][0][0].item<double>(), 0.05 + 3.0 * (0.02 - 0.05), 1e-7);
  EXPECT_NEAR(trainers::guided(model, 1.0, 5)(noise, t, torch::tensor({1, 2}))[1][0][0][0].item<double>(), 0.02, 1e-7);
}

}  // namespace
}  // namespace fsearch::trainers
