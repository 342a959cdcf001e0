#include "bench_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "fsearch/core/version.h"
#include "fsearch/trainers/runtime.h"

namespace fsearch::bench {

std::string provenance(const std::string& device, int threads) {
  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string line = fmt::format("commit {} | device {} | threads {} | {}", git_commit(), device, threads, date);
  // The BLAS's kernels set the speed of every matrix product: say which ran, and when the
  // environment chose them (trainers/runtime.h).
  if (const std::string core = trainers::blas_core(); !core.empty())
    line += fmt::format(" | OpenBLAS {}{}", core, std::getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE)" : "");
  if (const std::string note = trainers::blas_core_note(); !note.empty()) line += "\n" + note;
  return line;
}

double median_ms(const std::function<void()>& body, int repeats, int warmup) {
  for (int i = 0; i < warmup; ++i) body();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    body();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace fsearch::bench
