// What run_job hands a proxy's training: the resolved job, its run directory, the data, the device.
// Each proxy (train_classifier.cpp, train_diffusion.cpp) trains, evaluates and fills a TrainResult;
// run_job (train.cpp) does what they share before and after (config, threads, data, result.json).
#pragma once

#include <torch/torch.h>

#include "fsearch/trainers/data.h"
#include "fsearch/trainers/jobs.h"
#include "fsearch/trainers/train.h"

namespace fsearch::trainers::detail {

struct JobContext {
  JobSpec spec;
  RunDir dir;
  TrainCallbacks callbacks;
  torch::Device device = torch::kCPU;
  DataSplits data;
};

TrainResult train_classifier(const JobContext& job);  // the ViT proxy
TrainResult train_diffusion(const JobContext& job);   // the DiT proxy

}  // namespace fsearch::trainers::detail
