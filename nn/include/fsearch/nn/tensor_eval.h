// Evaluating a function on torch tensors, with exact gradients.
//
// Two paths compute the same thing from the same rules (rules.h):
//  - Kernel: CPU float/double tensors, the compiled program run over blocks on torch's thread pool;
//  - TensorOps: one torch operation per instruction, for any device and dtype (CUDA, half, bf16).
// Auto picks Kernel where it applies. The two agree to rounding; tests check it.
#pragma once

#include <torch/torch.h>

#include "fsearch/functions/program.h"

namespace fsearch::nn {

using functions::Program;

enum class EvalPath { Auto, Kernel, TensorOps };

struct TensorValues {
  torch::Tensor value;       // f(x), same shape, dtype and device as x
  torch::Tensor derivative;  // f'(x), or undefined when not asked for
};

// f(x) and optionally f'(x); no autograd graph is recorded.
TensorValues evaluate(const Program& program, const torch::Tensor& x, bool with_derivative,
                      EvalPath path = EvalPath::Auto);

// f(x) as a differentiable operation: its backward multiplies by f'(x) from the rules, never by
// autograd through the individual operations (which gives inf or NaN at 0 for power23, exproot).
// `program` must outlive the backward pass.
torch::Tensor apply(const Program& program, const torch::Tensor& x, EvalPath path = EvalPath::Auto);

// Whether the Kernel path handles this tensor (CPU, float or double).
bool kernel_supports(const torch::Tensor& x);

}  // namespace fsearch::nn
