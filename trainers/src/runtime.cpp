#include "fsearch/trainers/runtime.h"

#include <dlfcn.h>
#include <sched.h>

#include "fsearch/core/process.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/torch.h>
#include <unistd.h>

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
