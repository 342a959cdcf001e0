#include "fsearch/trainers/images.h"

#include <ATen/CPUGeneratorImpl.h>
#include <zlib.h>

#include <cmath>
#include <string>

#include "big_endian.h"
#include "fsearch/core/error.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {
namespace {

// A PNG chunk: length, type, data, CRC of type and data.
void put_chunk(std::string& out, const char* type, const std::string& data) {
  detail::append_u32_be(out, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  detail::append_u32_be(
      out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

}  // namespace

void write_png(const std::filesystem::path& file, const torch::Tensor& pixels) {
  if (pixels.dim() != 3 || (pixels.size(0) != 1 && pixels.size(0) != 3) ||
      pixels.scalar_type() != torch::kUInt8) {
    throw Error("write_png needs uint8 (C, H, W) pixels with C = 1 or 3");
  }
  const auto c = pixels.size(0), h = pixels.size(1), w = pixels.size(2);
  auto hwc = pixels.permute({1, 2, 0}).contiguous().to(torch::kCPU);  // (H, W, C)
  const auto* data = hwc.data_ptr<std::uint8_t>();
  std::string raw;  // each row: filter type 0 (none), then the row's bytes
  raw.reserve(h * (w * c + 1));
  for (std::int64_t y = 0; y < h; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(data + y * w * c), w * c);
  }
  uLongf size = compressBound(raw.size());
  std::string compressed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 9) != Z_OK) {
    throw Error("write_png: compression failed");
  }
  compressed.resize(size);
  std::string header;
  detail::append_u32_be(header, static_cast<std::uint32_t>(w));
  detail::append_u32_be(header, static_cast<std::uint32_t>(h));
  header += std::string{8, static_cast<char>(c == 1 ? 0 : 2), 0, 0, 0};  // depth 8, grey or RGB
  std::string png = "\x89PNG\r\n\x1a\n";
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", compressed);
  put_chunk(png, "IEND", "");
  write_atomic(file, png);
}

torch::Tensor class_grid(const torch::Tensor& pixels, const torch::Tensor& labels, int classes, int columns) {
  const auto c = pixels.size(1), h = pixels.size(2), w = pixels.size(3);
  auto grid = torch::full({c, classes * (h + 2) + 2, columns * (w + 2) + 2}, 255, torch::kUInt8);
  std::vector<int> filled(classes, 0);
  auto cpu_labels = labels.to(torch::kCPU, torch::kInt64);
  for (std::int64_t i = 0; i < pixels.size(0); ++i) {
    const auto label = cpu_labels[i].item<std::int64_t>();
    if (label < 0 || label >= classes || filled[label] >= columns) continue;
    const auto col = filled[label]++;
    grid.narrow(1, 2 + label * (h + 2), h).narrow(2, 2 + col * (w + 2), w).copy_(pixels[i]);
  }
  return grid;
}

torch::Tensor add_noise(const torch::Tensor& pixels, double sigma, std::uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  auto noise = at::normal(0.0, sigma * 255.0, pixels.sizes(), generator);
  return (pixels.to(torch::kFloat32) + noise).round().clamp(0, 255).to(torch::kUInt8);
}

torch::Tensor gaussian_blur(const torch::Tensor& pixels, double sigma) {
  if (sigma <= 0) return pixels;
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  auto x = torch::arange(-radius, radius + 1, torch::kFloat32);
  auto kernel = torch::exp(-x * x / (2 * sigma * sigma));
  kernel = kernel / kernel.sum();  // (K)
  const auto c = pixels.size(1);
  auto images = pixels.to(torch::kFloat32);
  // Separable: rows, then columns; each channel on its own (groups = C); edges replicated.
  auto padded = torch::replication_pad2d(images, {radius, radius, radius, radius});
  auto horizontal = kernel.view({1, 1, 1, -1}).repeat({c, 1, 1, 1});
  auto vertical = kernel.view({1, 1, -1, 1}).repeat({c, 1, 1, 1});
  namespace F = torch::nn::functional;
  auto out = F::conv2d(padded, horizontal, F::Conv2dFuncOptions().groups(c));
  out = F::conv2d(out, vertical, F::Conv2dFuncOptions().groups(c));
  return out.round().clamp(0, 255).to(torch::kUInt8);
}

}  // namespace fsearch::trainers
