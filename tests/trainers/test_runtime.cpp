#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>
#include <set>
#include <thread>

#include "fsearch/core/process.h"
#include "fsearch/trainers/runtime.h"

namespace fsearch::trainers {
namespace {

TEST(Runtime, ReportsTheLibTorchVersionItWasBuiltWith) {
  auto info = runtime_info();
  // Against the version CMake's Torch package reported (TORCH_VERSION_STRING, from Torch_VERSION), an
  // independent source: the headers and the package configuration must be of one installation.
  EXPECT_EQ(info.torch_version, TORCH_VERSION_STRING);
  EXPECT_EQ(info.torch_version.rfind(std::to_string(TORCH_VERSION_MAJOR) + ".", 0), 0u);
  EXPECT_GE(fsearch::available_cores(), 1);
#if defined(__linux__) && defined(__x86_64__)
  // x86 Linux names its CPU in /proc/cpuinfo ("model name"); elsewhere cpu_model() may be "".
  EXPECT_FALSE(info.cpu.empty());
  EXPECT_EQ(info.cpu.find_first_of("\t\n:"), std::string::npos) << info.cpu;  // the value, not the line
  EXPECT_NE(info.cpu.front(), ' ') << info.cpu;
#endif
  EXPECT_EQ(info.cpu, fsearch::cpu_model());
}

// torch fixes its pool once it has been used, so the whole check lives in one test: set the count,
// then see torch's parallel_for actually spread work over that many threads.
TEST(Runtime, TorchComputesWithTheConfiguredThreadCount) {
  const int wanted = 2;
  EXPECT_EQ(configure_threads(wanted), wanted);
  EXPECT_EQ(torch_threads(), wanted);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  at::parallel_for(0, 1 << 20, 1, [&](int64_t begin, int64_t end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(static_cast<int>(seen.size()), wanted);
  // And a real computation gives the right answer on that pool.
  auto a = torch::ones({512, 512});
  EXPECT_FLOAT_EQ(a.matmul(a).sum().item<float>(), 512.f * 512.f * 512.f);
}

TEST(Runtime, NotesAnOpenBlasCorePinnedBelowTheCpusAvx512) {
  EXPECT_NE(blas_core_note("Haswell", true).find("OPENBLAS_CORETYPE=Haswell"), std::string::npos);
  EXPECT_NE(blas_core_note("zen", true), "");
  // Unset, AVX-512 kernels pinned, or a CPU without AVX-512: nothing to say.
  EXPECT_EQ(blas_core_note(nullptr, true), "");
  EXPECT_EQ(blas_core_note("", true), "");
  EXPECT_EQ(blas_core_note("SkylakeX", true), "");
  EXPECT_EQ(blas_core_note("cooperlake", true), "");
  EXPECT_EQ(blas_core_note("Haswell", false), "");
}

TEST(Runtime, NamesTheOpenBlasCoreWhereOpenBlasComputes) {
  // Debian's LibTorch computes its matrix products with the system BLAS; set up with OpenBLAS
  // (scripts/setup.sh), it names its core. Another BLAS has no name to give.
  const std::string core = blas_core();
  if (core.empty()) GTEST_SKIP() << "the BLAS behind LibTorch is not OpenBLAS";
  // Pinned by the environment, it is the pinned core (spelled OpenBLAS's way).
  if (const char* pinned = std::getenv("OPENBLAS_CORETYPE"); pinned && *pinned) {
    auto lower = [](std::string text) {
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    };
    EXPECT_EQ(lower(core), lower(pinned));
  }
}

}  // namespace
}  // namespace fsearch::trainers
