// Shared by the benchmarks: the header line that makes numbers comparable later, and timing.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace fsearch::bench {

// "commit <c> | device cpu | threads <n> | <UTC date>"
std::string provenance(const std::string& device, int threads);

// Median wall time in milliseconds of `repeats` calls after `warmup` calls.
double median_ms(const std::function<void()>& body, int repeats, int warmup = 2);

}  // namespace fsearch::bench
