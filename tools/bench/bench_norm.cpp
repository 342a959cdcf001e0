// Forward and backward time of the normalization layers on a ViT-sized activation (B, T, C) on CPU:
// LayerNorm, the point-wise layer's fused kernel, its reference path, and (for erf and tanh) the
// plain composition of torch operations a researcher would write.
// The forward is timed alone (building the graph, as in training); backward = both - forward.
//   bench-norm [--shape 256,197,192] [--threads N] [--repeats R] [--function erf(x)] [--only NAME]
// --only runs the layers whose name contains NAME (e.g. "fused", to profile the kernel alone).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <iostream>

#include "bench_common.h"
#include "fsearch/nn/norm.h"
#include "fsearch/functions/parse.h"
#include "fsearch/trainers/runtime.h"

using namespace fsearch;

int main(int argc, char** argv) {
  std::vector<int64_t> shape = {256, 197, 192};
  int threads = 0, repeats = 10;
  std::string function = "erf(x)", only;
  CLI::App app{"Forward and backward time of LayerNorm and the point-wise layer on one activation (B, T, C)"};
  app.add_option("--shape", shape, "Activation shape B,T,C (vit-tiny's: 128,49,64)")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", threads, "Torch intra-op threads (default: the cores available)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repeats", repeats, "Timed calls per layer; the median is printed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--function", function, "The point-wise layer's function f")->capture_default_str();
  app.add_option("--only", only, "Run only the layers whose name contains this (e.g. fused, for a profiler)");
  CLI11_PARSE(app, argc, argv);
  trainers::keep_freed_memory();  // as in training (run_job)
  threads = trainers::configure_threads(threads);
  const int64_t channels = shape.back();
  std::cout << bench::provenance("cpu", threads) << "\n";
  std::cout << fmt::format("shape ({}) float32, median of {}, ms per call\n", fmt::join(shape, ", "), repeats);
  std::cout << fmt::format("{:<44} {:>9} {:>9} {:>9} {:>12}\n", "layer", "forward", "backward", "both",
                           "x LayerNorm");

  torch::manual_seed(0);
  auto x = torch::randn(shape).requires_grad_(true);
  auto upstream = torch::randn(shape);
  torch::nn::LayerNorm layer_norm(torch::nn::LayerNormOptions({channels}).eps(1e-6));
  nn::PointwiseNorm pointwise(functions::parse(function), channels, functions::ShiftMode::Scalar, 0.5);

  double layer_norm_ms = 0;
  auto report = [&](const std::string& name, const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
    if (!only.empty() && name.find(only) == std::string::npos) return;
    double forward_ms = bench::median_ms([&] { forward(x); }, repeats);
    double both_ms = bench::median_ms(
        [&] {
          x.mutable_grad() = torch::Tensor();
          forward(x).backward(upstream);
        },
        repeats);
    if (name == "LayerNorm") layer_norm_ms = both_ms;
    std::string ratio = layer_norm_ms > 0 ? fmt::format("{:.2f}x", both_ms / layer_norm_ms) : "";
    std::cout << fmt::format("{:<44} {:>9.2f} {:>9.2f} {:>9.2f} {:>12}\n", name, forward_ms,
                             both_ms - forward_ms, both_ms, ratio);
  };

  report("LayerNorm", [&](const torch::Tensor& t) { return layer_norm->forward(t); });
  pointwise->use_kernel = true;
  report("point-wise " + function + " (fused kernel)", [&](const torch::Tensor& t) { return pointwise->forward(t); });
  pointwise->use_kernel = false;
  report("point-wise " + function + " (reference path)",
         [&](const torch::Tensor& t) { return pointwise->forward_reference(t); });
  // What a researcher would write by hand, for the two functions torch has as one operation.
  if (function == "erf(x)" || function == "tanh(x)") {
    const bool erf = function == "erf(x)";
    report(fmt::format("gamma*{}(alpha*x+s)+beta (plain torch ops)", erf ? "erf" : "tanh"), [&](const torch::Tensor& t) {
      auto u = pointwise->alpha * t + pointwise->shift;
      return pointwise->gamma * (erf ? torch::erf(u) : torch::tanh(u)) + pointwise->beta;
    });
  }
  return 0;
}
