// The fused CPU kernel of the point-wise layer y = gamma * f(alpha * x + s) + beta, as a custom
// autograd function: forward makes one pass over x and keeps f(alpha x + s) and, when gradients
// will be asked for, f'(alpha x + s) from the same evaluation; backward produces every gradient in
// one more pass without evaluating f again.
#pragma once

#include <torch/torch.h>

#include "fsearch/functions/program.h"

namespace fsearch::nn::detail {

using functions::Program;

// x: (..., C) CPU float/double; alpha: (); shift: () or (C); gamma, beta: (C). All defined.
torch::Tensor fused_pointwise(const Program& program, const torch::Tensor& x, const torch::Tensor& alpha,
                              const torch::Tensor& shift, const torch::Tensor& gamma,
                              const torch::Tensor& beta);

}  // namespace fsearch::nn::detail
