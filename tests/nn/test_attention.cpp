// nn::attention: the fused CPU kernel against the plain composition (outputs and gradients, float
// and double, the proxies' shape and odd ones), one and two threads, and the logit probe. ctest runs
// the suite on each of the kernel's paths (register tiles, direct BLAS calls, at::bmm) and both loop
// builds.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>

#include "fsearch/functions/vector_math.h"  // cpu_has_avx2
#include "fsearch/nn/attention.h"

using namespace fsearch;

namespace {

struct Case {
  int64_t batch, tokens, width, heads;
};

// Output and d(sum(out * upstream))/d(qkv) for the kernel or the reference.
std::pair<torch::Tensor, torch::Tensor> run(const torch::Tensor& qkv, const torch::Tensor& upstream,
                                            int64_t heads, bool kernel) {
  auto input = qkv.clone().requires_grad_(true);
  auto out = kernel ? nn::attention(input, heads) : nn::attention_reference(input, heads);
  (out * upstream).sum().backward();
  return {out.detach(), input.grad()};
}

}  // namespace

TEST(Attention, KernelAgreesWithReference) {
  const std::vector<Case> cases = {{4, 49, 64, 4}, {3, 7, 15, 3}, {2, 1, 8, 2}, {1, 50, 96, 1}};
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    for (const auto& c : cases) {
      torch::manual_seed(3);
      auto qkv = (torch::randn({c.batch, c.tokens, 3 * c.width}) * 2).to(dtype);
      auto upstream = torch::randn({c.batch, c.tokens, c.width}).to(dtype);
      auto [out, grad] = run(qkv, upstream, c.heads, true);
      auto [ref_out, ref_grad] = run(qkv, upstream, c.heads, false);
      const double tol = dtype == torch::kFloat ? 1e-5 : 1e-12;
      ASSERT_EQ(out.sizes(), ref_out.sizes());
      EXPECT_TRUE(torch::allclose(out, ref_out, tol, tol))
          << "output, T " << c.tokens << " heads " << c.heads << " dtype " << dtype << " max diff "
          << (out - ref_out).abs().max().item<double>();
      EXPECT_TRUE(torch::allclose(grad, ref_grad, tol, tol))
          << "gradient, T " << c.tokens << " heads " << c.heads << " dtype " << dtype << " max diff "
          << (grad - ref_grad).abs().max().item<double>();
    }
  }
}

// Debian's LibTorch brings a BLAS into the process, so the kernel takes its direct path, unless the
// environment asks for the at::bmm path; float heads of 8 to 32 take register tiles on a CPU with
// AVX2 unless the environment refuses them (ctest runs this suite all three ways: Baseline.*).
TEST(Attention, ChoosesItsProductsByTheProcessAndTheEnvironment) {
  const bool has_blas = dlsym(RTLD_DEFAULT, "sgemm_") != nullptr && dlsym(RTLD_DEFAULT, "dgemm_") != nullptr;
  const bool refused = std::getenv("FSEARCH_NO_DIRECT_BLAS") != nullptr;
  EXPECT_EQ(nn::attention_calls_blas_directly(), has_blas && !refused);
  const std::string fallback = has_blas && !refused ? "sgemm_ calls" : "at::bmm";
  const bool tiles = cpu_has_avx2() && std::getenv("FSEARCH_NO_SMALL_GEMM") == nullptr;
  for (int64_t head_dim : {8, 16, 24, 32}) EXPECT_EQ(nn::attention_products(head_dim), tiles ? "register tiles" : fallback);
  for (int64_t head_dim : {1, 4, 12, 40, 64}) EXPECT_EQ(nn::attention_products(head_dim), fallback);
}

// Odd shapes: sequences and head widths on both sides of the vector and tile widths of the products
// and of the softmax's loops (8 floats, 4 doubles), in float and double.
TEST(Attention, KernelAgreesWithReferenceAtOddShapes) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    for (int64_t tokens : {1, 3, 4, 5, 8, 9, 16, 17, 33}) {
      for (int64_t head_dim : {1, 3, 4, 8, 9, 16, 17, 24, 32, 40}) {
        torch::manual_seed(tokens * 100 + head_dim);
        auto qkv = torch::randn({2, tokens, 3 * 2 * head_dim}).to(dtype);
        auto upstream = torch::randn({2, tokens, 2 * head_dim}).to(dtype);
        auto [out, grad] = run(qkv, upstream, 2, true);
        auto [ref_out, ref_grad] = run(qkv, upstream, 2, false);
        const double tol = dtype == torch::kFloat ? 1e-5 : 1e-12;
        EXPECT_TRUE(torch::allclose(out, ref_out, tol, tol))
            << "output, T " << tokens << " head width " << head_dim << " dtype " << dtype;
        EXPECT_TRUE(torch::allclose(grad, ref_grad, tol, tol))
            << "gradient, T " << tokens << " head width " << head_dim << " dtype " << dtype;
      }
    }
  }
}

// Logits far below zero in every row: the softmax must subtract each row's own maximum (not that of
// a row padded with zeros, as the register-tile path stores them), or exp underflows and the
// weights come out 0 / 0. Sequences on both sides of the 8-float register. Logits near -144 carry
// float rounding of about 1e-5 whichever order a product sums in, so the reference is computed in
// double and the tolerance is that conditioning's, far below what a wrong maximum gives.
TEST(Attention, RowsOfLargeNegativeLogitsAgreeWithReference) {
  for (int64_t tokens : {5, 8, 9, 49}) {
    torch::manual_seed(tokens);
    const int64_t hd = 16;
    auto q = 6.0 + 0.1 * torch::randn({2, tokens, 2 * hd});
    auto k = -6.0 + 0.1 * torch::randn({2, tokens, 2 * hd});
    auto qkv = torch::cat({q, k, torch::randn({2, tokens, 2 * hd})}, 2);  // q k^T / 4 near -144
    auto upstream = torch::randn({2, tokens, 2 * hd});
    auto [out, grad] = run(qkv, upstream, 2, true);
    auto [ref_out, ref_grad] = run(qkv.to(torch::kDouble), upstream.to(torch::kDouble), 2, false);
    ASSERT_TRUE(torch::isfinite(out).all().item<bool>()) << "T " << tokens;
    const auto out_error = (out.to(torch::kDouble) - ref_out).abs().max().item<double>();
    const auto grad_error = (grad.to(torch::kDouble) - ref_grad).abs().max().item<double>();
    EXPECT_LT(out_error, 1e-3) << "T " << tokens;
    EXPECT_LT(grad_error, 1e-3) << "T " << tokens;
  }
}

// A qkv that is a view with gaps (a slice of a wider projection) gives the composition's output and
// gradient too.
TEST(Attention, NonContiguousInputAgreesWithReference) {
  torch::manual_seed(5);
  const auto wide = torch::randn({3, 9, 2 * 3 * 16});
  const auto upstream = torch::randn({3, 9, 16});
  auto gradient_of = [&](bool kernel) {
    auto input = wide.clone().requires_grad_(true);
    auto qkv = input.slice(2, 0, 3 * 16);
    EXPECT_FALSE(qkv.is_contiguous());
    auto out = kernel ? nn::attention(qkv, 2) : nn::attention_reference(qkv, 2);
    (out * upstream).sum().backward();
    return std::pair{out.detach(), input.grad()};
  };
  auto [out, grad] = gradient_of(true);
  auto [ref_out, ref_grad] = gradient_of(false);
  EXPECT_TRUE(torch::allclose(out, ref_out, 1e-5, 1e-5)) << (out - ref_out).abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(grad, ref_grad, 1e-5, 1e-5)) << (grad - ref_grad).abs().max().item<double>();
}

TEST(Attention, SameResultOnOneAndTwoThreads) {
  torch::manual_seed(4);
  auto qkv = torch::randn({6, 49, 3 * 64});
  auto upstream = torch::randn({6, 49, 64});
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  auto one = run(qkv, upstream, 4, true);
  torch::set_num_threads(2);
  auto two = run(qkv, upstream, 4, true);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one.first, two.first));
  EXPECT_TRUE(torch::equal(one.second, two.second));
}

TEST(Attention, NonFiniteInputsStayNonFinite) {
  auto qkv = torch::randn({2, 5, 3 * 8});
  qkv.index_put_({0, 1, 0}, NAN);  // a query of batch 0
  auto out = nn::attention(qkv, 2);
  EXPECT_TRUE(out[0].isnan().any().item<bool>());
  EXPECT_FALSE(out[1].isnan().any().item<bool>());  // batch 1 untouched
}

TEST(Attention, LogitProbeIsTheLargestScaledProduct) {
  auto qkv = torch::zeros({1, 2, 3 * 4});
  qkv.index_put_({0, 0, 0}, 3.0);  // q of token 0, head 0, first channel
  qkv.index_put_({0, 1, 4}, 2.0);  // k of token 1, head 0, first channel
  EXPECT_NEAR(nn::attention_logit_absmax(qkv, 2), 3.0 * 2.0 / std::sqrt(2.0), 1e-5);  // in float
}

TEST(Attention, RefusesAWidthThatHeadsDoNotDivide) {
  EXPECT_THROW(nn::attention(torch::randn({1, 3, 3 * 10}), 4), c10::Error);
}
