// The fused CPU kernel of the point-wise layer y = gamma * f(alpha * x + s) + beta, as a custom
// autograd function: forward makes one pass over x and keeps nothing but x; backward evaluates f
// and f' again from x, block by block, and produces every gradient in that one pass.
#pragma once

#include <torch/torch.h>

#include "fsearch/functions/program.h"

namespace fsearch::nn::detail {

using functions::Program;

// x: (..., C) CPU float/double; alpha: (); shift: () or (C); gamma, beta: (C). All defined.
// The program is kept alive until the backward pass.
torch::Tensor fused_pointwise(const std::shared_ptr<const Program>& program, const torch::Tensor& x,
                              const torch::Tensor& alpha, const torch::Tensor& shift,
                              const torch::Tensor& gamma, const torch::Tensor& beta);

}  // namespace fsearch::nn::detail
