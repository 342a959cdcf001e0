// The DiT proxy: a class-conditional Diffusion Transformer (Peebles and Xie) predicting the noise
// of a noised image, whose norms are the job's norm choice.
//
//   image (B, C, H, W) -> patches (B, N, D) + fixed sin-cos position embedding
//   c = timestep embedding(t) + label embedding(y)                                   (B, D)
//   depth x [x + gate1 * Attn(modulate(Norm(x), shift1, scale1)),
//            x + gate2 * MLP(modulate(Norm(x), shift2, scale2))]   (shift, scale, gate from c)
//   -> modulate(Norm(x), shift, scale) -> Linear -> unpatchify -> epsilon (B, C, H, W)
//
// The norms carry no affine parameters of their own (the modulation plays that role); the
// point-wise layer keeps its alpha and s. Initialization follows DiT (xavier linears, small
// embeddings, zero output layer); the modulation layers start at zero for LayerNorm and RMSNorm,
// as in DiT, and at their xavier init for point-wise norms, as the paper's Appendix C prescribes
// (model.modulation_init: auto; zero or xavier set one for every norm).
#pragma once

#include <torch/torch.h>

#include "fsearch/nn/norm.h"
#include "fsearch/trainers/jobs.h"
#include "fsearch/trainers/vit.h"

namespace fsearch::trainers {

// DiT's modulation: x * (1 + scale) + shift, per sample. x: (B, T, D); shift, scale: (B, D).
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale);

// Sinusoidal features of (possibly fractional) timesteps: (B) -> (B, dim).
torch::Tensor timestep_features(const torch::Tensor& t, int dim, double max_period = 10000);

// Fixed 2-D sin-cos position embedding of a grid x grid patch layout: (grid * grid, dim).
torch::Tensor sincos_position_embedding(int dim, int grid);

class DiTBlockImpl : public torch::nn::Module {
 public:
  DiTBlockImpl(const ModelSpec& model, const functions::NormSpec& norm);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c);  // x: (B, T, D), c: (B, D)
  torch::nn::Linear modulation{nullptr};                                  // c -> 6 D

 private:
  nn::NormLayer norm1_{nullptr}, norm2_{nullptr};
  Attention attn_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(DiTBlock);

class DiTImpl : public torch::nn::Module {
 public:
  DiTImpl(const ModelSpec& model, const functions::NormSpec& norm);
  // x: (B, C, H, W) noised images, t: (B) timesteps, y: (B) labels in [0, classes] (classes = null
  // label, for classifier-free guidance) -> predicted noise (B, C, H, W).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y);
  int null_label() const { return spec_.num_classes; }
  // True when the modulation layers started at zero (LayerNorm, RMSNorm).
  bool zero_init_modulation() const { return zero_init_; }

 private:
  void initialize_weights();
  torch::Tensor unpatchify(const torch::Tensor& x) const;  // (B, N, p*p*C) -> (B, C, H, W)

  ModelSpec spec_;
  bool zero_init_;
  torch::nn::Conv2d patch_embed_{nullptr};
  torch::Tensor pos_embed_;  // buffer (1, N, D)
  torch::nn::Linear t_fc1_{nullptr}, t_fc2_{nullptr};
  torch::nn::Embedding label_embed_{nullptr};
  torch::nn::ModuleList blocks_;
  nn::NormLayer final_norm_{nullptr};
  torch::nn::Linear final_modulation_{nullptr}, final_linear_{nullptr};
};
TORCH_MODULE(DiT);

}  // namespace fsearch::trainers
