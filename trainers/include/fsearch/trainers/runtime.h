// The torch runtime a process trains with: how many intra-op threads, which devices exist.
//
// Debian's LibTorch starts with one intra-op thread, so every entry point that computes with torch
// calls configure_threads() first. This header is torch-free so that the CLI can include it cheaply.
#pragma once

#include <string>

namespace fsearch::trainers {

// Sets torch's intra-op thread count; threads <= 0 means fsearch::available_cores() (core/process.h). Returns the count set.
// OpenBLAS's own pool (matrix products) gets the same count: left alone it used every core, so a
// job with one thread ran on two (vit-tiny, 100 steps: 194% CPU, 13 s of system time, 794 images/s;
// with one OpenBLAS thread 99%, 0.4 s, 895 images/s) and two workers on two cores ran on four.
// Call before the first parallel torch operation: torch fixes the pool size once work has started.
int configure_threads(int threads);

// Torch's current intra-op thread count.
int torch_threads();

// Torch's OpenMP workers spin after each parallel region; on few cores they starve OpenBLAS's own
// threads during matrix products (measured on 2 cores: 548 -> 1339 images/s for the ViT proxy with
// passive waiting). libgomp reads OMP_WAIT_POLICY when it loads, so this re-executes the program
// once with OMP_WAIT_POLICY=PASSIVE unless the variable is already set (a user's choice is kept).
// Returns normally when nothing needs doing; otherwise does not return (or returns if exec fails).
void ensure_passive_openmp(char** argv);

// Keeps freed tensor memory in the process for reuse. glibc returns every block above 128 KB-32 MB
// to the kernel on free (mmap/munmap), so each step's activations and gradients arrive as fresh
// pages that fault and zero on first touch: bench-norm's point-wise layer at (128, 49, 64) spent
// 0.5 ms of 1.7 there. Raising the mmap and trim thresholds serves them from the heap instead.
// Training memory is the same every step, so the heap does not grow after the first. Elsewhere than
// glibc this does nothing. Idempotent; run_job calls it.
void keep_freed_memory();

// The OpenBLAS core (its set of kernels) that matrix products run on, e.g. "Haswell" (AVX2) or
// "Cooperlake" (AVX-512); "" when the BLAS behind LibTorch is not OpenBLAS.
std::string blas_core();

// A one-line note when the environment pins OpenBLAS to kernels without AVX-512
// (OPENBLAS_CORETYPE=Haswell, say) on a CPU that has it; "" otherwise. Measured on AMD EPYC Zen 5,
// where OpenBLAS's own choice is Cooperlake: dit-b trained 1.45x faster and vit-tiny 1.3-1.5x
// (docs/performance.md). The variable is the user's choice and stays; the note says what it costs.
std::string blas_core_note();
// blas_core_note's rule, given the variable's value (null: unset) and whether the CPU has AVX-512.
std::string blas_core_note(const char* coretype, bool cpu_has_avx512);

struct RuntimeInfo {
  std::string torch_version;  // e.g. "1.13.1"
  bool cuda_available = false;
  int cuda_devices = 0;
  int threads = 0;
  std::string cpu;  // the CPU's model name (core/process.h), "" where unknown
};
RuntimeInfo runtime_info();

}  // namespace fsearch::trainers
