// Writing files whole and making folders: failures are fsearch errors that name the path and what
// it was for, never a bare std::filesystem message (which main() would report with exit 1).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "temp_dir.h"

namespace fsearch {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(WriteAtomic, ReplacesTheWholeFileAndLeavesNoTemporaryFile) {
  testing::TempDir dir("files-atomic");
  const auto file = dir / "result.json";
  write_atomic(file, "old");
  write_atomic(file, "new content");
  EXPECT_EQ(read(file), "new content");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(WriteAtomic, AFolderThatIsNotThereIsAnErrorNamingTheFile) {
  testing::TempDir dir("files-atomic-missing");
  const auto file = dir / "missing" / "result.json";
  try {
    write_atomic(file, "x");
    ADD_FAILURE() << "wrote into a folder that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + file.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST(MakeDirectories, MakesTheFolderAndItsParentsAndAcceptsOneThatExists) {
  testing::TempDir dir("files-mkdir");
  const auto deep = dir / "a" / "b" / "c";
  make_directories(deep, "--out");
  EXPECT_TRUE(fs::is_directory(deep));
  EXPECT_NO_THROW(make_directories(deep, "--out"));
}

// A regular file where a folder should be: the error names the option, the folder and the reason.
TEST(MakeDirectories, AFileInTheWayIsAnErrorNamingWhatTheFolderWasFor) {
  testing::TempDir dir("files-mkdir-blocked");
  std::ofstream(dir / "report") << "a file, not a folder";
  const auto wanted = dir / "report" / "figures";
  try {
    make_directories(wanted, "--out " + (dir / "report").string());
    ADD_FAILURE() << "made a folder inside a regular file";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--out " + (dir / "report").string() + ": cannot create the folder " + wanted.string()),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
  }
  EXPECT_EQ(read(dir / "report"), "a file, not a folder");
}

}  // namespace
}  // namespace fsearch
