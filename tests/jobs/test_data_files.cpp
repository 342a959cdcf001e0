// Which files a data set needs, found in its folder before anything is made for a job.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/jobs/data_files.h"
#include "temp_dir.h"

namespace fsearch::jobs {
namespace {

namespace fs = std::filesystem;

// Debian's dataset-fashion-mnist, where a proxy finds it by default: the four IDX files, gzipped.
TEST(DataFiles, FashionMnistIsFoundInDebiansFolder) {
  DataSpec data;
  const auto paths = find_data_files(data);
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(fs::path(paths[0]).filename(), "train-images-idx3-ubyte.gz");
  EXPECT_EQ(fs::path(paths[3]).filename(), "t10k-labels-idx1-ubyte.gz");
  for (const auto& path : paths) EXPECT_TRUE(fs::is_regular_file(path)) << path;
}

// IDX files may be gunzipped; CIFAR-10 needs its five training batches and the test batch. The first
// file missing is named with its folder.
TEST(DataFiles, EachNameAFileMayHaveAndTheFirstMissingOneNamed) {
  const auto dir = testing::program_temp_dir() / ("data-files-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  DataSpec idx;
  idx.dataset = "idx";
  idx.path = dir.string();
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"})
    std::ofstream(dir / name) << "x";
  try {
    find_data_files(idx);
    ADD_FAILURE() << "found a file that is not there";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "data set idx: no t10k-labels-idx1-ubyte.gz in " + dir.string());
    EXPECT_NE(e.hint().find("data.path"), std::string::npos) << e.hint();
  }
  std::ofstream(dir / "t10k-labels-idx1-ubyte.gz") << "x";
  EXPECT_EQ(find_data_files(idx).back(), (dir / "t10k-labels-idx1-ubyte.gz").string());
  EXPECT_EQ(find_data_files(idx).front(), (dir / "train-images-idx3-ubyte").string());

  DataSpec cifar;
  cifar.dataset = "cifar10";
  cifar.path = dir.string();
  EXPECT_EQ(data_files(cifar).size(), 6u);
  for (int i = 1; i <= 5; ++i) std::ofstream(dir / ("data_batch_" + std::to_string(i) + ".bin")) << "x";
  try {
    find_data_files(cifar);
    ADD_FAILURE() << "found the test batch";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no test_batch.bin in"), std::string::npos) << e.what();
  }
  DataSpec synthetic;
  synthetic.dataset = "synthetic";
  synthetic.path = "/nowhere";
  EXPECT_TRUE(find_data_files(synthetic).empty());
}

TEST(DataFiles, AnUnknownDataSetGetsASuggestion) {
  DataSpec data;
  data.dataset = "cifar11";
  try {
    data_files(data);
    ADD_FAILURE() << "cifar11 accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "unknown data set 'cifar11'");
    EXPECT_NE(e.hint().find("did you mean cifar10"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace fsearch::jobs
