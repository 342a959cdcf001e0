// nn::gelu_tanh: the fused CPU kernel against torch::gelu(x, "tanh") (outputs and gradients, float
// and double, contiguous or not, out to where tanh saturates), NaN and infinities as torch has
// them, and one thread against two.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "fsearch/nn/gelu.h"

using namespace fsearch;

namespace {

// Output and d(sum(out * upstream))/dx for the kernel or the reference.
std::pair<torch::Tensor, torch::Tensor> run(const torch::Tensor& x, const torch::Tensor& upstream, bool kernel) {
  auto input = x.detach().clone().requires_grad_(true);
  auto out = kernel ? nn::gelu_tanh(input) : nn::gelu_tanh_reference(input);
  (out * upstream).sum().backward();
  return {out.detach(), input.grad()};
}

}  // namespace

TEST(GeluTanh, KernelAgreesWithTorch) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const double tolerance = dtype == torch::kFloat ? 2e-6 : 1e-13;
    torch::manual_seed(5);
    // DiT-B's MLP shape, with tails far past where tanh saturates.
    auto x = torch::cat({torch::randn({128 * 49 * 384}) * 3, torch::linspace(-60, 60, 2401)}).to(dtype);
    auto upstream = torch::randn(x.sizes()).to(dtype);
    auto [y, dx] = run(x, upstream, true);
    auto [y_ref, dx_ref] = run(x, upstream, false);
    EXPECT_LE((y - y_ref).abs().max().item<double>(), tolerance * 10) << dtype;  // |y| up to 60
    EXPECT_LE((dx - dx_ref).abs().max().item<double>(), tolerance * 5) << dtype;
    EXPECT_GT(y.abs().max().item<double>(), 50);  // the tails were there
  }
}

// Float and double CPU tensors take the kernel (else the agreement above would be torch's with
// itself); a half-precision one takes torch::gelu.
TEST(GeluTanh, FloatAndDoubleTakeTheKernel) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    auto x = torch::randn({8}).to(dtype).requires_grad_(true);
    EXPECT_NE(nn::gelu_tanh(x).grad_fn()->name().find("FusedGeluTanh"), std::string::npos) << dtype;
    EXPECT_EQ(nn::gelu_tanh_reference(x).grad_fn()->name().find("FusedGeluTanh"), std::string::npos);
  }
  auto half = torch::randn({8}).to(torch::kBFloat16).requires_grad_(true);
  EXPECT_EQ(nn::gelu_tanh(half).grad_fn()->name().find("FusedGeluTanh"), std::string::npos);
}

TEST(GeluTanh, StridedInputTakesItsOwnLayout) {
  torch::manual_seed(6);
  auto x = torch::randn({64, 96}).t();  // not contiguous
  auto upstream = torch::randn({96, 64});
  auto [y, dx] = run(x, upstream, true);
  auto [y_ref, dx_ref] = run(x, upstream, false);
  EXPECT_TRUE(torch::allclose(y, y_ref, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(dx, dx_ref, 1e-6, 1e-6));
  EXPECT_EQ(y.sizes(), x.sizes());
}

// NaN and infinities are how divergence shows: they come out where torch has them.
TEST(GeluTanh, NanAndInfinitiesComeOutAsTorchHasThem) {
  auto x = torch::tensor({NAN, INFINITY, -INFINITY, 0.0f, 1.0f});
  auto upstream = torch::ones({5});
  auto [y, dx] = run(x, upstream, true);
  auto [y_ref, dx_ref] = run(x, upstream, false);
  for (int64_t i = 0; i < 5; ++i) {
    const double a = y[i].item<double>(), b = y_ref[i].item<double>();
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b || std::abs(a - b) < 1e-6) << i << ": " << a << " " << b;
  }
  EXPECT_TRUE(std::isnan(y[0].item<double>()));
  EXPECT_TRUE(std::isnan(dx[0].item<double>()));
  EXPECT_EQ(y[1].item<double>(), INFINITY);
}

TEST(GeluTanh, TwoThreadsGiveOneThreadsResultToTheBit) {
  torch::manual_seed(7);
  auto x = torch::randn({200000});
  auto upstream = torch::randn({200000});
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  auto [y1, dx1] = run(x, upstream, true);
  torch::set_num_threads(2);
  auto [y2, dx2] = run(x, upstream, true);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(y1, y2));
  EXPECT_TRUE(torch::equal(dx1, dx2));
}
