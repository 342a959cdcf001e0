// Generating a DiT's samples and scoring them, shared by the end of training (train_diffusion.cpp)
// and by resampling a finished run with other settings (sample.cpp).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "fsearch/trainers/data.h"
#include "fsearch/trainers/diffusion.h"
#include "fsearch/trainers/dit.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers::detail {

// The DiT as the diffusion calls it.
NoiseModel noise_model(DiT& model);

// `d.samples_per_class` images of every class, in class order, from noise seeded by `seed`:
// uint8 pixels and labels. The model should hold its evaluation (EMA) weights.
Dataset generate_samples(DiT& model, const GaussianDiffusion& diffusion, const DiffusionSpec& d,
                         const ModelSpec& m, std::uint64_t seed, int classes, const torch::Device& device);

struct SampleScore {
  double fid = NAN;
  std::string features;  // the extractor's id
};

// Writes the samples into `out`: IDX files and the PNG grid of up to 10 per class.
void save_samples(const Dataset& samples, const RunDir& out);

// FID of the samples against the real test split, in the features of `features` (cnn or a
// TorchScript file).
SampleScore score_samples(const Dataset& samples, const std::string& features, const DataSplits& data,
                          const torch::Device& device, const std::function<void(const std::string&)>& message);

}  // namespace fsearch::trainers::detail
