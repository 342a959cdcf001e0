#include "patches.h"

namespace fsearch::trainers {

torch::Tensor embed_patches(torch::nn::Conv2d& conv, const torch::Tensor& images) {
  const auto& o = conv->options;
  const int64_t p = (*o.kernel_size())[0];
  const bool plain = (*o.kernel_size())[1] == p && (*o.stride())[0] == p && (*o.stride())[1] == p &&
                     (*o.dilation())[0] == 1 && (*o.dilation())[1] == 1 && o.groups() == 1;
  if (!plain || images.dim() != 4 || images.size(2) % p != 0 || images.size(3) % p != 0) {
    return conv->forward(images).flatten(2).transpose(1, 2).contiguous();
  }
  const int64_t b = images.size(0), c = images.size(1), rows = images.size(2) / p, cols = images.size(3) / p;
  auto patches = images.reshape({b, c, rows, p, cols, p})
                     .permute({0, 2, 4, 1, 3, 5})  // (B, rows, cols, C, p, p)
                     .reshape({b, rows * cols, c * p * p});
  return torch::nn::functional::linear(patches, conv->weight.view({conv->weight.size(0), -1}), conv->bias);
}

}  // namespace fsearch::trainers
