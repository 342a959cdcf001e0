#include "fsearch/nn/tensor_eval.h"

#include <ATen/Parallel.h>

#include "fsearch/functions/rules.h"
#include "math_tensor.h"

namespace fsearch::nn {

using namespace functions;  // nn builds on the functions library
namespace {

using torch::Tensor;
using Kind = Instruction::Kind;

template <bool kDeriv>
TensorValues run_tensor_ops(const Program& program, const Tensor& x) {
  using R = Rules<TensorMath, kDeriv>;
  using D = Dual<Tensor>;
  const auto& code = program.instructions();
  std::vector<D> regs(code.size());
  Tensor one = torch::ones({}, x.options());
  Tensor zero = torch::zeros({}, x.options());
  for (std::size_t r = 0; r < code.size(); ++r) {
    const Instruction& in = code[r];
    if (in.kind == Kind::Input) {
      regs[r] = {x, one};
      continue;
    }
    if (in.kind == Kind::Constant) {
      regs[r] = {torch::full({}, in.constant, x.options()), zero};
      continue;
    }
    const D& a = regs[in.a];
    const D& b = in.b >= 0 ? regs[in.b] : a;
    const D& c = in.c >= 0 ? regs[in.c] : a;
    D& out = regs[r];
    switch (in.op) {
      case Op::Neg: out = R::neg(a); break;
      case Op::Abs: out = R::abs(a); break;
      case Op::Sign: out = R::sign(a); break;
      case Op::Exp: out = R::exp(a); break;
      case Op::Log: out = R::log(a); break;
      case Op::Sqrt: out = R::sqrt(a); break;
      case Op::Sin: out = R::sin(a); break;
      case Op::Cos: out = R::cos(a); break;
      case Op::Atan: out = R::atan(a); break;
      case Op::Tanh: out = R::tanh(a); break;
      case Op::Erf: out = R::erf(a); break;
      case Op::Asinh: out = R::asinh(a); break;
      case Op::Add: out = R::add(a, b); break;
      case Op::Sub: out = R::sub(a, b); break;
      case Op::Mul: out = R::mul(a, b); break;
      case Op::Div: out = R::div(a, b); break;
      case Op::Min: out = R::min(a, b); break;
      case Op::Max: out = R::max(a, b); break;
      case Op::Pow: out = R::pow(a, in.constant); break;
      case Op::Clip: out = R::clip(a, b, c); break;
      case Op::IfPos: out = R::if_pos(a, b, c); break;
    }
  }
  const D& result = regs[program.output()];
  // A constant function yields 0-dim registers: broadcast back to x's shape.
  TensorValues values{result.v.expand_as(x).contiguous(), {}};
  if (kDeriv) values.derivative = result.d.expand_as(x).contiguous();
  return values;
}

template <class Real>
void run_kernel(const Program& program, const Tensor& x, Tensor& y, Tensor* dy) {
  const Real* in = x.data_ptr<Real>();
  Real* out = y.data_ptr<Real>();
  Real* dout = dy ? dy->data_ptr<Real>() : nullptr;
  at::parallel_for(0, x.numel(), 16384, [&](int64_t begin, int64_t end) {
    Scratch<Real> scratch;
    program.evaluate(in + begin, out + begin, dout ? dout + begin : nullptr,
                     static_cast<std::size_t>(end - begin), scratch);
  });
}

struct ApplyFunction : public torch::autograd::Function<ApplyFunction> {
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& x, int64_t program_address,
                        int64_t path) {
    const auto* program = reinterpret_cast<const Program*>(program_address);
    auto values = evaluate(*program, x, x.requires_grad(), static_cast<EvalPath>(path));
    if (values.derivative.defined()) ctx->save_for_backward({values.derivative});
    return values.value;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    Tensor derivative = ctx->get_saved_variables()[0];
    return {grad[0] * derivative, Tensor(), Tensor()};
  }
};

}  // namespace

bool kernel_supports(const Tensor& x) {
  return x.device().is_cpu() && (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
}

TensorValues evaluate(const Program& program, const Tensor& x, bool with_derivative, EvalPath path) {
  torch::NoGradGuard no_grad;
  bool kernel = path == EvalPath::Kernel || (path == EvalPath::Auto && kernel_supports(x));
  if (kernel) {
    TORCH_CHECK(kernel_supports(x), "the kernel path needs a CPU float or double tensor");
    Tensor input = x.contiguous();
    TensorValues values{torch::empty_like(input), {}};
    if (with_derivative) values.derivative = torch::empty_like(input);
    Tensor* dy = with_derivative ? &values.derivative : nullptr;
    if (input.scalar_type() == torch::kFloat) {
      run_kernel<float>(program, input, values.value, dy);
    } else {
      run_kernel<double>(program, input, values.value, dy);
    }
    return values;
  }
  TensorValues values = run_tensor_ops<false>(program, x);
  if (with_derivative) values.derivative = run_tensor_ops<true>(program, x).derivative;
  return values;
}

Tensor apply(const Program& program, const Tensor& x, EvalPath path) {
  return ApplyFunction::apply(x, reinterpret_cast<int64_t>(&program), static_cast<int64_t>(path));
}

}  // namespace fsearch::nn
