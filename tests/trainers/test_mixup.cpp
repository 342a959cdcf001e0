// Mixup and CutMix (trainers/mixup.h): what each does to a batch and its loss, that a batch's
// mixing follows from (seed, step) alone, and a ViT job that mixes trains and resumes exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <filesystem>

#include "fsearch/trainers/mixup.h"
#include "fsearch/trainers/train.h"
#include "temp_dir.h"
#include "tiny_job.h"

namespace fsearch::trainers {
namespace {

// Eight 1x6x5 images, image i filled with i + 1 (so a pixel says which image it came from).
torch::Tensor numbered_images() {
  return (torch::arange(1, 9, torch::kFloat).view({8, 1, 1, 1}) * torch::ones({8, 1, 6, 5}));
}
torch::Tensor labels() { return torch::arange(8, torch::kInt64); }

TEST(Mixup, OffLeavesTheBatchAsItIs) {
  auto images = numbered_images();
  auto mixed = mix_batch(images, labels(), 0, 0, 1, 5);
  EXPECT_EQ(mixed.lambda, 1.0);
  EXPECT_TRUE(torch::equal(mixed.images, images));
  auto logits = torch::randn({8, 10});
  EXPECT_TRUE(torch::allclose(mixed_cross_entropy(logits, labels(), mixed, 0.1),
                              torch::nn::functional::cross_entropy(
                                  logits, labels(), torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(0.1))));
}

TEST(Mixup, BlendsEachImageWithAnotherAndMixesTheLoss) {
  auto images = numbered_images();
  auto mixed = mix_batch(images, labels(), 0.8, 0, 1, 5);
  ASSERT_FALSE(mixed.cutmix);
  ASSERT_GT(mixed.lambda, 0.0);
  ASSERT_LT(mixed.lambda, 1.0);
  for (std::int64_t i = 0; i < 8; ++i) {
    const auto j = mixed.order[static_cast<std::size_t>(i)];
    const double expected = mixed.lambda * (i + 1) + (1 - mixed.lambda) * (j + 1);
    EXPECT_NEAR(mixed.images[i].min().item<double>(), expected, 1e-5);
    EXPECT_NEAR(mixed.images[i].max().item<double>(), expected, 1e-5);
    EXPECT_EQ(mixed.other_labels[i].item<std::int64_t>(), j);
  }
  auto logits = torch::randn({8, 10});
  namespace F = torch::nn::functional;
  const auto expected = mixed.lambda * F::cross_entropy(logits, labels()).item<double>() +
                        (1 - mixed.lambda) * F::cross_entropy(logits, mixed.other_labels).item<double>();
  EXPECT_NEAR(mixed_cross_entropy(logits, labels(), mixed, 0).item<double>(), expected, 1e-5);
}

TEST(Mixup, CutMixPastesOneBoxAndLambdaIsTheShareLeft) {
  auto images = numbered_images();
  bool seen_box = false;
  for (std::int64_t step = 0; step < 20; ++step) {
    auto mixed = mix_batch(images, labels(), 0, 1.0, 7, step);
    ASSERT_TRUE(mixed.cutmix);
    const double area = static_cast<double>(mixed.height * mixed.width);
    EXPECT_DOUBLE_EQ(mixed.lambda, 1 - area / 30.0);
    seen_box = seen_box || area > 0;
    for (std::int64_t i = 0; i < 8; ++i) {
      const auto j = mixed.order[static_cast<std::size_t>(i)];
      if (j == i) continue;  // pasted from itself: nothing to see
      auto from_other = mixed.images[i].eq(static_cast<float>(j + 1)).sum().item<double>();
      auto kept = mixed.images[i].eq(static_cast<float>(i + 1)).sum().item<double>();
      EXPECT_EQ(from_other, area) << "step " << step << " image " << i;
      EXPECT_EQ(kept, 30.0 - area) << "step " << step << " image " << i;
    }
  }
  EXPECT_TRUE(seen_box);
}

TEST(Mixup, BothOnTakeOneOrTheOtherAndFollowSeedAndStep) {
  auto images = numbered_images();
  int cutmix = 0;
  for (std::int64_t step = 0; step < 40; ++step) cutmix += mix_batch(images, labels(), 0.8, 1.0, 3, step).cutmix;
  EXPECT_GT(cutmix, 8);
  EXPECT_LT(cutmix, 32);
  auto a = mix_batch(images, labels(), 0.8, 1.0, 3, 11), b = mix_batch(images, labels(), 0.8, 1.0, 3, 11);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  EXPECT_EQ(a.order, b.order);
  auto other_step = mix_batch(images, labels(), 0.8, 1.0, 3, 12), other_seed = mix_batch(images, labels(), 0.8, 1.0, 4, 11);
  EXPECT_FALSE(torch::equal(a.images, other_step.images) && a.order == other_step.order);
  EXPECT_FALSE(torch::equal(a.images, other_seed.images) && a.order == other_seed.order);
}

// A ViT job with mixup and CutMix learns, and an interrupted one resumes to the same result.
TEST(Mixup, AJobThatMixesLearnsAndResumesExactly) {
  static const fsearch::testing::TempDir root("mixup-tests");
  auto spec = testing::tiny_job("derf");
  spec.data.mixup = 0.8;
  spec.data.cutmix = 1.0;
  const auto straight = (root / "straight").string(), interrupted = (root / "interrupted").string();
  prepare_run_dir(spec, straight);
  prepare_run_dir(spec, interrupted);
  const auto expected = run_job(straight);
  ASSERT_EQ(expected.status, "done");
  EXPECT_GT(expected.test_acc, 0.3);  // 10 classes: chance is 0.1

  std::atomic<bool> stop{false};
  TrainCallbacks callbacks;
  callbacks.stop = &stop;
  callbacks.on_progress = [&](const Progress& p) {
    if (p.step >= 55) stop = true;
  };
  EXPECT_EQ(run_job(interrupted, callbacks).status, "interrupted");
  const auto resumed = run_job(interrupted);
  EXPECT_EQ(resumed.test_acc, expected.test_acc);
  EXPECT_EQ(resumed.final_loss, expected.final_loss);
}

}  // namespace
}  // namespace fsearch::trainers
