// The ViT proxy: a small Vision Transformer classifier whose every normalization layer (pre-attention,
// pre-FFN, final) is the job's norm choice (LayerNorm, RMSNorm, or a point-wise function).
//
//   image (B, C, H, W) -> patches (B, N, D) [+ class token] + position embedding
//   -> depth x [x + DropPath(Attn(Norm(x))), x + DropPath(MLP(Norm(x)))] -> Norm -> pool -> head
#pragma once

#include <torch/torch.h>

#include "fsearch/nn/attention.h"
#include "fsearch/nn/norm.h"
#include "fsearch/trainers/jobs.h"

namespace fsearch::trainers {

// A linear layer initialised as ViT implementations do: truncated normal weights of std
// `init_std` (ModelSpec::init_std), zero bias.
torch::nn::Linear vit_linear(int in, int out, double init_std);

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int width, int heads, double init_std = 0.02);
  torch::Tensor forward(const torch::Tensor& x);  // (B, T, D) -> (B, T, D)

  // Diagnostics: with probing on, each forward records its largest |q.k / sqrt(d)| (attention
  // logit growth is the early warning of the instability that normalization prevents).
  void set_probe(bool on) { probe_ = on; }
  double max_logit() const { return max_logit_; }
  bool use_kernel = true;  // nn::attention's fused CPU kernel; false: its plain reference

 private:
  int heads_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  bool probe_ = false;
  double max_logit_ = NAN;
};
TORCH_MODULE(Attention);

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const ModelSpec& model, const functions::NormSpec& norm, double drop_path);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::Tensor drop_path(const torch::Tensor& branch) const;
  torch::Tensor mlp(const torch::Tensor& x);  // fc2(gelu(fc1(x)))
  double drop_path_;
  nn::NormLayer norm1_{nullptr}, norm2_{nullptr};
  Attention attn_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(Block);

class ViTImpl : public torch::nn::Module {
 public:
  ViTImpl(const ModelSpec& model, const functions::NormSpec& norm);
  torch::Tensor forward(const torch::Tensor& images);  // (B, C, H, W) -> logits (B, classes)

 private:
  ModelSpec spec_;
  torch::nn::Conv2d patch_embed_{nullptr};
  torch::Tensor cls_token_, pos_embed_;
  torch::nn::ModuleList blocks_;
  nn::NormLayer norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(ViT);

}  // namespace fsearch::trainers
