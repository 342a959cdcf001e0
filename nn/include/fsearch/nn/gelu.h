// GELU with the tanh approximation, 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), what the DiT
// blocks' MLP uses (as the paper's DiT), with a fused CPU kernel.
//
// At DiT-B's shape (B 128, T 49, hidden 384) LibTorch 1.13's gelu and gelu_backward took about
// 10 ms each per block on one thread, 15% of a training step (bench-train --ops); the kernel
// evaluates tanh with glibc's vector tanhf (fsearch/functions/vector_math.h), forward and backward
// in one pass each, about 3x faster. Like at::gelu it saves x and evaluates tanh again in the
// backward. Float and double CPU tensors take the kernel; anything else (CUDA, half) takes
// torch::gelu, which gelu_tanh_reference() always takes; tests check that both agree. The backward
// is not itself differentiable (no second derivatives; training needs none).
#pragma once

#include <torch/torch.h>

namespace fsearch::nn {

torch::Tensor gelu_tanh(const torch::Tensor& x);
torch::Tensor gelu_tanh_reference(const torch::Tensor& x);  // torch::gelu(x, "tanh")

}  // namespace fsearch::nn
