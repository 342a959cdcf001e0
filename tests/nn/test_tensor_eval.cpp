// The kernel path and the tensor-ops path compute the same f and f' from the same rules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/nn/tensor_eval.h"

namespace fsearch::nn {
namespace {

using namespace functions;

torch::Tensor grid(torch::Dtype dtype) {
  // Includes exact 0 and exact kink points (±1, ±0.5).
  return torch::linspace(-8, 8, 3201, torch::TensorOptions().dtype(dtype));
}

TEST(TensorEval, KernelAndTensorOpsAgreeOnTheCatalog) {
  for (auto dtype : {torch::kDouble, torch::kFloat}) {
    double tol = dtype == torch::kDouble ? 1e-12 : 2e-6;
    auto x = grid(dtype);
    for (const auto& entry : catalog()) {
      Program program(primitive(entry.name));
      auto kernel = evaluate(program, x, true, EvalPath::Kernel);
      auto ops = evaluate(program, x, true, EvalPath::TensorOps);
      EXPECT_TRUE(torch::allclose(kernel.value, ops.value, tol, tol)) << entry.name;
      EXPECT_TRUE(torch::allclose(kernel.derivative, ops.derivative, tol, tol)) << entry.name;
      EXPECT_TRUE(torch::isfinite(kernel.derivative).all().item<bool>()) << entry.name;
    }
  }
}

TEST(TensorEval, KernelMatchesScalarProgram) {
  Program program(parse("flat(hshift(tanh, 0.3), 0.5)"));
  auto x = grid(torch::kDouble);
  auto values = evaluate(program, x, true);
  auto xa = x.accessor<double, 1>();
  auto ya = values.value.accessor<double, 1>();
  auto da = values.derivative.accessor<double, 1>();
  for (int64_t i = 0; i < x.size(0); i += 97) {
    EXPECT_DOUBLE_EQ(ya[i], program.value(xa[i]));
    EXPECT_DOUBLE_EQ(da[i], program.derivative(xa[i]));
  }
}

// A rotated function is a long unrolled program (a fixed-point solve); on tensors, through the
// kernel and through autograd's ops, it gives the scalar program's values and slopes.
TEST(TensorEval, RotationOnTensorsMatchesTheScalarProgram) {
  Program program(parse("rotate(erf, 0.3)"));
  auto x = grid(torch::kDouble);
  for (auto path : {EvalPath::Kernel, EvalPath::TensorOps}) {
    auto values = evaluate(program, x, true, path);
    auto xa = x.accessor<double, 1>();
    auto ya = values.value.accessor<double, 1>();
    auto da = values.derivative.accessor<double, 1>();
    for (int64_t i = 0; i < x.size(0); i += 97) {
      EXPECT_NEAR(ya[i], program.value(xa[i]), 1e-12);
      EXPECT_NEAR(da[i], program.derivative(xa[i]), 1e-12);
    }
  }
}

TEST(TensorEval, KeepsShapeAndHandlesNonContiguousInput) {
  Program program(primitive("isru"));
  auto x = torch::randn({4, 6, 5}).transpose(0, 2);
  auto values = evaluate(program, x, false);
  EXPECT_EQ(values.value.sizes(), x.sizes());
  EXPECT_TRUE(torch::allclose(values.value, x / torch::sqrt(x * x + 1), 1e-6, 1e-6));
  EXPECT_FALSE(values.derivative.defined());
}

TEST(TensorEval, ConstantFunctionBroadcasts) {
  Program program(parse("0.5 + 0 * 1"));
  auto values = evaluate(program, torch::randn({3, 4}), true, EvalPath::TensorOps);
  EXPECT_EQ(values.value.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(values.value.eq(0.5).all().item<bool>());
  EXPECT_TRUE(values.derivative.eq(0).all().item<bool>());
}

TEST(TensorEval, ApplyIsDifferentiableWithFiniteGradientsAtZero) {
  for (auto path : {EvalPath::Kernel, EvalPath::TensorOps}) {
    Program program(primitive("power23"));
    auto x = torch::tensor({-1.0, 0.0, 1e-3, 2.0}, torch::dtype(torch::kDouble).requires_grad(true));
    auto y = apply(program, x, path);
    y.sum().backward();
    auto g = x.grad();
    EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
    EXPECT_NEAR(g[0].item<double>(), 2.0 / 3.0, 1e-12);
    EXPECT_EQ(g[1].item<double>(), 0.0);
    // A naive autograd through sign(x) * |x|^(2/3) gives NaN at 0: that is what apply avoids.
    auto xn = torch::tensor({0.0}, torch::dtype(torch::kDouble).requires_grad(true));
    (xn.sign() * xn.abs().pow(2.0 / 3.0)).sum().backward();
    EXPECT_TRUE(torch::isnan(xn.grad()).all().item<bool>());
  }
}

}  // namespace
}  // namespace fsearch::nn
