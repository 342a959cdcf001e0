// A fresh directory for one test: unique to the process and the name, empty at the start, removed
// when the test ends -- also when an assertion failed (it returns through the destructor). Set
// FSEARCH_KEEP_TEST_DIRS=1 to keep them for a look.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace fsearch::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("fsearch-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    if (std::getenv("FSEARCH_KEEP_TEST_DIRS")) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// One folder for the whole test program, made at first use and removed when the program exits:
// what a test that keeps files between its steps (or shares them across tests) writes under.
inline const TempDir& program_temp_dir() {
  static const TempDir dir("tests");
  return dir;
}

}  // namespace fsearch::testing
