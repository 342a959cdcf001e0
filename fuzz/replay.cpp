// The fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput on each file named, or on every
// file of each folder named. The default build (gcc) uses it to replay the committed corpus and
// every input that once crashed (tests/CMakeLists.txt registers them with CTest), so a fixed
// finding stays fixed even where clang's libFuzzer is not installed.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
    return 2;
  }
  int inputs = 0, errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path = argv[i];
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (!entry.is_regular_file()) continue;
        errors += replay(entry.path());
        ++inputs;
      }
    } else {
      errors += replay(path);
      ++inputs;
    }
  }
  std::printf("%d inputs replayed, none crashed\n", inputs - errors);
  return errors == 0 && inputs > 0 ? 0 : 1;
}
