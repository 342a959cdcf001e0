// Writing images: PNG files (8-bit grey or RGB, via zlib) and grids of samples per class.
#pragma once

#include <torch/torch.h>

#include <filesystem>

namespace fsearch::trainers {

// pixels: uint8 (C, H, W) with C = 1 or 3. Written atomically. Throws Error on I/O failure.
void write_png(const std::filesystem::path& file, const torch::Tensor& pixels);

// One row per class, up to `columns` images each, with a 2-pixel border: pixels uint8 (N, C, H, W),
// labels (N) -> uint8 (C, rows * (H + 2) + 2, columns * (W + 2) + 2).
torch::Tensor class_grid(const torch::Tensor& pixels, const torch::Tensor& labels, int classes, int columns);

// Degradations for checking a metric: Gaussian pixel noise of std `sigma` (in units of the full
// range, e.g. 0.1 = 25.5 grey levels), seeded; and a Gaussian blur of std `sigma` pixels. Both take
// and return uint8 (N, C, H, W), rounded and clamped.
torch::Tensor add_noise(const torch::Tensor& pixels, double sigma, std::uint64_t seed);
torch::Tensor gaussian_blur(const torch::Tensor& pixels, double sigma);

}  // namespace fsearch::trainers
