// Multi-head softmax attention from a packed qkv projection, with a fused CPU kernel for the short
// sequences and narrow heads of the proxies.
//
// At ViT-tiny's shape (B 128, T 49, 4 heads of 16) the plain composition spends about half its time
// outside the products (bench-train --ops): a select and a zero-filled gradient buffer for each of
// q, k and v, strided copies, a scale pass, a softmax pass and its backward; and at::bmm itself
// spends more on a select and an addmm per product than on the 49 x 16 x 49 products. The kernel
// calls BLAS once per product and head on q, k and v where they lie, takes the scale into one
// in-place softmax pass per head (and one backward pass), and writes the output and the gradient in
// their layouts, with no autograd graph inside. Without a BLAS to call it copies q, k, v into
// per-head blocks once and multiplies them with at::bmm. It saves the attention weights for the
// backward, as the composition does. Float and double CPU tensors take the kernel; anything else
// (CUDA, half) takes the composition, which attention_reference() always takes; tests check that
// both agree.
#pragma once

#include <torch/torch.h>

#include <string>

namespace fsearch::nn {

// qkv: (B, T, 3 * D) laid out as (B, T, 3, heads, D / heads), what Linear(D, 3 D) gives.
// Returns softmax(q k^T / sqrt(D / heads)) v per head: (B, T, D) laid out as (B, T, heads, D / heads).
torch::Tensor attention(const torch::Tensor& qkv, int64_t heads);
torch::Tensor attention_reference(const torch::Tensor& qkv, int64_t heads);

// Whether the kernel calls the process's BLAS directly, one product per (batch, head) on the
// projection's own layout (nn/src/blas.h); false without one or with FSEARCH_NO_DIRECT_BLAS set,
// when it multiplies per-head copies with at::bmm.
bool attention_calls_blas_directly();

// How the kernel multiplies float heads of this width in this process, for benchmarks' headers:
// "register tiles" (nn/src/small_gemm.h; AVX2, head widths 8 to 32, FSEARCH_NO_SMALL_GEMM unset),
// "sgemm_ calls" or "at::bmm". Double always takes one of the last two.
std::string attention_products(int64_t head_dim);

// The largest |q k^T / sqrt(D / heads)| (diagnostics: attention logit growth), without gradients.
double attention_logit_absmax(const torch::Tensor& qkv, int64_t heads);

}  // namespace fsearch::nn
