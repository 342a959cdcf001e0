#include "fsearch/trainers/features.h"

#include <fcntl.h>
#include <sys/file.h>
#include <torch/script.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/core/hash.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {
namespace {

namespace fs = std::filesystem;

// Bumped whenever the CNN's architecture or training recipe changes: old cache entries then miss.
constexpr const char* kCnnVersion = "cnn-v1 conv32-conv64-pool4-fc128 adam1e-3 b128 e2 seed0";
constexpr int kBatch = 500;
constexpr const char* kCacheWhat = "the cache of FID extractors and reference features (FSEARCH_CACHE_DIR)";

// Holds an exclusive lock on `file` (created if needed) for its lifetime.
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : fd_(::open(file.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ < 0)
      throw StorageError("cannot create lock file " + file.string(),
                         "set FSEARCH_CACHE_DIR to a writable folder");
    ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

std::string tensor_hash(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kCPU);
  return Hasher().add_bytes(c.data_ptr(), c.numel() * c.element_size()).hex();
}

torch::Tensor to_unit_range(const torch::Tensor& pixels) {  // uint8 -> float in [-1, 1]
  return pixels.to(torch::kFloat32) / 127.5 - 1;
}

class CnnImpl : public torch::nn::Module {
 public:
  CnnImpl(int channels, int classes) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 32, 3).padding(1)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
    fc1 = register_module("fc1", torch::nn::Linear(64 * 4 * 4, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, classes));
  }
  // x: (B, C, H, W) in [-1, 1] -> (B, 128)
  torch::Tensor embed(const torch::Tensor& x) {
    auto h = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
    h = torch::max_pool2d(torch::relu(conv2->forward(h)), 2);
    h = torch::adaptive_avg_pool2d(h, {4, 4}).flatten(1);
    return torch::relu(fc1->forward(h));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2->forward(embed(x)); }
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Cnn);

double cnn_accuracy(Cnn& model, const Dataset& split, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  double correct = 0;
  for (std::int64_t begin = 0; begin < split.size(); begin += kBatch) {
    const auto n = std::min<std::int64_t>(kBatch, split.size() - begin);
    auto logits = model->forward(to_unit_range(split.images.narrow(0, begin, n)).to(device));
    correct += logits.argmax(1).eq(split.labels.narrow(0, begin, n).to(device)).sum().item<double>();
  }
  return correct / split.size();
}

void train_cnn(Cnn& model, const DataSplits& data, const torch::Device& device,
               const std::function<void(const std::string&)>& log) {
  torch::manual_seed(0);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  const std::int64_t n = data.train.size(), batch = 128, epochs = 2;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    auto order = torch::randperm(n, torch::kInt64);
    for (std::int64_t begin = 0; begin + batch <= n; begin += batch) {
      auto ids = order.narrow(0, begin, batch);
      auto x = to_unit_range(data.train.images.index_select(0, ids)).to(device);
      auto loss = torch::nn::functional::cross_entropy(model->forward(x),
                                                       data.train.labels.index_select(0, ids).to(device));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    if (log)
      log("feature CNN: epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs) + " trained");
  }
}

// A writer killed while it saved (Ctrl-C while the extractor trained ends its child process) leaves
// "<name>.tmp.<pid>" behind. Writers save under the lock, so whoever holds it may remove them.
void remove_leftover_temps(const fs::path& dir, const std::vector<std::string>& names) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    for (const auto& name : names)
      if (file.rfind(name + ".tmp.", 0) == 0) fs::remove(entry.path(), ec);
  }
}

class CnnExtractor : public FeatureExtractor {
 public:
  CnnExtractor(const DataSplits& data, const torch::Device& device,
               const std::function<void(const std::string&)>& log)
      : device_(device),
        model_(static_cast<int>(data.train.images.size(1)), std::max(2, data.train.classes)) {
    key_ =
        Hasher().add(kCnnVersion).add(content_hash(data.train)).add(std::int64_t{data.train.classes}).hex();
    const fs::path dir = cache_dir();
    make_directories(dir, kCacheWhat);
    const fs::path weights = dir / ("features-cnn-" + key_ + ".pt"),
                   info = dir / ("features-cnn-" + key_ + ".json");
    FileLock lock(dir / ("features-cnn-" + key_ + ".lock"));
    remove_leftover_temps(dir, {weights.filename().string(), info.filename().string()});
    if (fs::exists(weights) && fs::exists(info)) {
      torch::load(model_, weights.string());
      std::ifstream in(info);
      test_acc_ = nlohmann::json::parse(in).value("test_acc", NAN);
    } else {
      if (log) log("training the FID feature CNN once (cached in " + dir.string() + ")");
      const auto start = std::chrono::steady_clock::now();
      model_->to(device_);
      train_cnn(model_, data, device_, log);
      model_->eval();
      test_acc_ = cnn_accuracy(model_, data.test, device_);
      model_->to(torch::kCPU);
      auto temp = weights;
      temp += ".tmp." + std::to_string(::getpid());
      torch::save(model_, temp.string());
      fs::rename(temp, weights);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      write_atomic(
          info,
          nlohmann::json{{"version", kCnnVersion}, {"test_acc", test_acc_}, {"seconds", seconds}}.dump(2));
    }
    model_->to(device_);
    model_->eval();
    std::string weights_hash;
    for (const auto& p : model_->parameters()) weights_hash += tensor_hash(p);
    weights_ = Hasher().add(weights_hash).hex().substr(0, 8);
  }

  torch::Tensor features(const torch::Tensor& pixels) override {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (std::int64_t begin = 0; begin < pixels.size(0); begin += kBatch) {
      const auto n = std::min<std::int64_t>(kBatch, pixels.size(0) - begin);
      out.push_back(model_->embed(to_unit_range(pixels.narrow(0, begin, n)).to(device_)).to(torch::kCPU));
    }
    return torch::cat(out);
  }

  std::string id() const override {
    std::ostringstream acc;
    acc.setf(std::ios::fixed);
    acc.precision(1);
    acc << 100 * test_acc_;
    return "cnn:" + key_.substr(0, 8) + "/" + weights_ + " (test acc " + acc.str() + "%)";
  }
  std::string cache_key() const override { return "cnn-" + key_ + "-" + weights_; }

 private:
  torch::Device device_;
  Cnn model_;
  std::string key_, weights_;
  double test_acc_ = NAN;
};

class TorchScriptExtractor : public FeatureExtractor {
 public:
  TorchScriptExtractor(const std::string& file, const torch::Device& device) : device_(device), file_(file) {
    if (!fs::exists(file)) {
      throw ConfigError("feature extractor '" + file + "' not found",
                        "use cnn (the default), or the path of a TorchScript Inception-v3 file");
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    hash_ = Hasher().add(bytes.str()).hex();
    try {
      module_ = torch::jit::load(file, device_);
    } catch (const c10::Error& e) {
      throw ConfigError(file + ": not a TorchScript module (" + std::string(e.what_without_backtrace()) + ")",
                        "export one with torch.jit.trace or torch.jit.script, then torch.jit.save");
    }
    module_.eval();
  }

  torch::Tensor features(const torch::Tensor& pixels) override {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (std::int64_t begin = 0; begin < pixels.size(0); begin += 100) {
      const auto n = std::min<std::int64_t>(100, pixels.size(0) - begin);
      auto x = pixels.narrow(0, begin, n).to(torch::kFloat32).to(device_) / 255.0;  // [0, 1]
      if (x.size(1) == 1) x = x.repeat({1, 3, 1, 1});
      x = torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                    .size(std::vector<int64_t>{299, 299})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false));
      auto y = module_.forward({x});
      auto t = y.isTuple() ? y.toTuple()->elements()[0].toTensor() : y.toTensor();
      out.push_back(t.flatten(1).to(torch::kCPU, torch::kFloat32));
    }
    return torch::cat(out);
  }
  std::string id() const override {
    return "torchscript:" + fs::path(file_).filename().string() + ":" + hash_.substr(0, 8);
  }
  std::string cache_key() const override { return "ts-" + hash_; }

 private:
  torch::Device device_;
  std::string file_, hash_;
  torch::jit::script::Module module_;
};

}  // namespace

fs::path cache_dir() {
  if (const char* dir = std::getenv("FSEARCH_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "fsearch";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "fsearch";
  return fs::temp_directory_path() / "fsearch-cache";
}

std::string content_hash(const Dataset& split) {
  return Hasher().add(tensor_hash(split.images)).add(tensor_hash(split.labels)).hex();
}

std::unique_ptr<FeatureExtractor> make_extractor(const std::string& choice, const DataSplits& data,
                                                 const torch::Device& device,
                                                 const std::function<void(const std::string&)>& log) {
  if (choice.empty() || choice == "cnn") return std::make_unique<CnnExtractor>(data, device, log);
  return std::make_unique<TorchScriptExtractor>(choice, device);
}

FeatureStats stats_of(FeatureExtractor& extractor, const torch::Tensor& pixels) {
  return feature_stats(extractor.features(pixels));
}

FeatureStats reference_stats(FeatureExtractor& extractor, const DataSplits& data, const std::string& split) {
  if (split != "train" && split != "test") {
    throw ConfigError("unknown split '" + split + "'", "use train or test");
  }
  const Dataset& d = split == "train" ? data.train : data.test;
  const fs::path dir = cache_dir();
  make_directories(dir, kCacheWhat);
  const std::string name = "fid-ref-" + extractor.cache_key() + "-" + content_hash(d);
  const fs::path file = dir / (name + ".pt");
  FileLock lock(dir / (name + ".lock"));
  if (fs::exists(file)) return load_stats(file);
  auto stats = stats_of(extractor, d.images);
  save_stats(stats, file);
  return stats;
}

}  // namespace fsearch::trainers
