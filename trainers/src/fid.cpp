#include "fsearch/trainers/fid.h"

#include "checkpoint.h"

#include <unistd.h>

#include "fsearch/core/error.h"

namespace fsearch::trainers {

FeatureStats feature_stats(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2) {
    throw Error("feature_stats needs (N, F) features with N >= 2");
  }
  auto x = features.to(torch::kCPU, torch::kDouble);
  FeatureStats s;
  s.count = x.size(0);
  s.mean = x.mean(0);
  auto centered = x - s.mean;
  s.cov = centered.t().matmul(centered) / double(s.count - 1);
  return s;
}

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  if (a.mean.numel() != b.mean.numel()) throw Error("frechet_distance: feature sizes differ");
  auto s1 = (a.cov + a.cov.t()) / 2, s2 = (b.cov + b.cov.t()) / 2;
  auto [w1, v1] = torch::linalg::eigh(s1, "L");
  auto root1 = v1.matmul(torch::diag(w1.clamp_min(0).sqrt())).matmul(v1.t());  // S1^1/2
  auto m = root1.matmul(s2).matmul(root1);
  auto w = torch::linalg::eigvalsh((m + m.t()) / 2, "L").clamp_min(0);
  const double trace_sqrt = w.sqrt().sum().item<double>();
  const double mean_term = (a.mean - b.mean).pow(2).sum().item<double>();
  const double fid = mean_term + s1.trace().item<double>() + s2.trace().item<double>() - 2 * trace_sqrt;
  return std::max(0.0, fid);
}

void save_stats(const FeatureStats& stats, const std::filesystem::path& file) {
  torch::serialize::OutputArchive archive;
  archive.write("mean", stats.mean);
  archive.write("cov", stats.cov);
  archive.write("count", torch::tensor(stats.count, torch::kInt64));
  detail::save_archive(archive, file);
}

FeatureStats load_stats(const std::filesystem::path& file) {
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  FeatureStats s;
  torch::Tensor count;
  archive.read("mean", s.mean);
  archive.read("cov", s.cov);
  archive.read("count", count);
  s.count = count.item<std::int64_t>();
  return s;
}

}  // namespace fsearch::trainers
