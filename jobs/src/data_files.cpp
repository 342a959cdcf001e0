#include "fsearch/jobs/data_files.h"

#include <filesystem>

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"

namespace fsearch::jobs {

std::vector<std::vector<std::string>> data_files(const DataSpec& data) {
  const std::string& set = data.dataset;
  if (set == "synthetic") return {};
  if (set == "fashion-mnist" || set == "idx") {
    std::vector<std::vector<std::string>> files;
    for (const char* stem :
         {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
      files.push_back({std::string(stem) + ".gz", stem});
    return files;
  }
  if (set == "cifar10") {
    std::vector<std::vector<std::string>> files;
    for (int i = 1; i <= 5; ++i) files.push_back({"data_batch_" + std::to_string(i) + ".bin"});
    files.push_back({"test_batch.bin"});
    return files;
  }
  if (set == "cifar100") return {{"train.bin"}, {"test.bin"}};
  const std::vector<std::string> known = {"fashion-mnist", "idx", "cifar10", "cifar100", "synthetic"};
  throw ConfigError("unknown data set '" + set + "'",
                    did_you_mean(set, known) + " known: fashion-mnist, idx, cifar10, cifar100, synthetic");
}

std::vector<std::string> find_data_files(const DataSpec& data) {
  std::vector<std::string> paths;
  for (const auto& names : data_files(data)) {
    std::string found;
    for (const auto& name : names) {
      const auto path = std::filesystem::path(data.path) / name;
      if (std::error_code error; std::filesystem::is_regular_file(path, error)) {
        found = path.string();
        break;
      }
    }
    if (found.empty())
      throw ConfigError("data set " + data.dataset + ": no " + names.front() + " in " + data.path,
                        "the data set's folder goes in the proxy file's data.path (fsearch train: --data-path); "
                        "Debian ships Fashion-MNIST only (apt-get install dataset-fashion-mnist), other data "
                        "sets you download yourself");
    paths.push_back(found);
  }
  return paths;
}

}  // namespace fsearch::jobs
