#include "fsearch/trainers/vit.h"

#include <cmath>

#include "fsearch/core/phase_clock.h"
#include "patches.h"

namespace fsearch::trainers {
namespace {

// Truncated normal(0, std) in [-2 std, 2 std], as ViT implementations initialize.
void trunc_normal(torch::Tensor t, double std) {
  torch::NoGradGuard guard;
  t.normal_(0, std).clamp_(-2 * std, 2 * std);
}

}  // namespace

torch::nn::Linear vit_linear(int in, int out, double init_std) {
  torch::nn::Linear layer(in, out);
  trunc_normal(layer->weight, init_std);
  torch::NoGradGuard guard;
  layer->bias.zero_();
  return layer;
}

AttentionImpl::AttentionImpl(int width, int heads, double init_std) : heads_(heads) {
  qkv_ = register_module("qkv", vit_linear(width, 3 * width, init_std));
  proj_ = register_module("proj", vit_linear(width, width, init_std));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  PhaseScope scope(Phase::Attention);
  auto qkv = qkv_->forward(x);  // (B, T, 3 D) laid out as (B, T, 3, H, D / H)
  if (probe_) {
    PhaseScope log(Phase::Log);
    max_logit_ = nn::attention_logit_absmax(qkv, heads_);
  }
  auto out = use_kernel ? nn::attention(qkv, heads_) : nn::attention_reference(qkv, heads_);  // (B, T, D)
  return proj_->forward(out);
}

BlockImpl::BlockImpl(const ModelSpec& model, const functions::NormSpec& norm, double drop_path)
    : drop_path_(drop_path) {
  norm1_ = register_module("norm1", nn::NormLayer(norm, model.width));
  attn_ = register_module("attn", Attention(model.width, model.heads, model.init_std));
  norm2_ = register_module("norm2", nn::NormLayer(norm, model.width));
  int hidden = static_cast<int>(std::lround(model.width * model.mlp_ratio));
  fc1_ = register_module("fc1", vit_linear(model.width, hidden, model.init_std));
  fc2_ = register_module("fc2", vit_linear(hidden, model.width, model.init_std));
}

torch::Tensor BlockImpl::drop_path(const torch::Tensor& branch) const {
  if (!is_training() || drop_path_ <= 0) return branch;
  // Stochastic depth: drop the whole branch per sample, rescale the kept ones.
  const double keep = 1.0 - drop_path_;
  auto mask = torch::empty({branch.size(0), 1, 1}, branch.options()).bernoulli_(keep);
  return branch * mask / keep;
}

torch::Tensor BlockImpl::mlp(const torch::Tensor& x) {
  PhaseScope scope(Phase::Mlp);
  return fc2_->forward(torch::gelu(fc1_->forward(x)));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x) {
  auto h = x + drop_path(attn_->forward(norm1_->forward(x)));
  return h + drop_path(mlp(norm2_->forward(h)));
}

ViTImpl::ViTImpl(const ModelSpec& model, const functions::NormSpec& norm) : spec_(model) {
  patch_embed_ = register_module(
      "patch_embed",
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(model.channels, model.width, model.patch).stride(model.patch)));
  if (model.embed_gain != 1.0) {
    torch::NoGradGuard no_grad;
    patch_embed_->weight.mul_(model.embed_gain);
    patch_embed_->bias.mul_(model.embed_gain);
  }
  const int tokens =
      (model.image_size / model.patch) * (model.image_size / model.patch) + (model.pool == "cls");
  if (model.pool == "cls") {
    cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, model.width}));
    trunc_normal(cls_token_, 0.02);
  }
  pos_embed_ = register_parameter("pos_embed", torch::zeros({1, tokens, model.width}));
  trunc_normal(pos_embed_, 0.02);
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < model.depth; ++i) {
    // Drop-path rate grows linearly with depth, to model.drop_path at the last block.
    double rate = model.depth > 1 ? model.drop_path * i / (model.depth - 1) : model.drop_path;
    blocks_->push_back(Block(model, norm, rate));
  }
  norm_ = register_module("norm", nn::NormLayer(norm, model.width));
  head_ = register_module("head", vit_linear(model.width, model.num_classes, model.init_std));
}

torch::Tensor ViTImpl::forward(const torch::Tensor& images) {
  torch::Tensor x;
  {
    PhaseScope scope(Phase::Embed);
    // The stream is laid out (B, N, D) once, here. As the convolution's transposed view it kept
    // that layout through every residual add, and each norm copied it, forward and backward (18
    // copies of the stream per step on vit-tiny).
    x = embed_patches(patch_embed_, images);  // (B, N, D), contiguous (src/patches.h)
    if (spec_.pool == "cls") x = torch::cat({cls_token_.expand({x.size(0), 1, x.size(2)}), x}, 1);
    x = x + pos_embed_;  // (B, T, D)
  }
  for (const auto& block : *blocks_) x = block->as<Block>()->forward(x);
  x = norm_->forward(x);
  PhaseScope scope(Phase::Head);
  auto pooled = spec_.pool == "cls" ? x.select(1, 0) : x.mean(1);  // (B, D)
  return head_->forward(pooled);
}

}  // namespace fsearch::trainers
