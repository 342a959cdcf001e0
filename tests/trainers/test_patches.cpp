// The patch embedding as one matrix product (trainers/src/patches.h) against the convolution it
// stands for: outputs, and the gradients of the convolution's weight and bias, for the proxies'
// shape and odd ones; shapes it does not cover take the convolution itself.
#include <gtest/gtest.h>

#include "patches.h"

using namespace fsearch;

namespace {

struct Gradients {
  torch::Tensor out, weight, bias;
};

Gradients run(torch::nn::Conv2d& conv, const torch::Tensor& images, const torch::Tensor& upstream, bool product) {
  conv->zero_grad();
  auto out = product ? trainers::embed_patches(conv, images)
                     : conv->forward(images).flatten(2).transpose(1, 2).contiguous();
  (out * upstream).sum().backward();
  return {out.detach(), conv->weight.grad().clone(), conv->bias.grad().clone()};
}

}  // namespace

TEST(PatchEmbedding, AgreesWithTheConvolution) {
  struct Case {
    int64_t batch, channels, size, patch, width;
  };
  for (const auto& c : {Case{8, 1, 28, 4, 64}, Case{3, 3, 12, 2, 5}, Case{2, 2, 9, 3, 7}, Case{1, 1, 4, 4, 3}}) {
    torch::manual_seed(c.size * 10 + c.patch);
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(c.channels, c.width, c.patch).stride(c.patch));
    auto images = torch::randn({c.batch, c.channels, c.size, c.size});
    const int64_t tokens = (c.size / c.patch) * (c.size / c.patch);
    auto upstream = torch::randn({c.batch, tokens, c.width});
    auto mine = run(conv, images, upstream, true);
    auto ref = run(conv, images, upstream, false);
    ASSERT_EQ(mine.out.sizes(), ref.out.sizes());
    EXPECT_TRUE(mine.out.is_contiguous());
    EXPECT_TRUE(torch::allclose(mine.out, ref.out, 1e-5, 1e-5)) << "output, size " << c.size << " patch " << c.patch;
    EXPECT_TRUE(torch::allclose(mine.weight, ref.weight, 1e-4, 1e-4)) << "weight gradient, size " << c.size;
    EXPECT_TRUE(torch::allclose(mine.bias, ref.bias, 1e-4, 1e-4)) << "bias gradient, size " << c.size;
  }
}

// An image side that the patch does not divide: the convolution drops the remainder, and so does
// the embedding (it takes the convolution itself).
TEST(PatchEmbedding, ImagesThePatchDoesNotDivideTakeTheConvolution) {
  torch::manual_seed(1);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(1, 4, 4).stride(4));
  auto images = torch::randn({2, 1, 10, 10});
  auto out = trainers::embed_patches(conv, images);
  auto ref = conv->forward(images).flatten(2).transpose(1, 2);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 4, 4}));
  EXPECT_TRUE(torch::equal(out, ref));
}
