// Shared by the benchmarks: the header line that makes numbers comparable later, and timing.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace fsearch::bench {

// "commit <c> | device cpu | threads <n> | <UTC date> | OpenBLAS <core>", and a second line when
// the environment pins OpenBLAS to kernels this CPU outruns (trainers::blas_core_note)
std::string provenance(const std::string& device, int threads);

// Median wall time in milliseconds of `repeats` calls after `warmup` calls.
double median_ms(const std::function<void()>& body, int repeats, int warmup = 2);

}  // namespace fsearch::bench
