#include "fsearch/trainers/runtime.h"

#include <dlfcn.h>
#include <sched.h>

#include "fsearch/core/process.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <thread>

namespace fsearch::trainers {

int configure_threads(int threads) {
  int count = threads > 0 ? threads : available_cores();
  torch::set_num_threads(count);
  // OpenBLAS sizes its own thread pool to the machine, whatever torch's count. Looked up at run
  // time: the BLAS behind LibTorch may be another (then there is nothing to do).
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(count);
  return torch::get_num_threads();
}

int torch_threads() {
  return torch::get_num_threads();
}

void ensure_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);  // only returns on failure: then run as we are
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  constexpr int kBytes = 1 << 30;  // above any one tensor of the proxies (mallopt takes an int)
  ::mallopt(M_MMAP_THRESHOLD, kBytes);
  ::mallopt(M_TRIM_THRESHOLD, kBytes);
#endif
}

std::string blas_core() {
  using CoreName = char* (*)();
  auto name = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* core = name ? name() : nullptr;
  return core ? core : "";
}

std::string blas_core_note(const char* coretype, bool cpu_has_avx512) {
  if (!coretype || !*coretype || !cpu_has_avx512) return "";
  std::string core = coretype;
  std::transform(core.begin(), core.end(), core.begin(), [](unsigned char c) { return std::tolower(c); });
  // OpenBLAS's x86-64 cores with AVX-512 kernels.
  for (const char* wide : {"skylakex", "cooperlake", "sapphirerapids"})
    if (core == wide) return "";
  return std::string("note: OPENBLAS_CORETYPE=") + coretype +
         " keeps matrix products off this CPU's AVX-512; without it OpenBLAS picks its own kernels, "
         "which trained 1.3-1.5x faster on an AVX-512 CPU (docs/performance.md)";
}

std::string blas_core_note() {
#if defined(__GNUC__) && defined(__x86_64__)
  const bool avx512 = __builtin_cpu_supports("avx512f");
#else
  const bool avx512 = false;
#endif
  return blas_core_note(std::getenv("OPENBLAS_CORETYPE"), avx512);
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;  // from the headers built against
  info.cuda_available = torch::cuda::is_available();
  info.cuda_devices = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.threads = torch::get_num_threads();
  info.cpu = cpu_model();
  return info;
}

}  // namespace fsearch::trainers
