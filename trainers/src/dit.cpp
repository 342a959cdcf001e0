#include "fsearch/trainers/dit.h"

#include <cmath>

#include "fsearch/core/phase_clock.h"
#include "fsearch/nn/gelu.h"
#include "patches.h"

namespace fsearch::trainers {
namespace {

constexpr int kFrequencies = 256;  // timestep features, as DiT

functions::NormSpec without_affine(functions::NormSpec norm) {
  norm.affine = false;
  return norm;
}

int hidden_width(const ModelSpec& model) {
  return static_cast<int>(std::lround(model.width * model.mlp_ratio));
}

// 1-D sin-cos embedding of positions: (P) -> (P, dim), half sines, half cosines.
torch::Tensor sincos_1d(int dim, const torch::Tensor& positions) {
  auto omega = torch::arange(dim / 2, torch::kDouble) / (dim / 2.0);
  omega = 1.0 / torch::pow(10000.0, omega);                                      // (dim/2)
  auto angles = positions.to(torch::kDouble).unsqueeze(1) * omega.unsqueeze(0);  // (P, dim/2)
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

}  // namespace

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

torch::Tensor timestep_features(const torch::Tensor& t, int dim, double max_period) {
  const int half = dim / 2;
  auto freqs = torch::exp(-std::log(max_period) * torch::arange(half, torch::kFloat32) / half)
                   .to(t.device());                                     // (half)
  auto args = t.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);  // (B, half)
  auto features = torch::cat({torch::cos(args), torch::sin(args)}, 1);
  if (dim % 2 == 1) features = torch::cat({features, torch::zeros_like(features.narrow(1, 0, 1))}, 1);
  return features;  // (B, dim)
}

torch::Tensor sincos_position_embedding(int dim, int grid) {
  auto coords = torch::arange(grid, torch::kDouble);
  auto rows = coords.repeat_interleave(grid), cols = coords.repeat({grid});  // (grid * grid)
  // Half the channels encode the column, half the row (DiT's layout: w first, then h).
  return torch::cat({sincos_1d(dim / 2, cols), sincos_1d(dim / 2, rows)}, 1).to(torch::kFloat32);
}

DiTBlockImpl::DiTBlockImpl(const ModelSpec& model, const functions::NormSpec& norm) {
  norm1_ = register_module("norm1", nn::NormLayer(without_affine(norm), model.width));
  attn_ = register_module("attn", Attention(model.width, model.heads));
  norm2_ = register_module("norm2", nn::NormLayer(without_affine(norm), model.width));
  fc1_ = register_module("fc1", torch::nn::Linear(model.width, hidden_width(model)));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden_width(model), model.width));
  modulation = register_module("modulation", torch::nn::Linear(model.width, 6 * model.width));
}

torch::Tensor DiTBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& c) {
  std::vector<torch::Tensor> m;
  {
    PhaseScope scope(Phase::Modulation);
    m = modulation->forward(torch::silu(c)).chunk(6, 1);  // 6 x (B, D)
  }
  const auto &shift1 = m[0], &scale1 = m[1], &gate1 = m[2], &shift2 = m[3], &scale2 = m[4], &gate2 = m[5];
  auto h = x + gate1.unsqueeze(1) * attn_->forward(modulate(norm1_->forward(x), shift1, scale1));
  auto normed = modulate(norm2_->forward(h), shift2, scale2);
  PhaseScope scope(Phase::Mlp);
  auto mlp = fc2_->forward(nn::gelu_tanh(fc1_->forward(normed)));
  return h + gate2.unsqueeze(1) * mlp;
}

DiTImpl::DiTImpl(const ModelSpec& model, const functions::NormSpec& norm)
    : spec_(model),
      zero_init_(model.modulation_init == "zero" ||
                 (model.modulation_init == "auto" && norm.kind != functions::NormKind::Pointwise)) {
  const int d = model.width, grid = model.image_size / model.patch;
  patch_embed_ = register_module(
      "patch_embed",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(model.channels, d, model.patch).stride(model.patch)));
  pos_embed_ = register_buffer("pos_embed", sincos_position_embedding(d, grid).unsqueeze(0));
  t_fc1_ = register_module("t_fc1", torch::nn::Linear(kFrequencies, d));
  t_fc2_ = register_module("t_fc2", torch::nn::Linear(d, d));
  label_embed_ = register_module("label_embed", torch::nn::Embedding(model.num_classes + 1, d));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < model.depth; ++i) blocks_->push_back(DiTBlock(model, norm));
  final_norm_ = register_module("final_norm", nn::NormLayer(without_affine(norm), d));
  final_modulation_ = register_module("final_modulation", torch::nn::Linear(d, 2 * d));
  final_linear_ =
      register_module("final_linear", torch::nn::Linear(d, model.patch * model.patch * model.channels));
  initialize_weights();
}

void DiTImpl::initialize_weights() {
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      linear->bias.zero_();
    }
  }
  // The patch embedding as a linear layer over flattened patches.
  auto w = patch_embed_->weight;
  torch::nn::init::xavier_uniform_(w.view({w.size(0), -1}));
  patch_embed_->bias.zero_();
  label_embed_->weight.normal_(0, 0.02);
  t_fc1_->weight.normal_(0, 0.02);
  t_fc2_->weight.normal_(0, 0.02);
  if (zero_init_) {  // adaLN-Zero: every block starts as the identity
    for (const auto& block : *blocks_) {
      auto m = block->as<DiTBlock>()->modulation;
      m->weight.zero_();
      m->bias.zero_();
    }
    final_modulation_->weight.zero_();
    final_modulation_->bias.zero_();
  }
  // The output layer starts at zero for every norm: the model first predicts no noise.
  final_linear_->weight.zero_();
  final_linear_->bias.zero_();
}

torch::Tensor DiTImpl::unpatchify(const torch::Tensor& x) const {
  const int64_t p = spec_.patch, c = spec_.channels, g = spec_.image_size / spec_.patch;
  auto y = x.reshape({x.size(0), g, g, p, p, c});  // (B, h, w, p, q, C)
  y = y.permute({0, 5, 1, 3, 2, 4});               // (B, C, h, p, w, q)
  return y.reshape({x.size(0), c, g * p, g * p});
}

torch::Tensor DiTImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
  torch::Tensor h, c;
  {
    PhaseScope scope(Phase::Embed);
    // Laid out (B, N, D) once: a transposed view would keep its layout through the residual stream
    // (trainers/src/vit.cpp).
    h = embed_patches(patch_embed_, x) + pos_embed_;  // (B, N, D), contiguous (src/patches.h)
    auto t_embed = t_fc2_->forward(torch::silu(t_fc1_->forward(timestep_features(t, kFrequencies))));
    c = t_embed + label_embed_->forward(y);  // (B, D)
  }
  for (const auto& block : *blocks_) h = block->as<DiTBlock>()->forward(h, c);
  std::vector<torch::Tensor> m;
  {
    PhaseScope scope(Phase::Modulation);
    m = final_modulation_->forward(torch::silu(c)).chunk(2, 1);
  }
  auto normed = modulate(final_norm_->forward(h), m[0], m[1]);
  PhaseScope scope(Phase::Head);
  return unpatchify(final_linear_->forward(normed));  // (B, N, p*p*C) -> (B, C, H, W)
}

}  // namespace fsearch::trainers
