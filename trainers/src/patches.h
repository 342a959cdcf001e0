// The patch embedding of the ViT and DiT proxies: a Conv2d whose kernel is its stride (one output per
// non-overlapping patch), computed as one matrix product over the flattened patches.
//
// LibTorch 1.13's convolution and its backward took about 3 ms of a 150 ms vit-tiny step on one
// thread (bench-train --ops: convolution_backward 2.45 ms, mkldnn_convolution 0.72 ms) for what is
// a (B N, C p p) x (C p p, D) product. Here the images are cut into patches once (a copy of the
// input, which needs no gradient) and multiplied by the convolution's own weight, viewed as
// (D, C p p): the module, its parameters, its init and its checkpoints stay the Conv2d's. The
// output is (B, N, D) laid out contiguous, the residual stream's layout. Sums run in another order
// than the convolution's: the two agree to float rounding (tests/trainers/test_patches.cpp).
#pragma once

#include <torch/torch.h>

namespace fsearch::trainers {

// images (B, C, H, W) -> (B, N, D), N = (H / p) (W / p) in row-major patch order, as
// conv(images).flatten(2).transpose(1, 2) gives, for a convolution as the proxies build it (kernel p
// = stride, no padding: the padding is not checked, as LibTorch versions hold it in different
// variant types). H and W not multiples of p, or another stride, dilation or groups, take the
// convolution itself.
torch::Tensor embed_patches(torch::nn::Conv2d& conv, const torch::Tensor& images);

}  // namespace fsearch::trainers
