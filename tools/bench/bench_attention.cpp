// Forward and backward time of multi-head attention on a packed qkv projection (B, T, 3 D) on CPU:
// the fused kernel (nn/src/attention.cpp) and the plain composition of torch operations
// (attention_reference). The kernel's products take the path this process has: register tiles
// (AVX2 + FMA), sgemm_ of the process's BLAS (FSEARCH_NO_SMALL_GEMM=1), or at::bmm
// (FSEARCH_NO_DIRECT_BLAS=1 as well); run it once per setting to compare them.
// The forward is timed alone (building the graph, as in training); backward = both - forward.
//   bench-attention [--shape 128,49,64] [--heads 4] [--threads N] [--repeats R] [--only NAME]
// --only runs the paths whose name contains NAME (e.g. "fused", to profile the kernel alone).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <iostream>

#include "bench_common.h"
#include "fsearch/nn/attention.h"
#include "fsearch/trainers/runtime.h"

using namespace fsearch;

int main(int argc, char** argv) {
  std::vector<int64_t> shape = {128, 49, 64};
  int64_t heads = 4;
  int threads = 0, repeats = 50;
  std::string only;
  CLI::App app{"Forward and backward time of the attention kernel on one qkv projection (B, T, 3 D)"};
  app.add_option("--shape", shape, "Batch, tokens and width B,T,D (vit-tiny's: 128,49,64)")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--heads", heads, "Attention heads (D must be a multiple)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", threads, "Torch intra-op threads (default: the cores available)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repeats", repeats, "Timed calls per path; the median is printed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--only", only, "Run only the paths whose name contains this (e.g. fused, for a profiler)");
  CLI11_PARSE(app, argc, argv);
  if (shape[2] % heads != 0) {
    std::cerr << fmt::format("bench-attention: --shape width {} is not a multiple of --heads {}\n", shape[2], heads);
    return 2;
  }
  trainers::keep_freed_memory();  // as in training (run_job)
  threads = trainers::configure_threads(threads);
  std::cout << bench::provenance("cpu", threads) << "\n";
  std::cout << fmt::format("qkv ({}, {}, {}) float32, {} heads; products by {}; median of {}, ms per call\n",
                           shape[0], shape[1], 3 * shape[2], heads, nn::attention_products(shape[2] / heads), repeats);
  std::cout << fmt::format("{:<28} {:>9} {:>9} {:>9}\n", "path", "forward", "backward", "both");

  torch::manual_seed(0);
  auto qkv = torch::randn({shape[0], shape[1], 3 * shape[2]}).requires_grad_(true);
  auto upstream = torch::randn({shape[0], shape[1], shape[2]});
  auto report = [&](const std::string& name, const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
    if (!only.empty() && name.find(only) == std::string::npos) return;
    const double forward_ms = bench::median_ms([&] { forward(qkv); }, repeats);
    const double both_ms = bench::median_ms(
        [&] {
          qkv.mutable_grad() = torch::Tensor();
          forward(qkv).backward(upstream);
        },
        repeats);
    std::cout << fmt::format("{:<28} {:>9.3f} {:>9.3f} {:>9.3f}\n", name, forward_ms, both_ms - forward_ms,
                             both_ms);
  };
  report("fused kernel", [&](const torch::Tensor& t) { return nn::attention(t, heads); });
  report("torch composition", [&](const torch::Tensor& t) { return nn::attention_reference(t, heads); });
  return 0;
}
