// The trainer tests' job: a two-block ViT on the synthetic set, 120 steps, seconds to train; and
// a small DiT model for the tests of the DiT and of what it is built of.
#pragma once

#include <string>

#include "fsearch/functions/norm_spec.h"
#include "fsearch/jobs/job_spec.h"

namespace fsearch::testing {

inline jobs::JobSpec tiny_job(const std::string& norm = "layernorm") {
  jobs::JobSpec spec;
  spec.model.width = 32;
  spec.model.depth = 2;
  spec.model.heads = 2;
  spec.model.patch = 7;
  spec.norm = functions::norm_preset(norm);
  spec.data.dataset = "synthetic";
  spec.data.synthetic_train = 1024;
  spec.data.synthetic_test = 256;
  spec.data.augment = false;  // augmentation has its own tests; here it only slows learning
  spec.model.drop_path = 0.0;
  spec.train.batch_size = 32;
  spec.train.steps = 120;
  spec.train.warmup_steps = 5;
  spec.train.lr = 3e-3;
  spec.runtime.threads = 2;
  spec.runtime.log_every = 5;
  spec.runtime.checkpoint_every = 10;
  return spec;
}

inline jobs::ModelSpec small_dit() {
  jobs::ModelSpec m;
  m.proxy = "dit";
  m.name = "dit-test";
  m.image_size = 8;
  m.channels = 1;
  m.patch = 2;
  m.width = 32;
  m.depth = 2;
  m.heads = 4;
  m.mlp_ratio = 2;
  m.num_classes = 3;
  return m;
}

}  // namespace fsearch::testing
