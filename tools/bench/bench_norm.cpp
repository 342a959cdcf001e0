// Forward + backward time of the normalization layers on a ViT-sized activation (B, T, C) on CPU:
// LayerNorm, the point-wise layer's fused kernel, and its plain composition of torch operations.
//   bench-norm [--shape 256,197,192] [--threads N] [--repeats R] [--function erf(x)]
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstring>
#include <iostream>

#include "bench_common.h"
#include "fsearch/nn/norm.h"
#include "fsearch/functions/parse.h"
#include "fsearch/trainers/runtime.h"

using namespace fsearch;

int main(int argc, char** argv) {
  std::vector<int64_t> shape = {256, 197, 192};
  int threads = 0, repeats = 10;
  std::string function = "erf(x)";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--function")) function = argv[i + 1];
    if (!std::strcmp(argv[i], "--shape")) {
      shape.clear();
      for (char* p = std::strtok(argv[i + 1], ","); p; p = std::strtok(nullptr, ","))
        shape.push_back(std::atoll(p));
    }
  }
  trainers::keep_freed_memory();  // as in training (run_job)
  threads = trainers::configure_threads(threads);
  const int64_t channels = shape.back();
  std::cout << bench::provenance("cpu", threads) << "\n";
  std::cout << fmt::format("shape ({}) float32, forward + backward, median of {}\n", fmt::join(shape, ", "),
                           repeats);

  torch::manual_seed(0);
  auto x = torch::randn(shape).requires_grad_(true);
  auto upstream = torch::randn(shape);
  auto time_module = [&](const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
    return bench::median_ms(
        [&] {
          x.mutable_grad() = torch::Tensor();
          forward(x).backward(upstream);
        },
        repeats);
  };

  torch::nn::LayerNorm layer_norm(torch::nn::LayerNormOptions({channels}).eps(1e-6));
  nn::PointwiseNorm pointwise(functions::parse(function), channels, functions::ShiftMode::Scalar, 0.5);

  double ln = time_module([&](const torch::Tensor& t) { return layer_norm->forward(t); });
  pointwise->use_kernel = true;
  double fused = time_module([&](const torch::Tensor& t) { return pointwise->forward(t); });
  pointwise->use_kernel = false;
  double plain = time_module([&](const torch::Tensor& t) { return pointwise->forward_reference(t); });
  auto composed = [&](const torch::Tensor& t) {
    return pointwise->gamma * torch::erf(pointwise->alpha * t + pointwise->shift) + pointwise->beta;
  };
  double torch_ops = time_module(composed);

  std::cout << fmt::format("{:<44} {:>9.1f} ms  {:>5.2f}x LayerNorm\n", "LayerNorm", ln, 1.0);
  std::cout << fmt::format("{:<44} {:>9.1f} ms  {:>5.2f}x LayerNorm\n",
                           "point-wise " + function + " (fused kernel)", fused, fused / ln);
  std::cout << fmt::format("{:<44} {:>9.1f} ms  {:>5.2f}x LayerNorm\n",
                           "point-wise " + function + " (reference path)", plain, plain / ln);
  std::cout << fmt::format("{:<44} {:>9.1f} ms  {:>5.2f}x LayerNorm\n",
                           "gamma*erf(alpha*x+s)+beta (plain torch ops)", torch_ops, torch_ops / ln);
  return 0;
}
