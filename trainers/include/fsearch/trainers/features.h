// Image features for FID, and the cache that makes them cheap to reuse.
//
// Inception-v3 weights are not available offline, so the default extractor ("cnn") is a small CNN
// classifier trained once on the data set's training split (deterministic: fixed seed, order and
// budget), whose penultimate activations are the features. It is cached under its content hash
// (architecture version + training recipe + the training data's bytes) with its test accuracy; its
// numbers are FIDs of this extractor, comparable with each other, not with published FIDs.
// A user with a TorchScript Inception-v3 (taking float (B, 3, 299, 299) in [0, 1], returning
// (B, F) pool features) passes its path instead, and gets standard FID numbers.
//
// Cache directory: $FSEARCH_CACHE_DIR, else $XDG_CACHE_HOME/fsearch, else ~/.cache/fsearch. Work on
// one cache entry is serialized across processes with a lock file, so parallel workers train the
// extractor once. Reference statistics of a real split are cached beside it.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "fsearch/trainers/data.h"
#include "fsearch/trainers/fid.h"

namespace fsearch::trainers {

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;
  // pixels: uint8 (N, C, H, W) -> float (N, F), in batches; runs without gradients.
  virtual torch::Tensor features(const torch::Tensor& pixels) = 0;
  // Names the extractor in results and reports, e.g. "cnn:1a2b3c4d5e6f7a8b (test acc 91.3%)".
  virtual std::string id() const = 0;
  // A short stable key for cache file names.
  virtual std::string cache_key() const = 0;
};

std::filesystem::path cache_dir();

// `choice` is "cnn" or a TorchScript file. The CNN is trained on `data` on first use (a minute on
// 2 cores for Fashion-MNIST) unless cached; `log` receives progress lines. Throws ConfigError for
// a missing or unloadable TorchScript file.
std::unique_ptr<FeatureExtractor> make_extractor(const std::string& choice, const DataSplits& data,
                                                 const torch::Device& device,
                                                 const std::function<void(const std::string&)>& log = {});

// Features of every image of `pixels`, reduced to their Gaussian statistics.
FeatureStats stats_of(FeatureExtractor& extractor, const torch::Tensor& pixels);

// Statistics of a real split ("train" or "test"), computed once per (extractor, split content)
// and cached.
FeatureStats reference_stats(FeatureExtractor& extractor, const DataSplits& data, const std::string& split);

// A content hash of a split's pixels and labels.
std::string content_hash(const Dataset& split);

}  // namespace fsearch::trainers
