#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/trainers/data.h"
#include "temp_dir.h"

namespace fsearch::trainers {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  static const fsearch::testing::TempDir root("data-tests");  // removed when the tests end
  auto dir = root / name;
  fs::create_directories(dir);
  return dir;
}

void put_be32(std::vector<unsigned char>& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
}

void write_gz(const fs::path& file, const std::vector<unsigned char>& bytes) {
  gzFile out = gzopen(file.c_str(), "wb");
  gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(out);
}

// A tiny IDX set: n images of 4x4 whose pixels all equal the image's index, label = index % 3.
void write_idx(const fs::path& dir, const std::string& prefix, int n, bool gz) {
  std::vector<unsigned char> images, labels;
  put_be32(images, 2051), put_be32(images, n), put_be32(images, 4), put_be32(images, 4);
  put_be32(labels, 2049), put_be32(labels, n);
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 16; ++p) images.push_back(static_cast<unsigned char>(i));
    labels.push_back(static_cast<unsigned char>(i % 3));
  }
  if (gz) {
    write_gz(dir / (prefix + "-images-idx3-ubyte.gz"), images);
    write_gz(dir / (prefix + "-labels-idx1-ubyte.gz"), labels);
  } else {
    std::ofstream(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary)
        .write((char*)images.data(), images.size());
    std::ofstream(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary)
        .write((char*)labels.data(), labels.size());
  }
}

// A folder with a training set of 12 images (gzipped) and a test set of 5 (plain), as an idx spec.
DataSpec small_idx_set(const std::string& name) {
  auto dir = temp_dir(name);
  write_idx(dir, "train", 12, true);
  write_idx(dir, "t10k", 5, false);
  DataSpec spec;
  spec.dataset = "idx";
  spec.path = dir.string();
  return spec;
}

TEST(Idx, ReadsGzippedAndPlainFiles) {
  auto spec = small_idx_set("idx");
  auto data = load_data(spec, 0);
  EXPECT_EQ(data.train.images.sizes().vec(), (std::vector<int64_t>{12, 1, 4, 4}));
  EXPECT_EQ(data.test.size(), 5);
  EXPECT_EQ(data.train.classes, 3);
  EXPECT_EQ(data.train.images[7].max().item<int>(), 7);
  EXPECT_EQ(data.train.labels[7].item<int64_t>(), 1);
}

TEST(Idx, TrainLimitKeepsTheFirstImagesAndTheTestSet) {
  auto spec = small_idx_set("idx-limit");
  spec.train_limit = 4;
  auto data = load_data(spec, 0);
  ASSERT_EQ(data.train.size(), 4);
  EXPECT_EQ(data.train.images[3].max().item<int>(), 3);  // the first four, in file order
  EXPECT_EQ(data.test.size(), 5);
  EXPECT_EQ(data.train.classes, 3);
  spec.train_limit = 100;  // beyond the set: all of it
  EXPECT_EQ(load_data(spec, 0).train.size(), 12);
}

TEST(Idx, ErrorsNameTheFile) {
  auto dir = temp_dir("idx-bad");
  write_gz(dir / "bad-images", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  write_idx(dir, "ok", 3, true);
  try {
    read_idx((dir / "bad-images").string(), (dir / "ok-labels-idx1-ubyte.gz").string());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad-images: not an IDX image file"), std::string::npos);
  }
  DataSpec spec;
  spec.dataset = "idx";
  spec.path = (dir / "missing").string();
  EXPECT_THROW(load_data(spec, 0), ConfigError);
}

// Hostile or degenerate IDX files (found by a probe) are errors naming the file, not overflows,
// torch errors or reads past a buffer.
TEST(Idx, DegenerateFilesAreErrors) {
  auto dir = temp_dir("idx-degenerate");
  write_idx(dir, "ok", 3, true);
  auto message = [&](const std::vector<unsigned char>& images) {
    write_gz(dir / "x-images", images);
    try {
      read_idx((dir / "x-images").string(), (dir / "ok-labels-idx1-ubyte.gz").string());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::vector<unsigned char> huge;  // 65536^4 images of 65536 x 65536: the size product overflows
  put_be32(huge, 2052), put_be32(huge, 65536), put_be32(huge, 65536), put_be32(huge, 65536), put_be32(huge, 65536);
  EXPECT_NE(message(huge).find("x-images: truncated"), std::string::npos) << message(huge);
  std::vector<unsigned char> empty;
  put_be32(empty, 2051), put_be32(empty, 0), put_be32(empty, 28), put_be32(empty, 28);
  EXPECT_NE(message(empty).find("x-images: holds no images"), std::string::npos) << message(empty);
}

TEST(Batches, ATrainingSetSmallerThanOneBatchIsAnError) {
  auto dir = temp_dir("idx-small");
  write_idx(dir, "train", 5, true);
  write_idx(dir, "t10k", 5, true);
  DataSpec spec;
  spec.dataset = "idx";
  spec.path = dir.string();
  auto data = load_data(spec, 0);
  try {
    Batches batches(data, spec, 64, 0);
    FAIL() << "a batch of 64 from 5 images";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the training set has 5 images, fewer than one batch of 64"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(Batches(data, spec, 5, 0));
}

TEST(Cifar, ReadsBinaryRecordsOfBothFormats) {
  auto dir = temp_dir("cifar");
  auto write = [&](const std::string& name, int records, int label_bytes) {
    std::ofstream out(dir / name, std::ios::binary);
    for (int r = 0; r < records; ++r) {
      for (int l = 0; l < label_bytes; ++l) out.put(static_cast<char>((r + l) % 10));
      for (int p = 0; p < 3072; ++p) out.put(static_cast<char>(p < 1024 ? r : 0));  // red channel = r
    }
  };
  for (int i = 1; i <= 5; ++i) write("data_batch_" + std::to_string(i) + ".bin", 2, 1);
  write("test_batch.bin", 3, 1);
  DataSpec spec;
  spec.dataset = "cifar10";
  spec.path = dir.string();
  auto data = load_data(spec, 0);
  EXPECT_EQ(data.train.images.sizes().vec(), (std::vector<int64_t>{10, 3, 32, 32}));
  EXPECT_EQ(data.test.labels[2].item<int64_t>(), 2);
  EXPECT_EQ(data.test.images[2][0].max().item<int>(), 2);
  EXPECT_EQ(data.test.images[2][1].max().item<int>(), 0);

  write("train.bin", 4, 2);  // CIFAR-100: coarse, fine; the fine label is used
  write("test.bin", 2, 2);
  spec.dataset = "cifar100";
  auto hundred = load_data(spec, 0);
  EXPECT_EQ(hundred.train.labels[0].item<int64_t>(), 1);
  EXPECT_EQ(hundred.train.classes, 100);

  std::ofstream(dir / "test.bin", std::ios::binary) << "short";
  EXPECT_THROW(load_data(spec, 0), ConfigError);
}

TEST(FashionMnist, RealFilesFromTheDebianPackage) {
  DataSpec spec;  // defaults: /usr/share/datasets/fashion-mnist
  auto data = load_data(spec, 0);
  EXPECT_EQ(data.train.images.sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(data.test.size(), 10000);
  EXPECT_EQ(data.train.classes, 10);
  // Balanced classes: 6000 training images each.
  auto counts = torch::bincount(data.train.labels);
  EXPECT_TRUE(counts.eq(6000).all().item<bool>());
  EXPECT_NEAR(data.mean, 0.286, 0.001);  // the data set's well-known pixel mean
}

TEST(Batches, DeterministicPerStepAndAPermutationPerEpoch) {
  auto data = synthetic_data(256, 64, 3);
  DataSpec spec;
  spec.dataset = "synthetic";
  Batches a(data, spec, 32, 11), b(data, spec, 32, 11), other(data, spec, 32, 12);
  EXPECT_EQ(a.steps_per_epoch(), 8);
  EXPECT_TRUE(a.train_batch(5).x.equal(b.train_batch(5).x));  // the same step, the same batch
  EXPECT_TRUE(a.train_batch(13).y.equal(b.train_batch(13).y));
  EXPECT_FALSE(a.train_batch(5).x.equal(other.train_batch(5).x));
  // Over one epoch every image appears once (compare labels' multiset).
  std::vector<torch::Tensor> labels;
  for (int s = 0; s < 8; ++s) labels.push_back(a.train_batch(s).y);
  auto epoch = torch::cat(labels);
  EXPECT_TRUE(torch::bincount(epoch, {}, 10).equal(torch::bincount(data.train.labels, {}, 10)));
  // Another epoch, another order.
  EXPECT_FALSE(a.train_batch(0).y.equal(a.train_batch(8).y));
}

TEST(Batches, AugmentationCropsAndKeepsShape) {
  auto data = synthetic_data(64, 16, 0);
  DataSpec plain_spec, aug_spec;
  plain_spec.augment = false;
  aug_spec.augment = true;
  Batches plain(data, plain_spec, 16, 0), augmented(data, aug_spec, 16, 0);
  auto p = plain.train_batch(0), q = augmented.train_batch(0);
  EXPECT_EQ(p.x.sizes(), q.x.sizes());
  EXPECT_TRUE(p.y.equal(q.y));   // same images, same order
  EXPECT_FALSE(p.x.equal(q.x));  // shifted by the random crops
}

}  // namespace
}  // namespace fsearch::trainers
