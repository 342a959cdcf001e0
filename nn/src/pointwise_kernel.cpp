#include "pointwise_kernel.h"

#include <ATen/Parallel.h>

#include "fsearch/functions/vector_math.h"  // cpu_has_avx2, FSEARCH_TARGET_AVX2

#include <cmath>
#include <memory>
#include <mutex>
#include <type_traits>

namespace fsearch::nn::detail {

using functions::Program;
using functions::Scratch;
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows are taken in blocks of whole rows, about kBlockValues values (at least one row): the
// function's program runs over a block at once (its interpreter's cost per call is then spread
// over many values, where one row of a small model has only 64), the per-channel terms row by row.
// Per-channel gradient sums collect in Real over a block and in double across blocks.
constexpr int64_t kBlockValues = 2048;

int64_t rows_per_block(int64_t channels) {
  return std::max<int64_t>(1, kBlockValues / std::max<int64_t>(1, channels));
}

int64_t grain_rows(int64_t channels) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, channels));
}

// Calls body(first_row, row_count) for blocks of whole rows, splitting rows among torch's threads.
template <class Body>
void for_each_row_block(int64_t rows, int64_t channels, Body body) {
  at::parallel_for(0, rows, grain_rows(channels), [&](int64_t begin, int64_t end) {
    const int64_t step = rows_per_block(channels);
    for (int64_t row = begin; row < end; row += step) body(row, std::min(step, end - row));
  });
}

// What both kernels read: rows of `channels` values and the layer's parameters.
template <class Real>
struct Operands {
  Operands(const Tensor& x_, const Tensor& alpha_, const Tensor& shift_, const Tensor& gamma_)
      : channels(x_.size(-1)),
        rows(x_.numel() / channels),
        x(x_.data_ptr<Real>()),
        alpha(alpha_.item<Real>()),
        shift(shift_.data_ptr<Real>()),
        shift_per_channel(shift_.numel() > 1),
        gamma(gamma_.data_ptr<Real>()) {}

  // u = alpha x + s for `count` rows from `row`.
  [[gnu::always_inline]] inline void inputs(int64_t row, int64_t count, Real* u) const {
    // Locals, not members: a store to u could otherwise change alpha (same type) for the compiler.
    const Real* xr = x + row * channels;
    const Real a = alpha;
    const int64_t n = channels;
    if (shift_per_channel) {
      const Real* s = shift;
      for (int64_t r = 0; r < count; ++r) {
#pragma omp simd
        for (int64_t c = 0; c < n; ++c) u[r * n + c] = a * xr[r * n + c] + s[c];
      }
    } else {
      const Real s = shift[0];
#pragma omp simd
      for (int64_t i = 0; i < count * n; ++i) u[i] = a * xr[i] + s;
    }
  }

  int64_t channels, rows;
  const Real* x;
  Real alpha;
  const Real* shift;
  bool shift_per_channel;
  const Real* gamma;
};

// f(u) and f'(u), each when asked, for `count` rows from `row`, in this thread's buffers (valid
// until the thread's next call): the one evaluation both kernels make.
template <class Real>
struct BlockValues {
  const Real* f;   // null unless asked
  const Real* df;  // null unless asked
};

template <class Real>
[[gnu::always_inline]] inline BlockValues<Real> evaluate_rows(const Program& program, const Operands<Real>& in,
                                                              int64_t row, int64_t count, bool value,
                                                              bool derivative) {
  thread_local Scratch<Real> scratch;
  thread_local std::vector<Real> u, f, df;
  const int64_t n = count * in.channels;
  u.resize(n);
  if (value) f.resize(n);
  if (derivative) df.resize(n);
  in.inputs(row, count, u.data());
  program.evaluate(u.data(), value ? f.data() : nullptr, derivative ? df.data() : nullptr, n, scratch);
  return {value ? f.data() : nullptr, derivative ? df.data() : nullptr};
}

// y = gamma f(u) + beta. f(u) lives only in a thread's block buffer: the backward pass evaluates
// f' again from x (which it keeps anyway) rather than keeping it here. In the trainer that costs no
// time (the memory traffic of a tensor the size of x, written here and read there, pays for the
// second evaluation) and saves that tensor per layer (docs/performance.md, 2026-12-04:
// "recomputing f in the backward pass"). One block of rows:
template <class Real>
[[gnu::always_inline]] inline void forward_rows(const Program& program, const Operands<Real>& in, const Real* bp,
                                                Real* yp, int64_t row, int64_t count) {
  const int64_t channels = in.channels;
  const Real* f = evaluate_rows(program, in, row, count, true, false).f;
  const Real* gamma = in.gamma;
  for (int64_t r = 0; r < count; ++r) {
    const Real* fr = f + r * channels;
    Real* out = yp + (row + r) * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; ++c) out[c] = gamma[c] * fr[c] + bp[c];
  }
}

// The row loops built twice (any x86-64; AVX2 + FMA), chosen at run time as the block evaluator's
// are (fsearch/functions/vector_math.h). Without -ffp-contract=fast the two builds round every
// product and sum alike; only the order of alpha's per-row gradient sum differs (4 or 8 lanes).
template <class Real>
void forward_rows_baseline(const Program& program, const Operands<Real>& in, const Real* bp, Real* yp, int64_t row,
                           int64_t count) {
  forward_rows(program, in, bp, yp, row, count);
}
template <class Real>
FSEARCH_TARGET_AVX2 void forward_rows_avx2(const Program& program, const Operands<Real>& in, const Real* bp,
                                           Real* yp, int64_t row, int64_t count) {
  forward_rows(program, in, bp, yp, row, count);
}

template <class Real>
void forward_kernel(const Program& program, const Operands<Real>& in, const Tensor& beta, Tensor& y) {
  auto* run = cpu_has_avx2() ? forward_rows_avx2<Real> : forward_rows_baseline<Real>;
  const Real* bp = beta.data_ptr<Real>();
  Real* yp = y.data_ptr<Real>();
  for_each_row_block(in.rows, in.channels,
                     [&](int64_t row, int64_t count) { run(program, in, bp, yp, row, count); });
}

struct Gradients {
  Tensor x, alpha, shift, gamma, beta;
};

// Sums of one thread's rows: per channel in Real within a block, in double across blocks.
template <class Real>
struct GradientSums {
  explicit GradientSums(int64_t channels)
      : gamma(channels),
        beta(channels),
        shift(channels),
        block_gamma(channels),
        block_beta(channels),
        block_shift(channels) {}

  [[gnu::always_inline]] inline void flush() {
    for (std::size_t c = 0; c < gamma.size(); ++c) {
      gamma[c] += block_gamma[c];
      beta[c] += block_beta[c];
      shift[c] += block_shift[c];
    }
    std::fill(block_gamma.begin(), block_gamma.end(), Real(0));
    std::fill(block_beta.begin(), block_beta.end(), Real(0));
    std::fill(block_shift.begin(), block_shift.end(), Real(0));
  }

  std::vector<double> gamma, beta, shift;  // shift per channel; a scalar shift sums them at the end
  double alpha = 0;
  std::vector<Real> block_gamma, block_beta, block_shift;
};

// Where the backward pass takes f(u) from, for gamma's gradient, sum over rows of dy f(u).
enum class GammaSource {
  None,      // gamma takes no gradient: f is not needed
  Evaluate,  // evaluate f(u) again beside f'(u)
  Output,    // sum dy y instead, where y = gamma f + beta, and solve for sum dy f per channel
};

// One block of rows of the backward pass: dx, and the gradient sums into the block's sums. For
// GammaSource::Output the gamma sums are of dy y (yp: the forward's output).
template <class Real>
[[gnu::always_inline]] inline void backward_rows(const Program& program, const Operands<Real>& in, const Real* dyp,
                                                 const Real* yp, GammaSource source, Real* dxp,
                                                 GradientSums<Real>& sums, int64_t block, int64_t count) {
  const int64_t channels = in.channels;
  // Everything the inner loop reads is a local: through `in` or the vectors, the compiler would
  // have to assume that the stores to dx change them, reload them every element and not vectorize.
  const Real alpha_value = in.alpha;
  const Real* gamma_values = in.gamma;
  Real* block_shift = sums.block_shift.data();
  Real* block_gamma = sums.block_gamma.data();
  Real* block_beta = sums.block_beta.data();
  const BlockValues<Real> values =
      evaluate_rows(program, in, block, count, source == GammaSource::Evaluate, true);
  for (int64_t r = 0; r < count; ++r) {
    const int64_t o = (block + r) * channels;
    const Real *g = dyp + o, *d = values.df + r * channels, *x = in.x + o;
    const Real* f = source == GammaSource::Evaluate ? values.f + r * channels
                    : source == GammaSource::Output ? yp + o
                                                    : nullptr;
    Real* dxr = dxp + o;
    Real row_alpha = 0;
    // One loop, built with and without gamma's sum (a branch inside would keep it from vectorizing).
    auto row = [&](auto with_gamma) {
#pragma omp simd reduction(+ : row_alpha)
      for (int64_t c = 0; c < channels; ++c) {
        const Real gu = g[c] * gamma_values[c] * d[c];  // dL/du
        dxr[c] = gu * alpha_value;
        row_alpha += gu * x[c];
        block_shift[c] += gu;
        if constexpr (decltype(with_gamma)::value) block_gamma[c] += g[c] * f[c];
        block_beta[c] += g[c];
      }
    };
    if (f) {
      row(std::true_type{});
    } else {
      row(std::false_type{});
    }
    sums.alpha += row_alpha;
  }
  sums.flush();
}

template <class Real>
void backward_rows_baseline(const Program& program, const Operands<Real>& in, const Real* dyp, const Real* yp,
                            GammaSource source, Real* dxp, GradientSums<Real>& sums, int64_t block,
                            int64_t count) {
  backward_rows(program, in, dyp, yp, source, dxp, sums, block, count);
}
template <class Real>
FSEARCH_TARGET_AVX2 void backward_rows_avx2(const Program& program, const Operands<Real>& in, const Real* dyp,
                                            const Real* yp, GammaSource source, Real* dxp,
                                            GradientSums<Real>& sums, int64_t block, int64_t count) {
  backward_rows(program, in, dyp, yp, source, dxp, sums, block, count);
}

// Every gradient from dL/dy and the input: one pass over the rows, evaluating f'(u) block by block,
// and f(u) too for GammaSource::Evaluate (the same values as the forward pass's: Program::evaluate
// gives f bit for bit whether or not f' is asked for). y and beta are read for GammaSource::Output.
template <class Real>
Gradients backward_kernel(const Program& program, const Operands<Real>& in, const Tensor& alpha,
                          const Tensor& shift, const Tensor& gamma, const Tensor& dy, GammaSource source,
                          const Tensor& y, const Tensor& beta) {
  auto* run = cpu_has_avx2() ? backward_rows_avx2<Real> : backward_rows_baseline<Real>;
  const int64_t channels = in.channels;
  const Real* dyp = dy.data_ptr<Real>();
  const Real* yp = source == GammaSource::Output ? y.data_ptr<Real>() : nullptr;
  Tensor dx = torch::empty_like(dy);
  Real* dxp = dx.data_ptr<Real>();
  GradientSums<Real> total(channels);
  std::mutex merge;
  at::parallel_for(0, in.rows, grain_rows(channels), [&](int64_t begin, int64_t end) {
    GradientSums<Real> sums(channels);
    const int64_t step = rows_per_block(channels);
    for (int64_t block = begin; block < end; block += step)
      run(program, in, dyp, yp, source, dxp, sums, block, std::min(step, end - block));
    std::lock_guard<std::mutex> lock(merge);
    total.alpha += sums.alpha;
    for (int64_t c = 0; c < channels; ++c) {
      total.gamma[c] += sums.gamma[c];
      total.beta[c] += sums.beta[c];
      total.shift[c] += sums.shift[c];
    }
  });
  if (source == GammaSource::Output) {
    // sum dy y = gamma sum dy f + beta sum dy, per channel.
    const Real* gp = in.gamma;
    const Real* bp = beta.data_ptr<Real>();
    for (int64_t c = 0; c < channels; ++c)
      total.gamma[c] = (total.gamma[c] - static_cast<double>(bp[c]) * total.beta[c]) / static_cast<double>(gp[c]);
  }
  auto as_tensor = [&](const std::vector<double>& values, const Tensor& like) {
    return torch::tensor(values, torch::kDouble).to(like.scalar_type()).reshape(like.sizes());
  };
  Tensor d_shift = as_tensor(total.shift, gamma);
  if (!in.shift_per_channel) d_shift = d_shift.sum().reshape(shift.sizes());
  return {dx, torch::full(alpha.sizes(), total.alpha, alpha.options()), d_shift,
          source == GammaSource::None ? Tensor() : as_tensor(total.gamma, gamma), as_tensor(total.beta, gamma)};
}

// Keeps the program alive for the backward pass, in the context's saved data.
struct ProgramHolder : torch::CustomClassHolder {
  explicit ProgramHolder(std::shared_ptr<const Program> p) : program(std::move(p)) {}
  std::shared_ptr<const Program> program;
};

// Whether every channel's f can be taken back from y = gamma f + beta to about float's precision:
// the error of sum dy y / gamma, relative to f, grows as |beta| / |gamma|.
template <class Real>
bool output_gives_f(const Tensor& gamma, const Tensor& beta) {
  const Real* g = gamma.data_ptr<Real>();
  const Real* b = beta.data_ptr<Real>();
  for (int64_t c = 0; c < gamma.numel(); ++c)
    if (!(std::isfinite(g[c]) && std::isfinite(b[c]) && g[c] != 0 && std::abs(b[c]) <= 16 * std::abs(g[c])))
      return false;
  return true;
}

// gamma's gradient needs sum dy f(u) per channel. Where f' alone is cheaper than f and f' together
// (erf: exp(-u^2) without erf), the backward pass takes it from the output, which the next layer
// keeps anyway, when gamma and beta allow (output_gives_f); else it evaluates f again.
GammaSource gamma_source(const Program& program, const Tensor& gamma, const Tensor& beta) {
  if (!gamma.requires_grad()) return GammaSource::None;
  if (!program.derivative_alone_is_cheaper()) return GammaSource::Evaluate;
  const bool from_output = gamma.scalar_type() == torch::kFloat ? output_gives_f<float>(gamma, beta)
                                                                 : output_gives_f<double>(gamma, beta);
  return from_output ? GammaSource::Output : GammaSource::Evaluate;
}

struct FusedPointwise : public torch::autograd::Function<FusedPointwise> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& alpha, const Tensor& shift,
                        const Tensor& gamma, const Tensor& beta,
                        const std::shared_ptr<const Program>& program, bool backward) {
    Tensor input = x.contiguous();
    Tensor y = torch::empty_like(input);
    if (input.scalar_type() == torch::kFloat) {
      forward_kernel<float>(*program, Operands<float>(input, alpha, shift, gamma), beta, y);
    } else {
      forward_kernel<double>(*program, Operands<double>(input, alpha, shift, gamma), beta, y);
    }
    if (backward) {
      const GammaSource source = gamma_source(*program, gamma, beta);
      if (source == GammaSource::Output) {
        ctx->save_for_backward({input, alpha, shift, gamma, y, beta});
      } else {
        ctx->save_for_backward({input, alpha, shift, gamma});
      }
      ctx->saved_data["program"] = c10::IValue::make_capsule(c10::make_intrusive<ProgramHolder>(program));
      ctx->saved_data["gamma_source"] = static_cast<int64_t>(source);
    }
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    auto saved = ctx->get_saved_variables();
    const auto holder =
        c10::static_intrusive_pointer_cast<ProgramHolder>(ctx->saved_data["program"].toCapsule());
    const Program* program = holder->program.get();
    const Tensor &x = saved[0], &alpha = saved[1], &shift = saved[2], &gamma = saved[3];
    const auto source = static_cast<GammaSource>(ctx->saved_data["gamma_source"].toInt());
    const Tensor y = source == GammaSource::Output ? saved[4] : Tensor();
    const Tensor beta = source == GammaSource::Output ? saved[5] : Tensor();
    Tensor dy = grad[0].contiguous();
    Gradients g = x.scalar_type() == torch::kFloat
                      ? backward_kernel<float>(*program, Operands<float>(x, alpha, shift, gamma), alpha,
                                               shift, gamma, dy, source, y, beta)
                      : backward_kernel<double>(*program, Operands<double>(x, alpha, shift, gamma), alpha,
                                                shift, gamma, dy, source, y, beta);
    return {g.x, g.alpha, g.shift, g.gamma, g.beta, Tensor(), Tensor()};
  }
};

}  // namespace

Tensor fused_pointwise(const std::shared_ptr<const Program>& program, const Tensor& x, const Tensor& alpha,
                       const Tensor& shift, const Tensor& gamma, const Tensor& beta) {
  const bool backward =
      torch::GradMode::is_enabled() && (x.requires_grad() || alpha.requires_grad() || shift.requires_grad() ||
                                        gamma.requires_grad() || beta.requires_grad());
  return FusedPointwise::apply(x, alpha, shift, gamma, beta, program, backward);
}

}  // namespace fsearch::nn::detail
