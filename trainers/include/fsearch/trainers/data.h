// Image classification data: Fashion-MNIST and any IDX set (MNIST), CIFAR-10/100 binary files, and a
// synthetic set for fast tests. Batches are a pure function of (seed, step): the order of an epoch
// comes from (seed, epoch) and augmentation from (seed, step), so a resumed job sees exactly the
// batches an uninterrupted one would, with no data-loader state to save.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {

struct Dataset {
  torch::Tensor images;  // uint8 (N, C, H, W)
  torch::Tensor labels;  // int64 (N)
  int classes = 0;
  std::int64_t size() const { return labels.size(0); }
};

struct DataSplits {
  Dataset train, test;
  std::string name;
  double mean = 0.0, std = 1.0;  // of the training pixels in [0, 1], for normalization
};

// Throws ConfigError naming the file that is missing or malformed.
DataSplits load_data(const DataSpec& spec, std::uint64_t seed);

// IDX files (gzipped or not): images (magic 2051) and labels (magic 2049).
Dataset read_idx(const std::string& images_file, const std::string& labels_file);
// Writes `d` as IDX files (uncompressed): images with magic 2051 (N, H, W) when C = 1, else 2052
// (N, C, H, W), which read_idx also reads; labels with magic 2049. Written atomically.
void write_idx(const Dataset& d, const std::string& images_file, const std::string& labels_file);

// CIFAR binary records: `label_bytes` label bytes (1 for CIFAR-10, 2 for CIFAR-100: coarse, fine;
// the last is used) then 3072 pixel bytes.
Dataset read_cifar(const std::vector<std::string>& files, int label_bytes, int classes);
DataSplits synthetic_data(int train_size, int test_size, std::uint64_t seed);

struct Batch {
  torch::Tensor x;  // float (B, C, H, W), normalized
  torch::Tensor y;  // int64 (B)
};

// How batches turn pixels into model inputs: standardized with the training set's mean and std
// (classifiers), or mapped to [-1, 1] (diffusion).
enum class PixelScale { Standardize, Symmetric };

class Batches {
 public:
  Batches(const DataSplits& data, const DataSpec& spec, int batch_size, std::uint64_t seed,
          PixelScale scale = PixelScale::Standardize);
  std::int64_t steps_per_epoch() const { return steps_per_epoch_; }
  // The training batch of a global step (epoch = step / steps_per_epoch), augmented.
  Batch train_batch(std::int64_t step) const;
  // Un-augmented batches of a split, in order: [begin, begin + count).
  Batch plain(const Dataset& split, std::int64_t begin, std::int64_t count) const;

 private:
  torch::Tensor normalize(const torch::Tensor& images) const;
  const DataSplits& data_;
  DataSpec spec_;
  int batch_size_;
  std::uint64_t seed_;
  PixelScale scale_;
  std::int64_t steps_per_epoch_;
  // The current epoch's order, cached (a pure function of (seed, epoch); single-threaded use).
  mutable std::int64_t cached_epoch_ = -1;
  mutable std::vector<std::int64_t> cached_order_;
};

// A well-mixed 64-bit value from two (splitmix64): seeds for (seed, epoch) and (seed, step).
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);

}  // namespace fsearch::trainers
