// Diagnostics that explain why a cell trained or failed: one probed forward pass over a fixed
// batch records, per norm site, the std and largest magnitude of its input x, the learned alpha
// and s, the share of alpha x + s where f' is effectively zero (inside a flat zone or saturated)
// and where it runs against f's rise (past a hump), and per attention layer its largest logit. Works on any module tree (ViT, DiT).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>

namespace fsearch::trainers::detail {

// Runs `forward` once in eval mode without gradients, with every norm layer and attention layer
// of `model` probing, and returns
//   {"sites": [{"name", "x_std", "x_absmax", "alpha", "shift", "frac_dead", "frac_reversed"}...],
//    "frac_dead_max", "frac_dead_mean", "frac_reversed_max", "x_std_max", "x_absmax_max",
//    "attn_logit_max"}
// (point-wise fields are absent for LayerNorm/RMSNorm sites; frac_reversed_max when some site has
// it). The model's training mode is kept.
nlohmann::json probe_model(torch::nn::Module& model, const std::function<void()>& forward);

// Turns attention probing on or off for every attention layer of `model`; attention_logit_max()
// reads the largest logit the probing layers saw in their last forward.
void set_attention_probe(torch::nn::Module& model, bool on);
double attention_logit_max(torch::nn::Module& model);

}  // namespace fsearch::trainers::detail
