#include "fsearch/trainers/data.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

#include "big_endian.h"
#include "fsearch/core/error.h"
#include "fsearch/jobs/data_files.h"
#include "fsearch/trainers/idx.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {
namespace {

std::vector<unsigned char> read_maybe_gzipped(const std::string& file) {
  gzFile in = gzopen(file.c_str(), "rb");  // reads plain files too
  if (!in) throw ConfigError("cannot open " + file, "check data.path, or install dataset-fashion-mnist");
  std::vector<unsigned char> bytes;
  unsigned char buffer[1 << 16];
  int n;
  while ((n = gzread(in, buffer, sizeof buffer)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
  bool failed = n < 0;
  gzclose(in);
  if (failed) throw ConfigError("cannot read " + file + ": corrupt gzip data");
  return bytes;
}

}  // namespace

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9e3779b97f4a7c15ull + b + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Dataset read_idx(const std::string& images_file, const std::string& labels_file) {
  auto images = read_maybe_gzipped(images_file);
  auto labels = read_maybe_gzipped(labels_file);
  const IdxImages layout = parse_idx_images(images, images_file);
  const std::size_t first_label = parse_idx_labels(labels, layout.n, labels_file, images_file);
  Dataset d;
  d.images = torch::from_blob(images.data() + layout.offset, {layout.n, layout.channels, layout.height, layout.width},
                              torch::kUInt8)
                 .clone();
  d.labels = torch::from_blob(labels.data() + first_label, {layout.n}, torch::kUInt8).to(torch::kInt64);
  d.classes = static_cast<int>(d.labels.max().item<int64_t>()) + 1;
  return d;
}

void write_idx(const Dataset& d, const std::string& images_file, const std::string& labels_file) {
  const auto put = detail::append_u32_be;
  auto images = d.images.to(torch::kCPU, torch::kUInt8).contiguous();
  const auto n = images.size(0), c = images.size(1);
  std::string out;
  put(out, c == 1 ? 2051 : 2052);
  put(out, static_cast<std::uint32_t>(n));
  if (c != 1) put(out, static_cast<std::uint32_t>(c));
  put(out, static_cast<std::uint32_t>(images.size(2)));
  put(out, static_cast<std::uint32_t>(images.size(3)));
  out.append(reinterpret_cast<const char*>(images.data_ptr<std::uint8_t>()), images.numel());
  write_atomic(images_file, out);
  auto labels = d.labels.to(torch::kCPU, torch::kUInt8).contiguous();
  std::string label_bytes;
  put(label_bytes, 2049);
  put(label_bytes, static_cast<std::uint32_t>(n));
  label_bytes.append(reinterpret_cast<const char*>(labels.data_ptr<std::uint8_t>()), labels.numel());
  write_atomic(labels_file, label_bytes);
}

Dataset read_cifar(const std::vector<std::string>& files, int label_bytes, int classes) {
  const std::int64_t record = label_bytes + 3072;
  std::vector<unsigned char> pixels;
  std::vector<std::int64_t> labels;
  for (const auto& file : files) {
    auto bytes = read_maybe_gzipped(file);
    if (bytes.empty() || bytes.size() % record != 0) {
      throw ConfigError(file + ": not a CIFAR binary file (size " + std::to_string(bytes.size()) +
                        " is not a multiple of " + std::to_string(record) + ")");
    }
    for (std::size_t at = 0; at < bytes.size(); at += record) {
      int label = bytes[at + label_bytes - 1];
      if (label >= classes) throw ConfigError(file + ": label " + std::to_string(label) + " out of range");
      labels.push_back(label);
      pixels.insert(pixels.end(), bytes.begin() + at + label_bytes, bytes.begin() + at + record);
    }
  }
  Dataset d;
  auto n = static_cast<std::int64_t>(labels.size());
  d.images = torch::from_blob(pixels.data(), {n, 3, 32, 32}, torch::kUInt8).clone();
  d.labels = torch::tensor(labels, torch::kInt64);
  d.classes = classes;
  return d;
}

DataSplits synthetic_data(int train_size, int test_size, std::uint64_t seed) {
  // Ten classes, each a fixed smooth random 28x28 template (7x7 upsampled, so that crops and flips
  // keep it recognizable, as with real images); samples are template + noise.
  auto generator = at::make_generator<at::CPUGeneratorImpl>(mix_seed(seed, 0x5157));
  auto coarse = torch::rand({10, 1, 7, 7}, generator);
  auto templates = torch::nn::functional::interpolate(coarse, torch::nn::functional::InterpolateFuncOptions()
                                                                  .size(std::vector<int64_t>{28, 28})
                                                                  .mode(torch::kBilinear)
                                                                  .align_corners(false));
  auto make = [&](int n) {
    Dataset d;
    d.labels = torch::randint(0, 10, {n}, generator, torch::kInt64);
    auto noisy = templates.index_select(0, d.labels) + 0.2 * torch::randn({n, 1, 28, 28}, generator);
    d.images = (noisy.clamp(0, 1) * 255).to(torch::kUInt8);
    d.classes = 10;
    return d;
  };
  DataSplits splits;
  splits.train = make(train_size);
  splits.test = make(test_size);
  splits.name = "synthetic";
  return splits;
}

DataSplits load_data(const DataSpec& spec, std::uint64_t seed) {
  DataSplits splits;
  if (spec.dataset == "synthetic") {
    splits = synthetic_data(spec.synthetic_train, spec.synthetic_test, seed);
  } else {
    const auto files = jobs::find_data_files(spec);  // ConfigError: an unknown data set, a missing file
    if (spec.dataset == "fashion-mnist" || spec.dataset == "idx") {
      splits.train = read_idx(files[0], files[1]);
      splits.test = read_idx(files[2], files[3]);
      splits.name = spec.dataset == "idx" ? "idx:" + spec.path : "fashion-mnist";
    } else if (spec.dataset == "cifar10") {
      splits.train = read_cifar({files.begin(), files.begin() + 5}, 1, 10);
      splits.test = read_cifar({files[5]}, 1, 10);
      splits.name = "cifar10";
    } else {  // cifar100
      splits.train = read_cifar({files[0]}, 2, 100);
      splits.test = read_cifar({files[1]}, 2, 100);
      splits.name = "cifar100";
    }
  }
  if (spec.train_limit > 0 && spec.train_limit < splits.train.size()) {
    splits.train.images = splits.train.images.narrow(0, 0, spec.train_limit).clone();
    splits.train.labels = splits.train.labels.narrow(0, 0, spec.train_limit).clone();
    splits.name += " (first " + std::to_string(spec.train_limit) + " training images)";
  }
  splits.test.classes = splits.train.classes = std::max(splits.train.classes, splits.test.classes);
  auto pixels = splits.train.images.to(torch::kFloat) / 255.0;
  splits.mean = pixels.mean().item<double>();
  splits.std = pixels.std().item<double>();
  return splits;
}

Batches::Batches(const DataSplits& data, const DataSpec& spec, int batch_size, std::uint64_t seed,
                 PixelScale scale)
    : data_(data), spec_(spec), batch_size_(batch_size), seed_(seed), scale_(scale) {
  if (data.train.size() < batch_size) {
    throw ConfigError("the training set has " + std::to_string(data.train.size()) +
                          " images, fewer than one batch of " + std::to_string(batch_size),
                      "lower train.batch_size or use a larger data set");
  }
  steps_per_epoch_ = data.train.size() / batch_size;  // drop the ragged tail
}

torch::Tensor Batches::normalize(const torch::Tensor& images) const {
  if (scale_ == PixelScale::Symmetric) return images.to(torch::kFloat) / 127.5 - 1;
  return (images.to(torch::kFloat) / 255.0 - data_.mean) / data_.std;
}

Batch Batches::train_batch(std::int64_t step) const {
  const std::int64_t epoch = step / steps_per_epoch_, index = step % steps_per_epoch_;
  // Epoch order: a Fisher-Yates shuffle from (seed, epoch), reproducible on every platform.
  if (cached_epoch_ != epoch) {
    cached_order_.resize(data_.train.size());
    std::iota(cached_order_.begin(), cached_order_.end(), 0);
    std::mt19937_64 shuffle_rng(mix_seed(seed_, static_cast<std::uint64_t>(epoch)));
    for (std::size_t i = cached_order_.size() - 1; i > 0; --i) {
      std::swap(cached_order_[i], cached_order_[shuffle_rng() % (i + 1)]);
    }
    cached_epoch_ = epoch;
  }
  const auto& order = cached_order_;
  std::vector<std::int64_t> picked(order.begin() + index * batch_size_,
                                   order.begin() + (index + 1) * batch_size_);
  auto ids = torch::tensor(picked, torch::kInt64);
  torch::Tensor images = data_.train.images.index_select(0, ids);
  if (spec_.augment || spec_.flip) {
    std::mt19937_64 rng(mix_seed(seed_ ^ 0xa5a5a5a5ull, static_cast<std::uint64_t>(step)));
    const int64_t h = images.size(2), w = images.size(3);
    const int64_t pad = h >= 32 ? 4 : 2;
    auto padded = spec_.augment ? torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0) : images;
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < images.size(0); ++i) {
      torch::Tensor img = padded[i];
      if (spec_.augment) {
        int64_t dy = static_cast<int64_t>(rng() % (2 * pad + 1)),
                dx = static_cast<int64_t>(rng() % (2 * pad + 1));
        img = img.narrow(1, dy, h).narrow(2, dx, w);
      }
      if (spec_.flip && (rng() & 1)) img = img.flip({2});
      out.push_back(img);
    }
    images = torch::stack(out);
  }
  return {normalize(images), data_.train.labels.index_select(0, ids)};
}

Batch Batches::plain(const Dataset& split, std::int64_t begin, std::int64_t count) const {
  return {normalize(split.images.narrow(0, begin, count)), split.labels.narrow(0, begin, count)};
}

}  // namespace fsearch::trainers
