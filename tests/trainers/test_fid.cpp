// FID against closed forms, image writing, degradations, and the feature extractor's cache.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/trainers/data.h"
#include "fsearch/trainers/features.h"
#include "fsearch/trainers/fid.h"
#include "fsearch/trainers/images.h"
#include "temp_dir.h"

namespace fsearch::trainers {
namespace {

namespace fs = std::filesystem;

FeatureStats diagonal(std::vector<double> mean, std::vector<double> variances) {
  FeatureStats s;
  s.mean = torch::tensor(mean, torch::kDouble);
  s.cov = torch::diag(torch::tensor(variances, torch::kDouble));
  s.count = 100;
  return s;
}

TEST(Fid, IdenticalStatisticsGiveZero) {
  torch::manual_seed(1);
  auto features = torch::randn({500, 16}, torch::kDouble).matmul(torch::randn({16, 16}, torch::kDouble));
  auto s = feature_stats(features);
  EXPECT_NEAR(frechet_distance(s, s), 0.0, 1e-8);
}

TEST(Fid, DiagonalCovariancesMatchTheClosedForm) {
  auto a = diagonal({0.0, 1.0, -2.0}, {1.0, 4.0, 0.25});
  auto b = diagonal({0.5, 1.0, 1.0}, {9.0, 1.0, 0.25});
  // sum (mu1 - mu2)^2 + (sqrt(s1) - sqrt(s2))^2
  const double expected = (0.25 + 0 + 9) + (4 + 1 + 0);
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-10);
  EXPECT_NEAR(frechet_distance(b, a), expected, 1e-10);
}

TEST(Fid, RotatedCovariancesAgreeWithTheDiagonalCase) {
  // FID is invariant under a rotation of the feature space applied to both sets.
  auto a = diagonal({1, 2, 3}, {1.0, 2.0, 3.0});
  auto b = diagonal({0, 0, 0}, {3.0, 0.5, 1.0});
  auto [q, r] = torch::linalg::qr(torch::randn({3, 3}, torch::kDouble));
  auto rotate = [&, q = q](FeatureStats s) {
    s.mean = q.matmul(s.mean);
    s.cov = q.matmul(s.cov).matmul(q.t());
    return s;
  };
  EXPECT_NEAR(frechet_distance(rotate(a), rotate(b)), frechet_distance(a, b), 1e-9);
}

TEST(Fid, RankDeficientCovariancesStayFiniteAndNonNegative) {
  torch::manual_seed(2);
  auto few = feature_stats(torch::randn({5, 32}, torch::kDouble));  // rank 4 in 32 dimensions
  auto other = feature_stats(torch::randn({6, 32}, torch::kDouble) + 0.5);
  const double d = frechet_distance(few, other);
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_GT(d, 0);
  EXPECT_NEAR(frechet_distance(few, few), 0.0, 1e-8);
}

TEST(Fid, StatisticsRoundTripThroughAFile) {
  auto s = feature_stats(torch::randn({50, 4}, torch::kDouble));
  const fsearch::testing::TempDir dir("stats");
  auto file = dir / "stats.pt";
  save_stats(s, file);
  auto back = load_stats(file);
  EXPECT_TRUE(torch::equal(back.mean, s.mean));
  EXPECT_TRUE(torch::equal(back.cov, s.cov));
  EXPECT_EQ(back.count, 50);
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::uint32_t u32(const std::string& b, std::size_t at) {
  return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint8_t(b[at + 3]);
}

TEST(Images, PngHoldsThePixelsItWasGiven) {
  auto pixels = torch::randint(0, 256, {1, 5, 7}, torch::kInt64).to(torch::kUInt8);
  const fsearch::testing::TempDir dir("png");
  auto file = dir / "image.png";
  write_png(file, pixels);
  auto png = read_bytes(file);
  ASSERT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(u32(png, 16), 7u);  // width
  EXPECT_EQ(u32(png, 20), 5u);  // height
  // IHDR chunk: 8 + 4 + 13 + 4 bytes after the signature; then IDAT.
  const std::size_t idat = 8 + 25;
  ASSERT_EQ(png.substr(idat + 4, 4), "IDAT");
  const auto length = u32(png, idat);
  std::string raw(5 * (7 + 1), '\0');
  uLongf size = raw.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                       reinterpret_cast<const Bytef*>(png.data() + idat + 8), length),
            Z_OK);
  auto acc = pixels.accessor<std::uint8_t, 3>();
  for (int y = 0; y < 5; ++y) {
    EXPECT_EQ(raw[y * 8], 0);  // filter: none
    for (int x = 0; x < 7; ++x) EXPECT_EQ(std::uint8_t(raw[y * 8 + 1 + x]), acc[0][y][x]);
  }
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

TEST(Images, GridPutsEachClassOnItsRow) {
  auto pixels = torch::zeros({4, 1, 3, 3}, torch::kUInt8);
  for (int i = 0; i < 4; ++i) pixels[i].fill_(10 * (i + 1));
  auto labels = torch::tensor({1, 0, 1, 1}, torch::kInt64);
  auto grid = class_grid(pixels, labels, 2, 2);  // two columns: the third image of class 1 is left out
  EXPECT_EQ(grid.sizes(), (std::vector<int64_t>{1, 2 * 5 + 2, 2 * 5 + 2}));
  EXPECT_EQ(grid[0][2][2].item<int>(), 20);   // row 0 (class 0), column 0: image 1
  EXPECT_EQ(grid[0][7][2].item<int>(), 10);   // row 1 (class 1), column 0: image 0
  EXPECT_EQ(grid[0][7][7].item<int>(), 30);   // row 1, column 1: image 2
  EXPECT_EQ(grid[0][0][0].item<int>(), 255);  // border
}

TEST(Images, BlurKeepsConstantsAndNoiseGrowsWithSigma) {
  auto flat = torch::full({2, 1, 8, 8}, 77, torch::kUInt8);
  EXPECT_TRUE(torch::equal(gaussian_blur(flat, 1.5), flat));
  auto image = torch::randint(0, 256, {2, 1, 8, 8}, torch::kInt64).to(torch::kUInt8);
  auto change = [&](const torch::Tensor& t) {
    return (t.to(torch::kFloat) - image.to(torch::kFloat)).abs().mean().item<double>();
  };
  EXPECT_EQ(change(add_noise(image, 0.0, 1)), 0.0);
  EXPECT_LT(change(add_noise(image, 0.02, 1)), change(add_noise(image, 0.1, 1)));
  EXPECT_TRUE(torch::equal(add_noise(image, 0.1, 7), add_noise(image, 0.1, 7)));  // seeded
  EXPECT_LT(change(gaussian_blur(image, 0.5)), change(gaussian_blur(image, 2.0)));
}

TEST(Data, IdxFilesRoundTripWithOneOrThreeChannels) {
  for (int channels : {1, 3}) {
    Dataset d;
    d.images = torch::randint(0, 256, {6, channels, 4, 5}, torch::kInt64).to(torch::kUInt8);
    d.labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kInt64);
    const fsearch::testing::TempDir dir("idx-" + std::to_string(channels));
    auto stem = dir / "set";
    write_idx(d, stem.string() + "-images", stem.string() + "-labels");
    auto back = read_idx(stem.string() + "-images", stem.string() + "-labels");
    EXPECT_TRUE(torch::equal(back.images, d.images)) << channels;
    EXPECT_TRUE(torch::equal(back.labels, d.labels)) << channels;
  }
}

// The CNN extractor on the synthetic set: trained once, then loaded from the cache; real data
// against itself scores ~0, against noisy copies more, and more with more noise.
TEST(Features, CnnIsCachedAndFidGrowsWithNoise) {
  const fsearch::testing::TempDir cache_dir("cache");
  auto cache = cache_dir.path();
  ::setenv("FSEARCH_CACHE_DIR", cache.c_str(), 1);
  auto data = synthetic_data(1024, 512, 3);
  auto first = make_extractor("cnn", data, torch::kCPU);
  auto weights = cache / ("features-" + first->cache_key().substr(0, first->cache_key().rfind('-')) + ".pt");
  ASSERT_TRUE(fs::exists(weights)) << weights;
  auto written = fs::last_write_time(weights);
  // What a writer killed while it saved leaves behind; the next one to hold the lock removes it.
  const fs::path leftover = weights.string() + ".tmp.99999";
  std::ofstream(leftover) << "half a file";
  auto second = make_extractor("cnn", data, torch::kCPU);
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_EQ(second->id(), first->id());
  EXPECT_EQ(fs::last_write_time(weights), written) << "the second extractor retrained instead of loading";
  EXPECT_NE(first->id().find("test acc"), std::string::npos) << first->id();

  auto reference = reference_stats(*first, data, "test");
  EXPECT_EQ(reference.count, 512);
  EXPECT_NEAR(frechet_distance(stats_of(*first, data.test.images), reference), 0.0, 1e-6);
  double previous = 0;  // the test split against itself
  for (double sigma : {0.05, 0.15, 0.4}) {
    const double fid = frechet_distance(stats_of(*first, add_noise(data.test.images, sigma, 1)), reference);
    EXPECT_GT(fid, previous) << "sigma " << sigma;
    previous = fid;
  }
  // Another sample of the same distribution is closer than heavily degraded copies of the reference.
  EXPECT_LT(frechet_distance(stats_of(*first, data.train.images), reference), previous);
  ::unsetenv("FSEARCH_CACHE_DIR");
}

TEST(Features, MissingTorchScriptFileIsAConfigError) {
  auto data = synthetic_data(64, 32, 3);
  EXPECT_THROW(make_extractor("/nonexistent/inception.pt", data, torch::kCPU), ConfigError);
}

}  // namespace
}  // namespace fsearch::trainers
