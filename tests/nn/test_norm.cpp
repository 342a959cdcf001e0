// The normalization layers: parameters, init, shapes in all shift modes, the fused kernel against
// the plain composition, and gradients against finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "fsearch/core/error.h"
#include "fsearch/functions/parse.h"
#include "fsearch/nn/norm.h"

namespace fsearch::nn {
namespace {

using namespace functions;

std::map<std::string, torch::Tensor> params(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : m.named_parameters()) out[item.key()] = item.value();
  return out;
}

TEST(PointwiseNorm, ParametersAndInitInEveryShiftMode) {
  struct Case {
    ShiftMode mode;
    std::vector<int64_t> shift_shape;  // empty vector = no shift parameter at all
    bool has_shift;
  };
  for (auto c : {Case{ShiftMode::None, {}, false}, Case{ShiftMode::Scalar, {}, true},
                 Case{ShiftMode::Vector, {8}, true}}) {
    PointwiseNorm norm(parse("erf(x)"), 8, c.mode, 0.7);
    auto p = params(*norm);
    ASSERT_EQ(p.count("shift"), c.has_shift ? 1u : 0u) << to_string(c.mode);
    if (c.has_shift) {
      EXPECT_EQ(p["shift"].sizes().vec(), c.shift_shape);
      EXPECT_TRUE(p["shift"].eq(0).all().item<bool>());
    }
    EXPECT_EQ(p["alpha"].dim(), 0);
    EXPECT_FLOAT_EQ(p["alpha"].item<float>(), 0.7f);
    EXPECT_TRUE(p["gamma"].eq(1).all().item<bool>());
    EXPECT_TRUE(p["beta"].eq(0).all().item<bool>());
    EXPECT_EQ(p["gamma"].sizes().vec(), std::vector<int64_t>{8});
    EXPECT_EQ(p.size(), c.has_shift ? 4u : 3u);
  }
  PointwiseNorm bare(parse("tanh(x)"), 8, ShiftMode::None, 0.5, /*affine=*/false);
  EXPECT_EQ(params(*bare).size(), 1u);  // alpha only: a DiT block modulates after the norm
}

TEST(PointwiseNorm, ComputesTheLayerFormula) {
  torch::manual_seed(0);
  PointwiseNorm norm(parse("erf(x)"), 4, ShiftMode::Vector, 0.5);
  {
    torch::NoGradGuard guard;
    norm->shift.copy_(torch::tensor({0.1f, -0.2f, 0.3f, 0.0f}));
    norm->gamma.copy_(torch::tensor({1.0f, 2.0f, 0.5f, -1.0f}));
    norm->beta.copy_(torch::tensor({0.0f, 0.1f, -0.1f, 1.0f}));
  }
  auto x = torch::randn({2, 3, 4});
  auto expected = norm->gamma * torch::erf(0.5 * x + norm->shift) + norm->beta;
  auto y = norm->forward(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_TRUE(torch::allclose(y, expected, 1e-6, 1e-6));
}

// Fused kernel vs reference composition: outputs and every gradient, all shift modes, both dtypes,
// and shapes that fill one block of rows, several with a partial last one, and rows wider than a block.
TEST(PointwiseNorm, KernelAgreesWithReference) {
  const std::vector<std::vector<int64_t>> shapes = {{5, 7, 48}, {3, 50, 100}, {3, 2100}};
  for (const auto& shape : shapes)
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      for (auto mode : {ShiftMode::None, ShiftMode::Scalar, ShiftMode::Vector}) {
        for (const char* f : {"erf(x)", "power23(x)", "flat(tanh, 0.5)", "logquad_clip(x)"}) {
          torch::manual_seed(1);
          PointwiseNorm norm(parse(f), shape.back(), mode, 0.5);
          norm->to(dtype);
          {
            torch::NoGradGuard guard;
            for (auto& p : norm->parameters()) p.add_(torch::randn_like(p) * 0.1);
          }
          auto x = (torch::randn(shape) * 3).to(dtype);
          x.view(-1)[0] = 0.0;  // an exact zero input
          auto upstream = torch::randn(shape).to(dtype);
          auto run = [&](bool kernel) {
            norm->use_kernel = kernel;
            norm->zero_grad();
            auto xi = x.clone().requires_grad_(true);
            auto y = norm->forward(xi);
            (y * upstream).sum().backward();
            std::vector<torch::Tensor> out = {y.detach(), xi.grad()};
            for (auto& p : norm->parameters()) out.push_back(p.grad().clone());
            return out;
          };
          auto fused = run(true), reference = run(false);
          double tol = dtype == torch::kFloat ? 2e-4 : 1e-10;
          ASSERT_EQ(fused.size(), reference.size());
          for (std::size_t i = 0; i < fused.size(); ++i) {
            EXPECT_TRUE(torch::allclose(fused[i], reference[i], tol, tol))
                << f << " shift=" << to_string(mode) << " output " << i << " dtype " << dtype << " shape "
                << shape;
          }
          // Without gradients (evaluation) the kernel skips f' and gives the same output.
          torch::NoGradGuard no_grad;
          norm->use_kernel = true;
          auto evaluated = norm->forward(x);
          EXPECT_TRUE(torch::allclose(evaluated, fused[0], 0, 0)) << f << " shape " << shape;
        }
      }
    }
}

// gamma's gradient, sum dy f(u), has three sources in the kernel: f evaluated again, the output
// solved for f (y = gamma f + beta, where gamma and beta allow it), or none (no affine parameters).
// Each against the plain composition: gamma near 1 (the output), a channel with gamma = 0 and one
// with |beta| far above |gamma| (f again), and a layer without gamma and beta.
TEST(PointwiseNorm, KernelAgreesWithReferenceForEveryGammaAndBeta) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    for (const char* f : {"erf(x)", "tanh(x)", "clip(linear, 1)"}) {
      for (int variant = 0; variant < 4; ++variant) {
        torch::manual_seed(4);
        const int64_t channels = 24;
        PointwiseNorm norm(parse(f), channels, ShiftMode::Vector, 0.5, /*affine=*/variant != 3);
        norm->to(dtype);
        if (variant != 3) {
          torch::NoGradGuard guard;
          norm->gamma.copy_(1 + 0.2 * torch::randn({channels}));
          norm->beta.copy_(0.5 * torch::randn({channels}));
          if (variant == 1) norm->gamma[3] = 0.0;
          if (variant == 2) norm->gamma[5] = 1e-3;
        }
        auto x = (torch::randn({6, 9, channels}) * 3).to(dtype);
        auto upstream = torch::randn({6, 9, channels}).to(dtype);
        auto run = [&](bool kernel) {
          norm->use_kernel = kernel;
          norm->zero_grad();
          auto xi = x.clone().requires_grad_(true);
          (norm->forward(xi) * upstream).sum().backward();
          std::vector<torch::Tensor> out = {xi.grad()};
          for (auto& p : norm->parameters()) out.push_back(p.grad().clone());
          return out;
        };
        auto fused = run(true), reference = run(false);
        const double tol = dtype == torch::kFloat ? 2e-4 : 1e-10;
        ASSERT_EQ(fused.size(), reference.size());
        for (std::size_t i = 0; i < fused.size(); ++i) {
          EXPECT_TRUE(torch::allclose(fused[i], reference[i], tol, tol))
              << f << " variant " << variant << " gradient " << i << " dtype " << dtype << "\n"
              << fused[i] - reference[i];
        }
      }
    }
  }
}

// The backward pass evaluates f again: it must still have the function when the layer that made
// the graph is gone.
TEST(PointwiseNorm, BackwardRunsAfterTheLayerIsGone) {
  torch::manual_seed(3);
  auto x = torch::randn({4, 5, 8}).requires_grad_(true);
  torch::Tensor y;
  {
    PointwiseNorm norm(parse("erf(x)"), 8, ShiftMode::Scalar, 0.5);
    y = norm->forward(x);
  }
  y.sum().backward();
  // gamma = 1, s = 0: dy/dx = alpha erf'(alpha x) = alpha (2 / sqrt(pi)) exp(-(alpha x)^2).
  auto expected = 0.5 * (2 / std::sqrt(M_PI)) * torch::exp(-(0.5 * x.detach()).pow(2));
  EXPECT_TRUE(torch::allclose(x.grad(), expected, 1e-6, 1e-6));
}

// gamma's gradient may come from the layer's output (the sum of dy y): a caller that changes the
// output in place before the backward pass must get autograd's error, never a wrong gradient.
TEST(PointwiseNorm, OutputChangedInPlaceStopsTheBackward) {
  torch::manual_seed(5);
  PointwiseNorm norm(parse("erf(x)"), 8, ShiftMode::Vector, 0.5);
  auto x = torch::randn({4, 5, 8}).requires_grad_(true);
  auto y = norm->forward(x);
  y.mul_(2);
  EXPECT_THROW(y.sum().backward(), c10::Error);
  // Unchanged, the same layer's backward runs.
  auto y2 = norm->forward(x);
  EXPECT_NO_THROW(y2.sum().backward());
}

TEST(PointwiseNorm, GradcheckInDouble) {
  torch::manual_seed(2);
  PointwiseNorm norm(parse("arcsinh_clip(x)"), 6, ShiftMode::Vector, 0.5);
  norm->to(torch::kDouble);
  auto x = torch::randn({3, 6}, torch::kDouble).requires_grad_(true);
  auto y = norm->forward(x);
  auto upstream = torch::randn_like(y);
  auto grads = torch::autograd::grad({(y * upstream).sum()}, {x, norm->alpha, norm->shift, norm->gamma});
  const double h = 1e-6;
  auto loss = [&] { return (norm->forward(x) * upstream).sum().item<double>(); };
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> targets = {x, norm->alpha, norm->shift, norm->gamma};
  for (std::size_t t = 0; t < targets.size(); ++t) {
    auto flat = targets[t].view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      double keep = flat[i].item<double>();
      flat[i] = keep + h;
      double up = loss();
      flat[i] = keep - h;
      double down = loss();
      flat[i] = keep;
      EXPECT_NEAR(grads[t].view(-1)[i].item<double>(), (up - down) / (2 * h), 1e-6) << "input " << t;
    }
  }
}

TEST(NormLayer, PresetsAndKinds) {
  auto x = torch::randn({2, 5, 16});
  for (const auto& name : norm_preset_names()) {
    NormLayer layer(norm_preset(name), 16);
    EXPECT_EQ(layer->forward(x).sizes(), x.sizes()) << name;
  }
  auto dyt = norm_preset("dyt");
  EXPECT_EQ(dyt.shift, ShiftMode::None);
  EXPECT_EQ(dyt.function, "tanh(x)");
  auto derf = norm_preset("derf");
  EXPECT_EQ(derf.shift, ShiftMode::Scalar);
  EXPECT_DOUBLE_EQ(derf.alpha_init, 0.5);
  EXPECT_THROW(norm_preset("layernrom"), ConfigError);
  EXPECT_EQ(describe(derf), "pointwise erf(x) shift=scalar alpha0=0.5");
}

// The probe's share of inputs without gradient (|f'| < 1e-3 of its largest value): flat zones and
// saturation count, a derivative that is infinite at one point (power23's at 0) does not make every
// input count.
TEST(NormLayer, ProbeCountsInputsWithoutGradient) {
  torch::manual_seed(0);
  auto dead_share = [](const std::string& function, double input_std) {
    auto spec = norm_preset("dyt");  // alpha0 0.5, no shift
    spec.function = function;
    NormLayer layer(spec, 16);
    layer->set_probe(true);
    layer->forward(torch::randn({64, 16}) * input_std);
    return layer->stats().frac_dead;
  };
  EXPECT_LT(dead_share("erf(x)", 1.0), 0.01);
  EXPECT_GT(dead_share("erf(x)", 100.0), 0.9);       // saturated
  EXPECT_GT(dead_share("flat(erf, 3)", 1.0), 0.99);  // inside the flat zone |alpha x| < 3
  EXPECT_LT(dead_share("power23(x)", 1.0), 0.01);
  EXPECT_LT(dead_share("linear(x)", 100.0), 0.01);
}

// The probe's share of inputs past a hump (f' against the way f rises through the origin): alpha x
// over [-4, 4] puts sin past pi/2 on (4 - pi/2) / 4 of them, a monotone function (rising or, negated,
// falling) on none, a flat zone around 0 does not hide the direction, and a constant has none.
TEST(NormLayer, ProbeCountsInputsPastAHump) {
  auto reversed_share = [](const std::string& function) {
    auto spec = norm_preset("dyt");  // alpha0 0.5, no shift
    spec.function = function;
    NormLayer layer(spec, 4000);
    layer->set_probe(true);
    layer->forward(torch::linspace(-8, 8, 4000).reshape({1, 4000}));
    return layer->stats().frac_reversed;
  };
  EXPECT_NEAR(reversed_share("sin(x)"), (4 - M_PI / 2) / 4, 0.002);
  EXPECT_NEAR(reversed_share("dampx(x)"), 3.0 / 4, 0.002);  // 2x / (1 + x^2) falls beyond |x| = 1
  EXPECT_EQ(reversed_share("erf(x)"), 0);
  EXPECT_EQ(reversed_share("negate(erf)"), 0);
  EXPECT_EQ(reversed_share("flat(erf, 1)"), 0);
  EXPECT_TRUE(std::isnan(reversed_share("0 * x")));
}

TEST(NormLayer, LayerNormAndRMSNormNormalize) {
  auto x = torch::randn({4, 32}) * 5 + 3;
  NormLayer ln(norm_preset("layernorm"), 32);
  auto y = ln->forward(x);
  EXPECT_TRUE(torch::allclose(y.mean(-1), torch::zeros({4}), 1e-5, 1e-5));
  NormLayer rms(norm_preset("rmsnorm"), 32);
  auto r = rms->forward(x);
  EXPECT_TRUE(torch::allclose(r.pow(2).mean(-1), torch::ones({4}), 1e-4, 1e-4));
}

// GroupNorm over tokens: each (sample, group of channels) is normalized over all its tokens and
// channels, computed here by hand; per-channel gamma and beta act after.
TEST(NormLayer, GroupNormNormalizesEachGroupOverTokens) {
  torch::manual_seed(0);
  const int64_t batch = 3, tokens = 7, channels = 64;
  auto x = torch::randn({batch, tokens, channels}) * torch::linspace(0.5, 4, channels) + 2;
  GroupNorm gn(channels);
  EXPECT_EQ(gn->groups(), 32);
  auto y = gn->forward(x);
  ASSERT_EQ(y.sizes(), x.sizes());
  auto grouped = x.reshape({batch, tokens, 32, 2});  // group g holds channels 2g, 2g+1
  auto mean = grouped.mean({1, 3}, /*keepdim=*/true);
  auto var = (grouped - mean).pow(2).mean({1, 3}, /*keepdim=*/true);
  auto expected = ((grouped - mean) / torch::sqrt(var + 1e-6)).reshape({batch, tokens, channels});
  EXPECT_TRUE(torch::allclose(y, expected, 1e-4, 1e-4));
  // Not LayerNorm: a token's channels need not have mean 0 (the statistics span the tokens).
  EXPECT_GT(y.mean(-1).abs().max().item<double>(), 0.05);
  // gamma and beta per channel, trainable; without affine, none.
  {
    torch::NoGradGuard no_grad;
    gn->gamma.fill_(2);
    gn->beta.fill_(1);
  }
  EXPECT_TRUE(torch::allclose(gn->forward(x), expected * 2 + 1, 1e-4, 1e-4));
  EXPECT_EQ(GroupNorm(channels, /*affine=*/false)->parameters().size(), 0u);
  // Widths that 32 does not divide take the largest divisor below it; (batch, C) inputs work too.
  EXPECT_EQ(GroupNorm(48)->groups(), 24);
  EXPECT_EQ(GroupNorm(7)->groups(), 7);
  EXPECT_EQ(GroupNorm(48)->forward(torch::randn({4, 48})).sizes(), (std::vector<int64_t>{4, 48}));
  // The preset reaches it.
  NormLayer layer(norm_preset("groupnorm"), channels);
  EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-4, 1e-4));
}

}  // namespace
}  // namespace fsearch::nn
