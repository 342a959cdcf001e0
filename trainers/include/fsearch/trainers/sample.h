// Resampling a DiT run: the run's checkpoint (its EMA weights, or the trained weights) sampled again
// with other settings, e.g. more DDIM steps or classifier-free guidance, into a folder of its own.
// The run's own samples, result.json and database row stay as they are. Torch-free.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace fsearch::trainers {

struct SampleOptions {
  int steps = 0;               // DDIM steps; 0: the job's
  double cfg_scale = NAN;      // guidance scale; NaN: the job's (1 = no guidance)
  double eta = NAN;            // DDIM eta; NaN: the job's (0 = deterministic DDIM, 1 = DDPM-like)
  int per_class = 0;           // images per class; 0: the job's
  std::int64_t seed = -1;      // noise seed; -1: the job's
  bool fid = true;             // score the samples against the test split
  std::string features;        // extractor for FID; empty: the job's
  bool ema = true;             // the EMA weights (what the job sampled with), or the trained weights
  std::filesystem::path out;   // output folder; empty: <run>/samples-steps<N>-cfg<S>[-eta<E>]-seed<K>[-trained]
};

struct SampleReport {
  std::filesystem::path out;   // holds samples-images-idx3-ubyte, samples-labels-idx1-ubyte, samples.png
  std::int64_t checkpoint_step = 0, images = 0;
  int steps = 0;
  double cfg_scale = 1, eta = 0, images_per_sec = NAN, fid = NAN;
  std::string fid_features;
  bool ema = true;             // which weights were sampled
};

// Throws ConfigError when the run is not a DiT run or has no checkpoint.
SampleReport sample_run(const std::filesystem::path& run_dir, const SampleOptions& options,
                        const std::function<void(const std::string&)>& message = {});

}  // namespace fsearch::trainers
