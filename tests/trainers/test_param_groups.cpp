// The optimizer's parameter groups (trainers/src/loop.h): which parameters each lr multiplier
// reaches, and that a job without multipliers keeps the two groups its checkpoints were made with.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <set>
#include <string>

#include "fsearch/trainers/dit.h"
#include "fsearch/trainers/vit.h"
#include "loop.h"
#include "tiny_job.h"

namespace fsearch::trainers {
namespace {

using testing::tiny_job;

// Parameter name -> the name of the group that holds it; fails if one is in two groups or none.
std::map<std::string, std::string> group_of(torch::nn::Module& model, const TrainSpec& train) {
  std::map<const void*, std::string> by_tensor;
  for (const auto& group : detail::param_groups(model, train)) {
    for (const auto& p : group.params) {
      EXPECT_TRUE(by_tensor.emplace(p.unsafeGetTensorImpl(), group.name).second) << "in two groups";
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& item : model.named_parameters()) {
    auto it = by_tensor.find(item.value().unsafeGetTensorImpl());
    EXPECT_NE(it, by_tensor.end()) << item.key() << " is in no group";
    if (it != by_tensor.end()) out[item.key()] = it->second;
  }
  return out;
}

std::set<std::string> members(const std::map<std::string, std::string>& groups, const std::string& name) {
  std::set<std::string> out;
  for (const auto& [param, group] : groups) {
    if (group == name) out.insert(param);
  }
  return out;
}

TEST(ParamGroups, WithoutScalesThereAreTheTwoGroupsOldCheckpointsHave) {
  auto spec = tiny_job("derf");
  ViT model(spec.model, spec.norm);
  const auto groups = detail::param_groups(*model, spec.train);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "decay");
  EXPECT_EQ(groups[1].name, "no_decay");
  EXPECT_EQ(members(group_of(*model, spec.train), "decay").count("blocks.0.attn.qkv.weight"), 1u);
  EXPECT_EQ(members(group_of(*model, spec.train), "no_decay").count("blocks.0.norm1.norm.alpha"), 1u);
}

// muP's width rule reaches the matrices whose fan-in is the width, never the patch embedding.
TEST(ParamGroups, MatrixScaleTakesTheWidthMatricesOfTheViT) {
  auto spec = tiny_job("derf");
  spec.train.alpha_lr_scale = 66;
  spec.train.matrix_lr_scale = 12;
  ViT model(spec.model, spec.norm);
  const auto plan = detail::param_groups(*model, spec.train);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[2].name, "pointwise_scalars");
  EXPECT_EQ(plan[2].lr_scale, 66);
  EXPECT_EQ(plan[3].name, "width_matrices");
  EXPECT_EQ(plan[3].lr_scale, 12);
  EXPECT_EQ(plan[3].weight_decay, spec.train.weight_decay);

  const auto groups = group_of(*model, spec.train);
  std::set<std::string> expected{"head.weight"};
  for (int b = 0; b < spec.model.depth; ++b) {
    for (const char* m : {"attn.qkv", "attn.proj", "fc1", "fc2"}) {
      expected.insert("blocks." + std::to_string(b) + "." + m + ".weight");
    }
  }
  EXPECT_EQ(members(groups, "width_matrices"), expected);
  EXPECT_EQ(groups.at("patch_embed.weight"), "decay");
  EXPECT_EQ(groups.at("blocks.1.norm2.norm.alpha"), "pointwise_scalars");
  EXPECT_EQ(groups.at("blocks.1.norm2.norm.gamma"), "no_decay");
  EXPECT_EQ(groups.at("blocks.1.fc1.bias"), "no_decay");
}

TEST(ParamGroups, MatrixScaleLeavesTheDiTsInputEmbeddings) {
  DiT model(testing::small_dit(), functions::norm_preset("derf"));
  TrainSpec train;
  train.matrix_lr_scale = 12;
  const auto groups = group_of(*model, train);
  for (const char* input : {"patch_embed.weight", "t_fc1.weight", "label_embed.weight"}) {
    EXPECT_EQ(groups.at(input), "decay") << input;
  }
  for (const char* width : {"t_fc2.weight", "blocks.0.modulation.weight", "blocks.0.fc2.weight",
                            "final_modulation.weight", "final_linear.weight"}) {
    EXPECT_EQ(groups.at(width), "width_matrices") << width;
  }
}

}  // namespace
}  // namespace fsearch::trainers
